package main

import (
	"context"
	"fmt"
	"slices"

	"frontline/evaluation"
	"frontline/rbac"
	"frontline/store"
)

// assignmentOf returns the case's assignment of unit, or a usage error.
func assignmentOf(cv *store.CaseView, unit string) (*evaluation.Assignment, error) {
	i := slices.IndexFunc(cv.Assignments, func(a evaluation.Assignment) bool { return a.Unit == unit && !a.DispatchedAt.IsZero() })
	if i < 0 {
		return nil, usageErrorf("case %s was never dispatched to %s", cv.Case.ID, unit)
	}
	return &cv.Assignments[i], nil
}

// runEvaluate records a two-way evaluation: a street rating a
// department's response, or a department rating a street's call. One
// evaluation counts per case and pair: a later one replaces it, and both
// stay in the trail.
func runEvaluate(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || (args[0] != "response" && args[0] != "call") {
		return usageErrorf("evaluate: say what is evaluated: evaluate response … or evaluate call …")
	}
	what := args[0]
	fs, dsn := a.flags("evaluate " + what)
	caseID := fs.String("case", "", "the case (required)")
	unit := fs.String("unit", "", "the evaluating unit: the street for a response, the department for a call (required)")
	target := fs.String("target", "", "the evaluated unit: the department for a response, the street for a call (required)")
	score := fs.Int("score", 0, "1 (poor) to 5 (excellent); required for a response, optional for a call")
	accurate := fs.String("accurate", "", "for a call: true if the department was the right one to call, false if not (required)")
	note := fs.String("note", "", "a comment, for the trail")
	actor := fs.String("actor", "", "who evaluates, for the trail")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *unit == "" || *target == "" {
		return usageErrorf("evaluate %s: --case, --unit and --target are required", what)
	}
	e := evaluation.Event{Case: *caseID, Unit: *unit, Target: *target, Note: *note, Actor: *actor}
	if *score != 0 || what == "response" {
		if *score < 1 || *score > 5 {
			return usageErrorf("evaluate %s: --score must be 1 to 5", what)
		}
		e.Score = score
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.authorize(ctx, db, rbac.Write, rbac.Resource{Object: "evaluations." + what, Unit: *unit}); err != nil {
		return err
	}
	cv, err := caseTrail(ctx, db, *caseID)
	if err != nil {
		return err
	}
	var previous *evaluation.Event
	if what == "response" {
		e.Type = evaluation.ResponseEvaluated
		as, err := assignmentOf(cv, *target)
		if err != nil {
			return err
		}
		if *unit != as.By && *unit != cv.Case.Street {
			return usageErrorf("evaluate response: %s neither called %s in nor is the case's street", *unit, *target)
		}
	} else {
		e.Type = evaluation.CallEvaluated
		switch *accurate {
		case "true", "false":
			v := *accurate == "true"
			e.Accurate = &v
		default:
			return usageErrorf("evaluate call: --accurate must be true or false")
		}
		as, err := assignmentOf(cv, *unit)
		if err != nil {
			return err
		}
		if as.By != *target {
			return usageErrorf("evaluate call: %s was called in by %q, not by %s", *unit, as.By, *target)
		}
	}
	for i := range cv.Trail {
		if p := &cv.Trail[i]; p.Type == e.Type && p.Unit == e.Unit && p.Target == e.Target {
			previous = p
		}
	}
	if err := a.record(ctx, db, e); err != nil {
		return err
	}
	if previous != nil {
		fmt.Fprintf(a.stderr, a.t("it replaces %s of %s, which stays in the trail\n", "它取代 %s（%s）的评价，原评价保留在轨迹中\n"),
			previous.ID, previous.At.In(a.policyZone(ctx, db)).Format("2006-01-02 15:04"))
	}
	return nil
}

// runRuleReturn rules on a unit's return of a case: justified (the call
// counts against the street's accuracy) or not (shirking: a penalty).
func runRuleReturn(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("rule-return")
	caseID := fs.String("case", "", "the case (required)")
	unit := fs.String("unit", "", "the ruling body (required)")
	target := fs.String("target", "", "the unit that returned the case (required)")
	justified := fs.Bool("justified", false, "the return was right: the case was misdirected")
	unjustified := fs.Bool("unjustified", false, "the return was shirking: a penalty for the unit")
	note := fs.String("note", "", "the reasons (required)")
	actor := fs.String("actor", "", "who rules, for the trail")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *unit == "" || *target == "" || *note == "" || *justified == *unjustified {
		return usageErrorf("rule-return: give --case, --unit, --target, --note and one of --justified or --unjustified")
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.authorize(ctx, db, rbac.Write, rbac.Resource{Object: "rulings"}); err != nil {
		return err
	}
	cv, err := caseTrail(ctx, db, *caseID)
	if err != nil {
		return err
	}
	as, err := assignmentOf(cv, *target)
	if err != nil {
		return err
	}
	if as.ReturnedAt.IsZero() {
		return usageErrorf("rule-return: %s never returned case %s", *target, *caseID)
	}
	if as.ReturnRuledBy != "" {
		return evaluation.Errorf(evaluation.KindConflict, "rule-return", "%s's return of %s was already ruled by %s; appeal the ruling instead",
			*target, *caseID, as.ReturnRuledBy)
	}
	err = a.record(ctx, db, evaluation.Event{Case: *caseID, Type: evaluation.ReturnRuled, Unit: *unit, Target: *target,
		Upheld: justified, Note: *note, Actor: *actor})
	return err
}

package main

import (
	"context"
	"fmt"

	"frontline/evaluation"
	"frontline/rbac"
	"frontline/service"
)

// runEvaluate records a two-way evaluation: a street rating a
// department's response, or a department rating a street's call. One
// evaluation counts per case and pair: a later one replaces it, and both
// stay in the trail.
func runEvaluate(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || (args[0] != "response" && args[0] != "call") {
		return a.usagef("evaluate：请说明评价什么：evaluate response …（评价响应）或 evaluate call …（评价呼叫）", "evaluate: say what is evaluated: evaluate response … or evaluate call …")
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
		return a.usagef("evaluate %s：须给出 --case、--unit 和 --target", "evaluate %s: --case, --unit and --target are required", what)
	}
	var acc *bool
	if what == "call" {
		switch *accurate {
		case "true", "false":
			v := *accurate == "true"
			acc = &v
		default:
			return a.usagef("evaluate call：--accurate 须为 true 或 false", "evaluate call: --accurate must be true or false")
		}
	}
	w, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer w.Close()
	e, previous, err := w.Evaluate(ctx, s, service.EvaluationRequest{Case: *caseID, Unit: *unit, Target: *target, Note: *note, Actor: *actor,
		Call: what == "call", Score: *score, Accurate: acc})
	if err := a.recorded(e, err); err != nil {
		return err
	}
	if previous != nil {
		fmt.Fprintf(a.stderr, a.t("它取代 %s（%s）的评价，原评价保留在轨迹中\n", "it replaces %s of %s, which stays in the trail\n"),
			previous.ID, previous.At.In(a.policyZone(ctx, w)).Format("2006-01-02 15:04"))
	}
	return nil
}

// runRuleReturn rules on a unit's return of a case: justified (the call
// counts against the street's accuracy) or not (shirking: a penalty).
func runRuleReturn(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("rule-return")
	caseID := fs.String("case", "", "the case (required)")
	unit := fs.String("unit", "", "the ruling body (default: the organization department the policy names)")
	target := fs.String("target", "", "the unit that returned the case (required)")
	justified := fs.Bool("justified", false, "the return was right: the case was misdirected")
	unjustified := fs.Bool("unjustified", false, "the return was shirking: a penalty for the unit")
	note := fs.String("note", "", "the reasons (required)")
	actor := fs.String("actor", "", "who rules, for the trail")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *justified == *unjustified {
		return a.usagef("rule-return：须给出 --case、--target、--note，以及 --justified 或 --unjustified 之一", "rule-return: give --case, --target, --note and one of --justified or --unjustified")
	}
	return a.runProcess(ctx, *dsn, func(w *service.Service, s rbac.Principal) (evaluation.Event, error) {
		return w.RuleReturn(ctx, s, service.RulingRequest{Case: *caseID, Unit: *unit, Target: *target, Note: *note, Actor: *actor,
			Justified: *justified})
	})
}

func runUrge(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("urge")
	caseID := fs.String("case", "", "the open case (required)")
	unit := fs.String("unit", "", "the urging body (default: the discipline body the policy names, bodies.discipline)")
	target := fs.String("target", "", "the unit urged: the case's street or a unit whose part has not ended (required)")
	note := fs.String("note", "", "what the unit is urged to do")
	actor := fs.String("actor", "", "who urges, for the trail")
	if err := parse(fs, args); err != nil {
		return err
	}
	return a.runProcess(ctx, *dsn, func(w *service.Service, s rbac.Principal) (evaluation.Event, error) {
		return w.Urge(ctx, s, service.UrgeRequest{Case: *caseID, Unit: *unit, Target: *target, Note: *note, Actor: *actor})
	})
}

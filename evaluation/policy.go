package evaluation

import (
	"cmp"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// LimitUnit is the unit a time limit counts in.
type LimitUnit int

// The units of a time limit. Minutes and hours are wall-clock: urgent
// matters do not wait for office hours.
const (
	Minutes LimitUnit = iota + 1
	Hours
	WorkingHours
	WorkingDays
)

// Limit is a time limit such as 10 minutes or 1 working day. The zero
// Limit means "no limit".
type Limit struct {
	N    int
	Unit LimitUnit
}

var limitPattern = regexp.MustCompile(`^(\d+)\s*([a-z ]+)$`)

var limitUnits = map[string]LimitUnit{
	"m": Minutes, "min": Minutes, "mins": Minutes, "minute": Minutes, "minutes": Minutes,
	"h": Hours, "hour": Hours, "hours": Hours,
	"wh": WorkingHours, "working hour": WorkingHours, "working hours": WorkingHours,
	"wd": WorkingDays, "working day": WorkingDays, "working days": WorkingDays,
}

// ParseLimit reads a limit written "10m", "4h", "3wh", "1wd", or spelled
// out ("10 minutes", "1 working day"); "none" or "" is no limit.
func ParseLimit(s string) (Limit, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "none" || s == "-" {
		return Limit{}, nil
	}
	m := limitPattern.FindStringSubmatch(s)
	if m == nil {
		return Limit{}, fmt.Errorf("want a limit like 10m, 4h, 3wh (working hours) or 1wd (working days), got %q", s)
	}
	unit, ok := limitUnits[strings.TrimSpace(m[2])]
	if !ok {
		return Limit{}, fmt.Errorf("unknown unit %q in %q (want m, h, wh or wd)", m[2], s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 || n > 100000 {
		return Limit{}, fmt.Errorf("limit %q is out of range", s)
	}
	return Limit{N: n, Unit: unit}, nil
}

// IsZero reports whether there is no limit.
func (l Limit) IsZero() bool { return l.N == 0 }

func (l Limit) String() string {
	switch l.Unit {
	case Minutes:
		return fmt.Sprintf("%dm", l.N)
	case Hours:
		return fmt.Sprintf("%dh", l.N)
	case WorkingHours:
		return fmt.Sprintf("%dwh", l.N)
	case WorkingDays:
		return fmt.Sprintf("%dwd", l.N)
	}
	return "none"
}

// Due returns the deadline of a clock started at start.
func (l Limit) Due(start time.Time, cal *Calendar) time.Time {
	switch l.Unit {
	case Minutes:
		return start.Add(time.Duration(l.N) * time.Minute)
	case Hours:
		return start.Add(time.Duration(l.N) * time.Hour)
	case WorkingHours:
		return cal.AddWorkingTime(start, time.Duration(l.N)*time.Hour)
	case WorkingDays:
		return cal.AddWorkingDays(start, l.N)
	}
	return time.Time{}
}

// Limits are the time limits of one SLA class, counted from dispatch.
type Limits struct {
	Respond Limit
	Report  Limit
	Dispose Limit
	// WarnAt is the share of a limit after which an open milestone of
	// the class shows amber on the live board (DESIGN.md §9); zero means
	// the policy's.
	WarnAt float64
}

// DefaultWarnAt is the warning share of a policy that names none.
const DefaultWarnAt = 0.8

// Policy is one version of the rules, in force from its effective date.
type Policy struct {
	Effective Date
	// District is the name of the district the policy is for, as the
	// packs print it; empty when the policy does not say.
	District Name
	// Digest is the SHA-256 of the policy's file, in hex: which file of
	// that date is in force.
	Digest string
	// Bodies are the district's oversight bodies, as units of its
	// registry: what their users decide or record is recorded as theirs.
	Bodies   Bodies
	Location *time.Location
	// CallLimit bounds the time from a case's opening to the street's call.
	CallLimit Limit
	// AppealLimit bounds the time from an appeal to its decision.
	AppealLimit Limit
	// Classes holds the limits per SLA class.
	Classes map[string]Limits
	// Urgent overrides the limits of a class for an urgency; a zero
	// Limit in an override keeps the class's limit.
	Urgent   map[string]map[string]Limits
	Calendar *Calendar
	Scoring  Scoring
	// WarnAt is the warning share of the classes that name none.
	WarnAt float64
}

// WarnShare returns the share of its limit after which an open milestone
// of class turns amber.
func (p *Policy) WarnShare(class string) float64 {
	l, ok := p.Classes[class]
	if !ok {
		l = p.Classes["C"]
	}
	return cmp.Or(l.WarnAt, p.WarnAt, DefaultWarnAt)
}

// Bodies are the units a district's oversight roles act for.
type Bodies struct {
	// Organization decides appeals and rules on returns (the
	// organization department, ORG by default).
	Organization string
	// Discipline records supervision findings (the discipline inspection
	// commission, DIS by default).
	Discipline string
}

// Limits returns the limits for a class and urgency. An unknown class
// gets the limits of class C, the catch-all of the default policy, if the
// policy has it.
func (p *Policy) Limits(class, urgency string) Limits {
	l, ok := p.Classes[class]
	if !ok {
		l = p.Classes["C"]
	}
	if o, ok := p.Urgent[urgency][class]; ok {
		if !o.Respond.IsZero() {
			l.Respond = o.Respond
		}
		if !o.Report.IsZero() {
			l.Report = o.Report
		}
		if !o.Dispose.IsZero() {
			l.Dispose = o.Dispose
		}
	}
	return l
}

// Policies are the versions of the policy, ordered by effective date.
type Policies []*Policy

// Sort orders the versions by effective date.
func (ps Policies) Sort() {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Effective.Before(ps[j].Effective.Time) })
}

// At returns the version in force at t: the latest whose effective date
// (in its own zone) is on or before t's day; the earliest if none is.
func (ps Policies) At(t time.Time) *Policy {
	if len(ps) == 0 {
		return nil
	}
	chosen := ps[0]
	for _, p := range ps[1:] {
		local := t.In(p.Location)
		y, m, d := p.Effective.Date()
		if !local.Before(time.Date(y, m, d, 0, 0, 0, 0, p.Location)) {
			chosen = p
		}
	}
	return chosen
}

// Metric names (DESIGN.md §5). Rates are fractions 0–1, qualities 0–100.
const (
	ResponseRate      = "response_rate"
	ReportRate        = "report_rate"
	DisposalRate      = "disposal_rate"
	ResolutionRate    = "resolution_rate"
	SatisfactionRate  = "satisfaction_rate"
	RedoRate          = "redo_rate"
	ResponseQuality   = "response_quality"
	CallAccuracy      = "call_accuracy"
	CallQuality       = "call_quality"
	CallTimeliness    = "call_timeliness"
	ResponseQualityCl = "response_quality_calibrated"
	CallQualityCl     = "call_quality_calibrated"
	// UrgedMetRate is the share of a unit's urged assignments whose
	// deadlines open at the urging were then met (督办后按时办结率, DESIGN.md
	// §9); in the composite only if the policy weights it.
	UrgedMetRate = "urged_met_rate"
)

// DepartmentMetrics and StreetMetrics list the metrics of each side, in
// report order; departments' metrics also judge enterprises.
var (
	DepartmentMetrics = []string{ResponseRate, ReportRate, DisposalRate, ResolutionRate, SatisfactionRate, RedoRate, ResponseQuality, ResponseQualityCl, UrgedMetRate}
	StreetMetrics     = []string{CallAccuracy, CallQuality, CallQualityCl, CallTimeliness, SatisfactionRate, ResolutionRate}
)

// Scoring is the part of a policy that turns metrics into a composite
// score and a rank.
type Scoring struct {
	// Weights of each metric in the composite, per side; renormalised over
	// the metrics that have data. A quality's weight applies to the raw or
	// calibrated value, as Quality says.
	DepartmentWeights map[string]float64
	StreetWeights     map[string]float64
	// Penalty points: supervision findings by severity, and
	// "unjustified_return" for a return ruled unjustified (shirking).
	Penalties map[string]float64
	// MinCases is the number of assessed cases a unit needs to be ranked.
	MinCases int
	// SatisfactionWeights say how much each rating counts as satisfied.
	SatisfactionWeights map[string]float64
	// SatisfactionTarget is the district's target rate.
	SatisfactionTarget float64
	// Quality is "calibrated" or "raw": which two-way score enters the composite.
	Quality string
	// Shrinkage is the number of pseudo-ratings at the district's mean and
	// spread that calibration adds to each rater's own.
	Shrinkage float64
	// A reciprocal pair rates each other at least MinResidual points (on
	// the 1–5 scale) above what each gives everyone else, on at least
	// MinRatings ratings each way.
	ReciprocityMinRatings  int
	ReciprocityMinResidual float64
}

// DefaultScoring is DESIGN.md §4's scoring policy.
func DefaultScoring() Scoring {
	return Scoring{
		DepartmentWeights: map[string]float64{ResponseRate: 0.15, ReportRate: 0.05, DisposalRate: 0.20,
			ResolutionRate: 0.15, SatisfactionRate: 0.25, ResponseQuality: 0.20},
		StreetWeights: map[string]float64{CallAccuracy: 0.30, CallQuality: 0.15, CallTimeliness: 0.15,
			SatisfactionRate: 0.25, ResolutionRate: 0.15},
		Penalties:              map[string]float64{"notice": 1, "warning": 3, "serious": 10, "unjustified_return": 2},
		MinCases:               20,
		SatisfactionWeights:    map[string]float64{"satisfied": 1, "basically_satisfied": 1, "dissatisfied": 0},
		SatisfactionTarget:     0.975,
		Quality:                "calibrated",
		Shrinkage:              10,
		ReciprocityMinRatings:  5,
		ReciprocityMinResidual: 1.0,
	}
}

package formats

import (
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"frontline/evaluation"
)

// DefaultPolicyYAML is the policy in force until another is loaded.
//
//go:embed policy_default.yaml
var DefaultPolicyYAML []byte

// DefaultAppealLimit is how long the organization department has to
// decide an appeal when the policy does not say.
const DefaultAppealLimit = "10wd"

// MaxPolicyBytes caps a policy file.
const MaxPolicyBytes = 1 << 20

type policyFile struct {
	Effective string          `yaml:"effective"`
	District  evaluation.Name `yaml:"district"`
	Bodies    struct {
		Organization string `yaml:"organization"`
		Discipline   string `yaml:"discipline"`
	} `yaml:"bodies"`
	TimeZone     string                           `yaml:"timezone"`
	WorkingHours []string                         `yaml:"working_hours"`
	CallLimit    string                           `yaml:"call_limit"`
	AppealLimit  string                           `yaml:"appeal_limit"`
	WarnAt       *float64                         `yaml:"warn_at"`
	Classes      map[string]limitsFile            `yaml:"classes"`
	Urgency      map[string]map[string]limitsFile `yaml:"urgency"`
	Scoring      *scoringFile                     `yaml:"scoring"`
	Calendar     struct {
		Official *bool `yaml:"official"`
		Days     []struct {
			Date string `yaml:"date"`
			Work bool   `yaml:"work"`
			Name string `yaml:"name"`
		} `yaml:"days"`
	} `yaml:"calendar"`
}

type scoringFile struct {
	DepartmentWeights   map[string]float64 `yaml:"department_weights"`
	StreetWeights       map[string]float64 `yaml:"street_weights"`
	Penalties           map[string]float64 `yaml:"penalties"`
	MinCases            *int               `yaml:"min_cases"`
	SatisfactionWeights map[string]float64 `yaml:"satisfaction_weights"`
	SatisfactionTarget  *float64           `yaml:"satisfaction_target"`
	Quality             string             `yaml:"quality"`
	Shrinkage           *float64           `yaml:"calibration_shrinkage"`
	Reciprocity         struct {
		MinRatings  *int     `yaml:"min_ratings"`
		MinResidual *float64 `yaml:"min_residual"`
	} `yaml:"reciprocity"`
}

// parseScoring applies the file's scoring section over the defaults.
func parseScoring(f *scoringFile, fail func(string, string, ...any) error) (evaluation.Scoring, error) {
	sc := evaluation.DefaultScoring()
	if f == nil {
		return sc, nil
	}
	// A section lists the keys it changes; the others keep their defaults.
	weights := func(key string, in map[string]float64, allowed []string, out *map[string]float64) error {
		if in == nil {
			return nil
		}
		merged := maps.Clone(*out)
		for _, k := range sortedKeys(in) {
			if !slices.Contains(allowed, k) {
				return fail(key+"."+k, "%q is not one of %v", k, allowed)
			}
			if in[k] < 0 {
				return fail(key+"."+k, "a weight cannot be negative")
			}
			merged[k] = in[k]
		}
		total := 0.0
		for _, w := range merged {
			total += w
		}
		if total <= 0 {
			return fail(key, "at least one weight must be positive")
		}
		*out = merged
		return nil
	}
	deptMetrics := []string{evaluation.ResponseRate, evaluation.ReportRate, evaluation.DisposalRate,
		evaluation.ResolutionRate, evaluation.SatisfactionRate, evaluation.RedoRate, evaluation.ResponseQuality, evaluation.UrgedMetRate}
	streetMetrics := []string{evaluation.CallAccuracy, evaluation.CallQuality, evaluation.CallTimeliness,
		evaluation.SatisfactionRate, evaluation.ResolutionRate}
	if err := weights("scoring.department_weights", f.DepartmentWeights, deptMetrics, &sc.DepartmentWeights); err != nil {
		return sc, err
	}
	if err := weights("scoring.street_weights", f.StreetWeights, streetMetrics, &sc.StreetWeights); err != nil {
		return sc, err
	}
	if f.Penalties != nil {
		for _, k := range sortedKeys(f.Penalties) {
			if !slices.Contains([]string{"notice", "warning", "serious", "unjustified_return"}, k) {
				return sc, fail("scoring.penalties."+k, "%q is not one of notice, warning, serious, unjustified_return", k)
			}
			if f.Penalties[k] < 0 {
				return sc, fail("scoring.penalties."+k, "penalty points cannot be negative")
			}
		}
		for k, v := range f.Penalties {
			sc.Penalties[k] = v
		}
	}
	if f.MinCases != nil {
		if *f.MinCases < 0 {
			return sc, fail("scoring.min_cases", "cannot be negative")
		}
		sc.MinCases = *f.MinCases
	}
	if f.SatisfactionWeights != nil {
		for _, k := range sortedKeys(f.SatisfactionWeights) {
			if !slices.Contains(evaluation.Satisfactions, k) {
				return sc, fail("scoring.satisfaction_weights."+k, "%q is not one of %v", k, evaluation.Satisfactions)
			}
			if v := f.SatisfactionWeights[k]; v < 0 || v > 1 {
				return sc, fail("scoring.satisfaction_weights."+k, "%v is outside 0–1", v)
			}
		}
		for k, v := range f.SatisfactionWeights {
			sc.SatisfactionWeights[k] = v
		}
	}
	if f.SatisfactionTarget != nil {
		if v := *f.SatisfactionTarget; v <= 0 || v >= 1 {
			return sc, fail("scoring.satisfaction_target", "%v is not between 0 and 1", v)
		}
		sc.SatisfactionTarget = *f.SatisfactionTarget
	}
	switch f.Quality {
	case "":
	case "raw", "calibrated":
		sc.Quality = f.Quality
	default:
		return sc, fail("scoring.quality", "%q is not raw or calibrated", f.Quality)
	}
	if f.Shrinkage != nil {
		if *f.Shrinkage < 0 {
			return sc, fail("scoring.calibration_shrinkage", "cannot be negative")
		}
		sc.Shrinkage = *f.Shrinkage
	}
	if r := f.Reciprocity.MinRatings; r != nil {
		if *r < 1 {
			return sc, fail("scoring.reciprocity.min_ratings", "must be at least 1")
		}
		sc.ReciprocityMinRatings = *r
	}
	if r := f.Reciprocity.MinResidual; r != nil {
		if *r <= 0 {
			return sc, fail("scoring.reciprocity.min_residual", "must be positive")
		}
		sc.ReciprocityMinResidual = *r
	}
	return sc, nil
}

type limitsFile struct {
	Respond string   `yaml:"respond"`
	Report  string   `yaml:"report"`
	Dispose string   `yaml:"dispose"`
	WarnAt  *float64 `yaml:"warn_at"`
}

// warnShare checks a warning share: a fraction of the limit, after its
// start and before its end.
func warnShare(v *float64, key string, fail func(string, string, ...any) error) (float64, error) {
	if v == nil {
		return 0, nil
	}
	if !(*v > 0 && *v < 1) {
		return 0, fail(key, "%v is not a share of the limit between 0 and 1 (0.8: amber once four fifths of the limit have passed)", *v)
	}
	return *v, nil
}

// officialYears are the years whose official holiday schedule a calendar
// takes from the holiday data (years the data lacks add nothing).
var officialYears = func() []int {
	var ys []int
	for y := 2001; y <= 2035; y++ {
		ys = append(ys, y)
	}
	return ys
}()

// ParsePolicy reads and checks a policy file. Errors name the key and line.
func ParsePolicy(data []byte) (*evaluation.Policy, error) {
	if len(data) > MaxPolicyBytes {
		return nil, fmt.Errorf("policy file larger than %d bytes", MaxPolicyBytes)
	}
	var f policyFile
	if err := strictYAML(data, &f); err != nil {
		return nil, errors.New(yaml.FormatError(err, false, false))
	}
	file, _ := parser.ParseBytes(data, 0)
	fail := func(key, format string, args ...any) error {
		msg := fmt.Sprintf("key %s: %s", key, fmt.Sprintf(format, args...))
		if line := yamlLine(file, key); line > 0 {
			return fmt.Errorf("line %d: %s", line, msg)
		}
		return errors.New(msg)
	}

	p := &evaluation.Policy{Classes: map[string]evaluation.Limits{}, Urgent: map[string]map[string]evaluation.Limits{}}
	var err error
	if f.Effective == "" {
		return nil, fail("effective", "required: the date this version takes effect")
	}
	if p.Effective, err = evaluation.ParseDate(f.Effective); err != nil {
		return nil, fail("effective", "%v", err)
	}
	p.District = f.District
	p.Bodies = evaluation.Bodies{Organization: cmp.Or(f.Bodies.Organization, "ORG"), Discipline: cmp.Or(f.Bodies.Discipline, "DIS")}
	sum := sha256.Sum256(data)
	p.Digest = hex.EncodeToString(sum[:])
	if f.TimeZone == "" {
		f.TimeZone = "Asia/Shanghai"
	}
	if p.Location, err = time.LoadLocation(f.TimeZone); err != nil {
		return nil, fail("timezone", "unknown time zone %q", f.TimeZone)
	}
	if len(f.WorkingHours) == 0 {
		f.WorkingHours = []string{"08:30-12:00", "14:30-17:30"}
	}
	var periods []evaluation.WorkPeriod
	for i, s := range f.WorkingHours {
		per, err := evaluation.ParseWorkPeriod(s)
		if err != nil {
			return nil, fail(fmt.Sprintf("working_hours[%d]", i), "%v", err)
		}
		periods = append(periods, per)
	}
	if p.CallLimit, err = evaluation.ParseLimit(f.CallLimit); err != nil {
		return nil, fail("call_limit", "%v", err)
	}
	if f.AppealLimit == "" {
		f.AppealLimit = DefaultAppealLimit
	}
	if p.AppealLimit, err = evaluation.ParseLimit(f.AppealLimit); err != nil {
		return nil, fail("appeal_limit", "%v", err)
	}
	if p.WarnAt, err = warnShare(f.WarnAt, "warn_at", fail); err != nil {
		return nil, err
	}
	if len(f.Classes) == 0 {
		return nil, fail("classes", "at least one SLA class is needed")
	}
	for _, class := range sortedKeys(f.Classes) {
		l, err := parseLimits(f.Classes[class], "classes."+class, fail)
		if err != nil {
			return nil, err
		}
		// A response limit may be "none" on purpose (records that carry no
		// first action), never left out by mistake.
		if strings.TrimSpace(f.Classes[class].Respond) == "" || l.Dispose.IsZero() {
			return nil, fail("classes."+class, "respond and dispose limits are required (respond: none for a class whose records carry no first action)")
		}
		if l.WarnAt, err = warnShare(f.Classes[class].WarnAt, "classes."+class+".warn_at", fail); err != nil {
			return nil, err
		}
		p.Classes[class] = l
	}
	for _, urgency := range sortedKeys(f.Urgency) {
		if !slices.Contains(evaluation.Urgencies, urgency) {
			return nil, fail("urgency."+urgency, "%q is not one of %v", urgency, evaluation.Urgencies)
		}
		p.Urgent[urgency] = map[string]evaluation.Limits{}
		for _, class := range sortedKeys(f.Urgency[urgency]) {
			key := "urgency." + urgency + "." + class
			if _, ok := p.Classes[class]; !ok {
				return nil, fail(key, "class %q is not in classes", class)
			}
			if f.Urgency[urgency][class].WarnAt != nil {
				return nil, fail(key+".warn_at", "a warning share is set per class, under classes")
			}
			if p.Urgent[urgency][class], err = parseLimits(f.Urgency[urgency][class], key, fail); err != nil {
				return nil, err
			}
		}
	}
	if p.Scoring, err = parseScoring(f.Scoring, fail); err != nil {
		return nil, err
	}
	var holidays []evaluation.Holiday
	if f.Calendar.Official == nil || *f.Calendar.Official {
		holidays = evaluation.OfficialHolidays(officialYears...)
	}
	for i, d := range f.Calendar.Days {
		date, err := evaluation.ParseDate(d.Date)
		if err != nil {
			return nil, fail(fmt.Sprintf("calendar.days[%d].date", i), "%v", err)
		}
		holidays = append(holidays, evaluation.Holiday{Date: date, Work: d.Work, Name: d.Name})
	}
	if p.Calendar, err = evaluation.NewCalendar(p.Location, periods, holidays); err != nil {
		return nil, fail("working_hours", "%v", err)
	}
	return p, nil
}

func parseLimits(f limitsFile, key string, fail func(string, string, ...any) error) (evaluation.Limits, error) {
	var l evaluation.Limits
	var err error
	for _, x := range []struct {
		name string
		in   string
		out  *evaluation.Limit
	}{{"respond", f.Respond, &l.Respond}, {"report", f.Report, &l.Report}, {"dispose", f.Dispose, &l.Dispose}} {
		if *x.out, err = evaluation.ParseLimit(x.in); err != nil {
			return l, fail(key+"."+x.name, "%v", err)
		}
	}
	return l, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// DefaultPolicy returns the embedded default policy.
func DefaultPolicy() *evaluation.Policy {
	p, err := ParsePolicy(DefaultPolicyYAML)
	if err != nil {
		panic("ingest: the embedded default policy is invalid: " + err.Error())
	}
	return p
}

// PolicyVersion is a stored policy version: its source text, parsed.
type PolicyVersion struct {
	Source []byte
	Policy *evaluation.Policy
}

// ParsePolicies parses stored policy sources into versions in effect order,
// with the default policy first when no source takes effect before it.
func ParsePolicies(sources [][]byte) (evaluation.Policies, error) {
	ps := evaluation.Policies{DefaultPolicy()}
	for _, src := range sources {
		p, err := ParsePolicy(src)
		if err != nil {
			return nil, fmt.Errorf("stored policy: %w", err)
		}
		if p.Effective.Equal(ps[0].Effective.Time) {
			ps[0] = p
			continue
		}
		ps = append(ps, p)
	}
	ps.Sort()
	return ps, nil
}

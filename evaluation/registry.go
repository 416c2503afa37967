package evaluation

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// UnitKind says what sort of body a unit is.
type UnitKind string

// The unit kinds.
const (
	Street     UnitKind = "street"
	Community  UnitKind = "community"
	Department UnitKind = "department"
	Enterprise UnitKind = "enterprise"
)

// UnitKinds lists the unit kinds.
var UnitKinds = []UnitKind{Street, Community, Department, Enterprise}

// SLAClasses lists the SLA classes of the default policy.
var SLAClasses = []string{"A", "B", "C"}

// Name is a display name in Chinese and English.
type Name struct {
	Zh string `json:"zh" yaml:"zh"`
	En string `json:"en" yaml:"en"`
}

// Unit is a street, community, department or enterprise.
type Unit struct {
	Code   string   `json:"code" yaml:"code"`
	Kind   UnitKind `json:"kind" yaml:"kind"`
	Parent string   `json:"parent,omitempty" yaml:"parent,omitempty"`
	Name   Name     `json:"name" yaml:"name"`
}

// Category is a kind of case, with its SLA class and default urgency.
type Category struct {
	Code    string `json:"code" yaml:"code"`
	Class   string `json:"class" yaml:"class"`
	Urgency string `json:"urgency,omitempty" yaml:"urgency,omitempty"`
	Name    Name   `json:"name" yaml:"name"`
}

// Cadre is a person whose leadership of units is assessed.
type Cadre struct {
	ID       string `json:"id" yaml:"id"`
	Name     string `json:"name" yaml:"name"`
	Position string `json:"position,omitempty" yaml:"position,omitempty"`
}

// Date is a calendar day, written 2006-01-02.
type Date struct{ time.Time }

// DateLayout is how a Date is written.
const DateLayout = "2006-01-02"

// ParseDate parses a 2006-01-02 day.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("want a date like 2026-01-31, got %q", truncate(s))
	}
	return Date{t}, nil
}

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(DateLayout)
}

// MarshalJSON writes the date as "2006-01-02". Without it the embedded
// time.Time's JSON methods would win over the text methods.
func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads a "2006-01-02" date.
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("want a date like \"2026-01-31\", got %s", truncate(string(b)))
	}
	return d.UnmarshalText([]byte(s))
}

// MarshalText writes the date as 2006-01-02.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a 2006-01-02 date.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Tenure is a period in which a cadre led or served in a unit. A zero To
// means the tenure is current.
type Tenure struct {
	Cadre string `json:"cadre" yaml:"cadre"`
	Unit  string `json:"unit" yaml:"unit"`
	Role  string `json:"role" yaml:"role"`
	From  Date   `json:"from" yaml:"from"`
	To    Date   `json:"to,omitzero" yaml:"to,omitempty"`
}

// Registry is the district's reference data.
type Registry struct {
	Units      []Unit     `json:"units" yaml:"units"`
	Categories []Category `json:"categories" yaml:"categories"`
	Cadres     []Cadre    `json:"cadres" yaml:"cadres"`
	Tenures    []Tenure   `json:"tenures" yaml:"tenures"`
}

// Validate checks every record. Units and cadres that a record refers to
// must be in this registry or in known, the codes already stored.
func (r *Registry) Validate(known func(code string) bool) error {
	codes := map[string]bool{}
	for i, u := range r.Units {
		where := fmt.Sprintf("units[%d]", i)
		if err := checkText(where+".code", u.Code, MaxCodeLen, true, false); err != nil {
			return err
		}
		if codes[u.Code] {
			return &FieldError{where + ".code", fmt.Sprintf("%q appears twice", u.Code)}
		}
		codes[u.Code] = true
		if !slices.Contains(UnitKinds, u.Kind) {
			return &FieldError{where + ".kind", fmt.Sprintf("%q is not one of %v", truncate(string(u.Kind)), UnitKinds)}
		}
		if u.Name.Zh == "" {
			return &FieldError{where + ".name.zh", "required"}
		}
	}
	for i, u := range r.Units {
		if u.Parent != "" && !codes[u.Parent] && !known(u.Parent) {
			return &FieldError{fmt.Sprintf("units[%d].parent", i), fmt.Sprintf("unknown unit %q", truncate(u.Parent))}
		}
	}
	seen := map[string]bool{}
	for i, c := range r.Categories {
		where := fmt.Sprintf("categories[%d]", i)
		if err := checkText(where+".code", c.Code, MaxCodeLen, true, false); err != nil {
			return err
		}
		if seen[c.Code] {
			return &FieldError{where + ".code", fmt.Sprintf("%q appears twice", c.Code)}
		}
		seen[c.Code] = true
		if c.Class == "" {
			return &FieldError{where + ".class", "required"}
		}
		if c.Urgency != "" && !slices.Contains(Urgencies, c.Urgency) {
			return &FieldError{where + ".urgency", fmt.Sprintf("%q is not one of %v", truncate(c.Urgency), Urgencies)}
		}
		if c.Name.Zh == "" {
			return &FieldError{where + ".name.zh", "required"}
		}
	}
	cadres := map[string]bool{}
	for i, c := range r.Cadres {
		where := fmt.Sprintf("cadres[%d]", i)
		if err := checkText(where+".id", c.ID, MaxCodeLen, true, false); err != nil {
			return err
		}
		if cadres[c.ID] {
			return &FieldError{where + ".id", fmt.Sprintf("%q appears twice", c.ID)}
		}
		cadres[c.ID] = true
		if c.Name == "" {
			return &FieldError{where + ".name", "required"}
		}
	}
	for i, t := range r.Tenures {
		where := fmt.Sprintf("tenures[%d]", i)
		switch {
		case t.Cadre == "":
			return &FieldError{where + ".cadre", "required"}
		case !cadres[t.Cadre] && !known("cadre:"+t.Cadre):
			return &FieldError{where + ".cadre", fmt.Sprintf("unknown cadre %q", truncate(t.Cadre))}
		case t.Unit == "":
			return &FieldError{where + ".unit", "required"}
		case !codes[t.Unit] && !known(t.Unit):
			return &FieldError{where + ".unit", fmt.Sprintf("unknown unit %q", truncate(t.Unit))}
		case t.Role == "":
			return &FieldError{where + ".role", "required"}
		case t.From.IsZero():
			return &FieldError{where + ".from", "required"}
		case !t.To.IsZero() && t.To.Before(t.From.Time):
			return &FieldError{where + ".to", fmt.Sprintf("%s is before from %s", t.To, t.From)}
		}
	}
	return nil
}

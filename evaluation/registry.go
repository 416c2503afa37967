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
	c := NewRegistryCheck(known)
	for i, u := range r.Units {
		if err := c.Unit(i, u, nil); err != nil {
			return err
		}
	}
	for i, x := range r.Categories {
		if err := c.Category(i, x); err != nil {
			return err
		}
	}
	for i, x := range r.Cadres {
		if err := c.Cadre(i, x); err != nil {
			return err
		}
	}
	for i, t := range r.Tenures {
		if err := c.Tenure(i, t, nil); err != nil {
			return err
		}
	}
	return c.Finish()
}

// RegistryCheck checks a registry's records as they come, one at a time,
// holding only their codes: a file of a million records is checked
// without being whole in memory. A reference to a unit or cadre not seen
// yet waits for Finish, since it may come later in the file.
type RegistryCheck struct {
	known               func(code string) bool
	units, cats, cadres map[string]struct{}
	pending             []pendingRef
}

// pendingRef is a reference to a unit or cadre not seen when it was made.
type pendingRef struct {
	field, code string // "units[3].parent", "S7"
	what        string // unit or cadre
	tag         any    // the caller's: where the record was read
}

// NewRegistryCheck checks against known, the codes already stored (cadre
// ids asked as "cadre:ID").
func NewRegistryCheck(known func(code string) bool) *RegistryCheck {
	return &RegistryCheck{known: known, units: map[string]struct{}{}, cats: map[string]struct{}{}, cadres: map[string]struct{}{}}
}

// Tagged is a FieldError found at Finish, with the tag its record was
// checked with.
type Tagged struct {
	*FieldError
	Tag any
}

func (e *Tagged) Unwrap() error { return e.FieldError }

// refer keeps a reference to check at Finish, with its record's tag.
func (c *RegistryCheck) refer(field, code, what string, tag any) {
	c.pending = append(c.pending, pendingRef{field: field, code: code, what: what, tag: tag})
}

// Unit checks the i-th unit; tag goes with a reference that must wait
// (the caller's: where the record was read).
func (c *RegistryCheck) Unit(i int, u Unit, tag any) error {
	where := fmt.Sprintf("units[%d]", i)
	if err := checkText(where+".code", u.Code, MaxCodeLen, true, false); err != nil {
		return err
	}
	if _, ok := c.units[u.Code]; ok {
		return &FieldError{where + ".code", fmt.Sprintf("%q appears twice", u.Code)}
	}
	c.units[u.Code] = struct{}{}
	if !slices.Contains(UnitKinds, u.Kind) {
		return &FieldError{where + ".kind", fmt.Sprintf("%q is not one of %v", truncate(string(u.Kind)), UnitKinds)}
	}
	if u.Name.Zh == "" {
		return &FieldError{where + ".name.zh", "required"}
	}
	if u.Parent != "" {
		if _, ok := c.units[u.Parent]; !ok && !c.known(u.Parent) {
			c.refer(where+".parent", u.Parent, "unit", tag)
		}
	}
	return nil
}

// Category checks the i-th category.
func (c *RegistryCheck) Category(i int, x Category) error {
	where := fmt.Sprintf("categories[%d]", i)
	if err := checkText(where+".code", x.Code, MaxCodeLen, true, false); err != nil {
		return err
	}
	if _, ok := c.cats[x.Code]; ok {
		return &FieldError{where + ".code", fmt.Sprintf("%q appears twice", x.Code)}
	}
	c.cats[x.Code] = struct{}{}
	if x.Class == "" {
		return &FieldError{where + ".class", "required"}
	}
	if x.Urgency != "" && !slices.Contains(Urgencies, x.Urgency) {
		return &FieldError{where + ".urgency", fmt.Sprintf("%q is not one of %v", truncate(x.Urgency), Urgencies)}
	}
	if x.Name.Zh == "" {
		return &FieldError{where + ".name.zh", "required"}
	}
	return nil
}

// Cadre checks the i-th cadre.
func (c *RegistryCheck) Cadre(i int, x Cadre) error {
	where := fmt.Sprintf("cadres[%d]", i)
	if err := checkText(where+".id", x.ID, MaxCodeLen, true, false); err != nil {
		return err
	}
	if _, ok := c.cadres[x.ID]; ok {
		return &FieldError{where + ".id", fmt.Sprintf("%q appears twice", x.ID)}
	}
	c.cadres[x.ID] = struct{}{}
	if x.Name == "" {
		return &FieldError{where + ".name", "required"}
	}
	return nil
}

// Tenure checks the i-th tenure; tag goes with a reference that must wait.
func (c *RegistryCheck) Tenure(i int, t Tenure, tag any) error {
	where := fmt.Sprintf("tenures[%d]", i)
	switch {
	case t.Cadre == "":
		return &FieldError{where + ".cadre", "required"}
	case t.Unit == "":
		return &FieldError{where + ".unit", "required"}
	case t.Role == "":
		return &FieldError{where + ".role", "required"}
	case t.From.IsZero():
		return &FieldError{where + ".from", "required"}
	case !t.To.IsZero() && t.To.Before(t.From.Time):
		return &FieldError{where + ".to", fmt.Sprintf("%s is before from %s", t.To, t.From)}
	}
	if _, ok := c.cadres[t.Cadre]; !ok && !c.known("cadre:"+t.Cadre) {
		c.refer(where+".cadre", t.Cadre, "cadre", tag)
	}
	if _, ok := c.units[t.Unit]; !ok && !c.known(t.Unit) {
		c.refer(where+".unit", t.Unit, "unit", tag)
	}
	return nil
}

// Finish checks the references that waited: each must name a unit or
// cadre seen since, or stored. The error of the first that does not is a
// *Tagged.
func (c *RegistryCheck) Finish() error {
	for _, r := range c.pending {
		seen := c.units
		if r.what == "cadre" {
			seen = c.cadres
		}
		if _, ok := seen[r.code]; !ok {
			return &Tagged{&FieldError{r.field, fmt.Sprintf("unknown %s %q", r.what, truncate(r.code))}, r.tag}
		}
	}
	return nil
}

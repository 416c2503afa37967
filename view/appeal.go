package view

import (
	"fmt"
	"time"
)

// TargetEvent is the event an appeal is against: a resident's rating, a
// counterpart's evaluation, a revisit, a finding. Its note is left out:
// a resident's words may name them.
type TargetEvent struct {
	Type         string    `json:"type"`
	At           time.Time `json:"at"`
	Unit         string    `json:"unit,omitempty" doc:"the unit that recorded it"`
	Target       string    `json:"target,omitempty" doc:"the unit it judges"`
	Score        *int      `json:"score,omitempty"`
	Accurate     *bool     `json:"accurate,omitempty"`
	Satisfaction string    `json:"satisfaction,omitempty"`
	InPlace      *bool     `json:"in_place,omitempty"`
	Severity     string    `json:"severity,omitempty"`
}

// Describe says what the event is, in lang: its kind, who recorded it
// of whom (each unit as name gives it), and its verdict ("评价响应",
// "S1 → D1", "4 分").
func (e *TargetEvent) Describe(lang string, name func(code string) string) []string {
	parts := []string{Label(e.Type, lang)}
	switch {
	case e.Unit != "" && e.Target != "":
		parts = append(parts, name(e.Unit)+" → "+name(e.Target))
	case e.Unit != "":
		parts = append(parts, name(e.Unit))
	}
	if e.Satisfaction != "" {
		parts = append(parts, Label(e.Satisfaction, lang))
	}
	if e.Accurate != nil {
		parts = append(parts, map[bool]string{true: Pick(lang, "呼叫准确", "call accurate"), false: Pick(lang, "呼叫不准确", "call inaccurate")}[*e.Accurate])
	}
	if e.Score != nil {
		parts = append(parts, fmt.Sprintf(Pick(lang, "%d 分", "score %d"), *e.Score))
	}
	if e.Severity != "" {
		parts = append(parts, Label(e.Severity, lang))
	}
	return parts
}

// Pick picks the Chinese or English text for a language ("en" or
// anything else for Chinese): every picker takes Chinese first.
func Pick(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

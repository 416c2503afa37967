package view

import "time"

// Breach is one breached deadline in `breaches --format json`
// (DESIGN.md §7) and GET /breaches.
type Breach struct {
	ID             string     `json:"id"`
	Case           string     `json:"case"`
	Unit           string     `json:"unit"`
	Milestone      string     `json:"milestone"`
	Round          int        `json:"round"`
	Start          time.Time  `json:"start"`
	Deadline       time.Time  `json:"deadline"`
	Actual         *time.Time `json:"actual"`
	OverdueSeconds int64      `json:"overdue_seconds"`
	Excused        bool       `json:"excused"`
}

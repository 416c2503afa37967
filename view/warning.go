package view

import "time"

// Warning is an open milestone on the live board (预警, DESIGN.md §9):
// amber once the policy's warning share of its limit has passed, red once
// its deadline has.
type Warning struct {
	ID          string     `json:"id"` // the deadline's id
	Case        string     `json:"case"`
	Unit        string     `json:"unit"`
	Milestone   string     `json:"milestone"` // call, respond, report or dispose
	Round       int        `json:"round"`
	State       string     `json:"state"` // amber or red
	Start       time.Time  `json:"start"`
	AmberAt     time.Time  `json:"amber_at"`
	Deadline    time.Time  `json:"deadline"`
	SecondsLeft int64      `json:"seconds_left"` // negative once past
	Category    string     `json:"category"`
	Street      string     `json:"street"`
	Urged       bool       `json:"urged"`
	UrgedAt     *time.Time `json:"urged_at,omitempty"` // the latest urging of the unit on the case
}

// WarningBoard is a page of the live board as of one time: the body of
// GET /api/v1/warnings and of `frontline warnings --format json`.
type WarningBoard struct {
	AsOf     time.Time `json:"asof"`
	Amber    int       `json:"amber" doc:"amber warnings the caller may see, on every page"`
	Red      int       `json:"red" doc:"red warnings the caller may see, on every page"`
	Total    int       `json:"total" doc:"warnings the query selects, on every page"`
	Warnings []Warning `json:"warnings"`
}

// WarningEvent is one announcement of the live board, as the stream and
// webhooks send it: a milestone turned amber or red, or left the board
// met or ended (its case closed, its part ended, the deadline excused or
// moved later).
type WarningEvent struct {
	Seq       int64     `json:"seq"` // the stream's event id
	ID        string    `json:"id"`  // the deadline's id
	Case      string    `json:"case"`
	Unit      string    `json:"unit"`
	Street    string    `json:"street"`
	Category  string    `json:"category"`
	Milestone string    `json:"milestone"`
	Round     int       `json:"round"`
	State     string    `json:"state"` // amber, red, met or ended
	At        time.Time `json:"at"`    // when it happened
	Deadline  time.Time `json:"deadline"`
	NoticedAt time.Time `json:"noticed_at"` // when the board's clock saw it
}

// Webhook is a registered hook as its admin sees it: never its secret,
// which is shown once, when the hook is made.
type Webhook struct {
	ID           string     `json:"id"`
	URL          string     `json:"url"`
	Unit         string     `json:"unit,omitempty"` // empty: every unit
	State        string     `json:"state"`          // active or paused
	PausedReason string     `json:"paused_reason,omitempty"`
	Failures     int        `json:"failures"` // failed attempts in a row
	NextAttempt  *time.Time `json:"next_attempt,omitempty"`
	Cursor       int64      `json:"cursor"` // the last warning event delivered or passed over
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
}

// WebhookDelivery is one attempt to deliver a warning event to a hook.
type WebhookDelivery struct {
	Event     int64     `json:"event"` // the warning event's seq
	Attempt   int       `json:"attempt"`
	At        time.Time `json:"at"`
	Status    int       `json:"status,omitempty"` // the receiver's HTTP status
	Error     string    `json:"error,omitempty"`
	ElapsedMS int64     `json:"elapsed_ms"`
	Delivered bool      `json:"delivered"`
}

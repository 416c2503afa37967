package service

import (
	"context"
	"time"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/scoring"
	"frontline/store"
)

// Storage is what the use cases need of a database, in five parts;
// store.DB is one, on SQLite or PostgreSQL. It keeps and finds records:
// every decision about them is taken here, in the service.
type Storage interface {
	CaseStore
	ScoreStore
	RuleStore
	AccountStore
	AuditStore
	// Ping says whether the database answers.
	Ping(ctx context.Context) error
	// Empty says whether the database holds no event and no user yet.
	Empty(ctx context.Context) (bool, error)
	// Setting returns the value kept under key; AddSetting keeps one
	// unless one is kept (and returns the one kept); DeleteSetting
	// removes it for good.
	Setting(ctx context.Context, key string) (string, bool, error)
	AddSetting(ctx context.Context, key, value string) (string, error)
	DeleteSetting(ctx context.Context, key string) error
	// Backup writes a consistent copy of the whole database to a new file.
	Backup(ctx context.Context, path string) error
	// Engine names the database's engine: sqlite or postgres.
	Engine() store.Engine
	// Close closes the database.
	Close() error
}

// CaseStore is the event log and the state of each case derived from it.
type CaseStore interface {
	ingest.Store
	Case(ctx context.Context, id string) (*store.CaseView, error)
	CaseIDs(ctx context.Context, q store.CaseQuery) ([]string, error)
	Trails(ctx context.Context, caseIDs []string) (map[string][]evaluation.Event, error)
	// ProcessTrails returns the trails of the cases opened in [from, to)
	// that hold an appeal, a finding, an evaluation or a ruling.
	ProcessTrails(ctx context.Context, from, to time.Time) (map[string][]evaluation.Event, error)
	EachDeadline(ctx context.Context, f store.DeadlineFilter, fn func(evaluation.Deadline) error) error
	// What the live board reads.
	BoardDeadlines(ctx context.Context, f store.BoardFilter) ([]store.BoardDeadline, error)
	OpenUrgings(ctx context.Context) (map[string][]store.Urging, error)
	LogState(ctx context.Context) (store.LogState, error)
	CasesSince(ctx context.Context, seq int64) ([]string, error)
	WarningLights(ctx context.Context) (map[string]evaluation.Light, error)
	LitDeadlines(ctx context.Context, cases []string) (map[string]store.WarningEvent, error)
	Announce(ctx context.Context, changes []store.WarningEvent) ([]store.WarningEvent, error)
	WarningEvents(ctx context.Context, after int64, limit int) ([]store.WarningEvent, error)
	LastWarning(ctx context.Context) (int64, error)
	AddWebhook(ctx context.Context, w *store.Webhook) error
	Webhooks(ctx context.Context) ([]store.Webhook, error)
	Webhook(ctx context.Context, id string) (store.Webhook, bool, error)
	UpdateWebhook(ctx context.Context, w *store.Webhook, columns ...string) (bool, error)
	DeleteWebhook(ctx context.Context, id string) (bool, error)
	RecordDelivery(ctx context.Context, d *store.WebhookDelivery, w *store.Webhook) (bool, error)
	AdvanceWebhook(ctx context.Context, w *store.Webhook) (bool, error)
	WebhookDeliveries(ctx context.Context, hook string, limit int) ([]store.WebhookDelivery, error)
	Delivering(ctx context.Context, f func() error) (bool, error)
	EachCaseTimes(ctx context.Context, from, to time.Time, fn func(store.CaseTimes) error) error
	EachCityVerdict(ctx context.Context, from, to time.Time, fn func(opened evaluation.Event) error) error
	// Rebuild derives every case again from the event log.
	Rebuild(ctx context.Context) (n int, err error)
	QuarantineList(ctx context.Context, limit int) ([]store.QuarantineEntry, int, error)
}

// ScoreStore is what scoring reads, and the scores kept of closed months.
type ScoreStore interface {
	ScoringData(ctx context.Context, from, to time.Time) (*scoring.Data, error)
	OpenScoringData(ctx context.Context, from, to, asof time.Time) (*scoring.Data, error)
	// CountedInputs returns the inputs of [from, to) from the counts kept
	// per month, as at the end of time; ok is false when they cannot
	// answer. OpenScoringData returns the cases to judge again as of asof.
	CountedInputs(ctx context.Context, from, to time.Time) (in scoring.Inputs, ok bool, err error)
	CountHorizon(ctx context.Context) (time.Time, error)
	KeptScores(ctx context.Context, month string, from, to, asof time.Time) (report *scoring.Report, ok bool, err error)
	KeepScores(ctx context.Context, m store.KeptMonth, asof, horizon time.Time, policy string, units []*scoring.UnitScore) error
	CachedScores(ctx context.Context, month, unit string) (*store.CachedPeriod, []*scoring.UnitScore, error)
	StaleMonths(ctx context.Context) ([]store.KeptMonth, error)
	MarkScoresStale(ctx context.Context) error
	MarkMonthStale(ctx context.Context, month string) error
	CadreIDs(ctx context.Context) (map[string]bool, error)
}

// RuleStore is the registry of units and categories, and the policy's versions.
type RuleStore interface {
	Registry(ctx context.Context) (*evaluation.Registry, error)
	LoadRegistry(ctx context.Context, reg *evaluation.Registry, origin string) (store.RegistryResult, error)
	// LoadRegistryStream loads the chunks feed hands on, in one transaction.
	LoadRegistryStream(ctx context.Context, origin string, feed func(put func(*evaluation.Registry) error) error) (store.RegistryResult, error)
	Rules(ctx context.Context) (*evaluation.Rules, error)
	Policies(ctx context.Context) (evaluation.Policies, error)
	// RecentPolicies returns the policy's versions as read at most maxAge ago.
	RecentPolicies(ctx context.Context, maxAge time.Duration) (evaluation.Policies, error)
	StorePolicy(ctx context.Context, effective evaluation.Date, source []byte) (int, error)
	PolicySources(ctx context.Context) ([][]byte, error)
}

// AccountStore is users, their tokens and their sessions: hashes only.
type AccountStore interface {
	User(ctx context.Context, name string) (store.UserRecord, error)
	Users(ctx context.Context) ([]store.UserRecord, error)
	AddUser(ctx context.Context, u rbac.User, passwordHash string) error
	SetPassword(ctx context.Context, name, hash string) error
	SetUserDisabled(ctx context.Context, name string, disabled bool) error
	AddToken(ctx context.Context, user, id, hash string, expires time.Time) error
	RevokeTokens(ctx context.Context, user, id string) (int, error)
	TokenOwner(ctx context.Context, id string) (store.Token, rbac.User, error)
	AddSession(ctx context.Context, user, hash string, limits store.SessionLimits) (time.Time, error)
	UserBySession(ctx context.Context, hash string, limits store.SessionLimits) (store.UserRecord, error)
	EndSession(ctx context.Context, hash string) error
	EndSessions(ctx context.Context, user string) (int, error)
}

// AuditStore is the hash-chained audit log.
type AuditStore interface {
	AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error)
	AuditHead(ctx context.Context) (audit.Head, error)
	AuditEntries(ctx context.Context, f store.AuditFilter, each func(audit.Entry) error) error
	VerifyAudit(ctx context.Context, anchor *audit.Head) (audit.Head, int64, *audit.Problem, error)
	// EventsHead and VerifyEvents are the event chain's (DESIGN.md §3).
	EventsHead(ctx context.Context) (audit.Head, error)
	VerifyEvents(ctx context.Context, anchors ...audit.Head) (audit.Head, int64, *audit.Problem, error)
}

var _ Storage = (*store.DB)(nil)

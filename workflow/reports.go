package workflow

import (
	"context"
	"time"

	"frontline/evaluation"
	"frontline/scoring"
	"frontline/store"
)

// MonthsOf splits a period into its months (in loc), the first and last
// clipped to the period; each is named by its month.
func MonthsOf(period evaluation.Period, loc *time.Location) []evaluation.Period {
	var out []evaluation.Period
	from := period.From.In(loc)
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, loc); m.Before(period.To); m = m.AddDate(0, 1, 0) {
		p := evaluation.Period{Name: m.Format("2006-01"), From: m, To: m.AddDate(0, 1, 0)}
		if p.From.Before(period.From) {
			p.From = period.From
		}
		if p.To.After(period.To) {
			p.To = period.To
		}
		out = append(out, p)
	}
	return out
}

// Cadres assesses the cadres of a period as of asof: each month of it
// scored (from the kept counts where they serve) and attributed to the
// cadres by the days they led each unit. role is head, deputy or all.
func Cadres(ctx context.Context, db *store.DB, period evaluation.Period, asof time.Time, policies evaluation.Policies, role string) ([]*scoring.CadreScore, error) {
	reg, err := db.Registry(ctx)
	if err != nil {
		return nil, err
	}
	loc := policies.At(asof).Location
	var months []scoring.MonthReport
	for _, m := range MonthsOf(period, loc) {
		report, err := db.Scores(ctx, m.From, m.To, store.ScoreOptions{AsOf: asof, Scoring: policies.At(m.From).Scoring})
		if err != nil {
			return nil, err
		}
		months = append(months, scoring.MonthReport{Period: m, Report: report})
	}
	var roles []string
	if role != "all" {
		roles = []string{role}
	}
	return scoring.Cadres(reg, period, months, roles, policies.At(period.From).Scoring.MinCases, loc), nil
}

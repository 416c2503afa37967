package dashboard

import (
	"testing"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// TestMonthsOffered: the period picker offers three years back from this
// month, named in the page's language, and an older chosen month too.
func TestMonthsOffered(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	// 2026-12-31 20:00 UTC is already January 2027 in the policy's zone.
	p := &page{Lang: "zh", loc: loc, now: time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), printer: message.NewPrinter(language.SimplifiedChinese)}
	months := p.Months("2026-06")
	if len(months) != monthsOffered || months[0].Value != "2027-01" || months[0].Label != "2027年1月（本月，进行中）" || months[monthsOffered-1].Value != "2024-02" {
		t.Fatalf("offered %d months, %+v … %+v", len(months), months[0], months[len(months)-1])
	}
	var chosen []string
	for _, m := range months {
		if m.Selected {
			chosen = append(chosen, m.Value+" "+m.Label)
		}
	}
	if len(chosen) != 1 || chosen[0] != "2026-06 2026年6月" {
		t.Errorf("chosen: %v", chosen)
	}
	older := p.Months("2020-03")
	if last := older[len(older)-1]; len(older) != monthsOffered+1 || !last.Selected || last.Value != "2020-03" {
		t.Errorf("an older month chosen: %d offered, last %+v", len(older), last)
	}
	p.Lang, p.printer = "en", message.NewPrinter(language.English)
	if m := p.Months(""); m[1].Label != "Dec 2026" || m[0].Label != "Jan 2027 (this month, so far)" {
		t.Errorf("in English: %+v %+v", m[0], m[1])
	}
}

// TestOneOf: a filter value the form does not offer reads as its default.
func TestOneOf(t *testing.T) {
	for _, c := range []struct{ value, want string }{{"deputy", "deputy"}, {"all", "all"}, {"head", "head"}, {"", "head"}, {"chief", "head"}} {
		if got := oneOf(c.value, "head", "deputy", "all"); got != c.want {
			t.Errorf("oneOf(%q) = %q, want %q", c.value, got, c.want)
		}
	}
}

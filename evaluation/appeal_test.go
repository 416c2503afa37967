package evaluation_test

import (
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/evaluation/evaluationtest"
)

func TestAppealStates(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	trails := evaluationtest.ParseTrails(t, loc, `
a1 C appealed 2026-06-02T09:00 unit=D1 target=C/D1/respond reason=closed
a2 C appealed 2026-06-02T10:00 unit=D1 target=C/D1/respond reason=again
d2 C appeal_decided 2026-06-03T09:00 unit=ORG target=a2 upheld=true
d1 C appeal_decided 2026-06-04T09:00 unit=ORG target=a1 upheld=false
d1b C appeal_decided 2026-06-05T09:00 unit=ORG target=a1 upheld=true
a3 C appealed 2026-06-02T11:00 unit=S1 target=r1 reason=unfair
d3 C appeal_decided 2026-06-06T09:00 unit=ORG target=a3 upheld=true
a4 C appealed 2026-06-02T12:00 unit=D2 target=f1 reason=wrong
f1 C supervised 2026-06-01T12:00 unit=DIS target=D2 severity=warning
f2 C supervised 2026-06-01T13:00 unit=DIS target=D1
w2 C finding_withdrawn 2026-06-07T13:00 unit=DIS target=f2
w2b C finding_withdrawn 2026-06-08T13:00 unit=DIS target=f2
d4 C appeal_decided 2026-06-08T09:00 unit=ORG target=a4 upheld=true
wx C finding_withdrawn 2026-06-08T14:00 unit=DIS target=nope`)
	trail := trails["C"]
	evaluation.SortTrail(trail)
	want := map[string]evaluation.AppealState{"a1": evaluation.AppealRejected, "a2": evaluation.AppealDuplicate,
		"a3": evaluation.AppealUpheld, "a4": evaluation.AppealUpheld}
	got := evaluation.Appeals(trail)
	if len(got) != len(want) {
		t.Fatalf("got %d appeals, want %d", len(got), len(want))
	}
	for _, a := range got {
		if a.State != want[a.ID] {
			t.Errorf("appeal %s is %s, want %s", a.ID, a.State, want[a.ID])
		}
	}
	if got[0].ID != "a1" || got[0].Decision != "d1" || got[1].Of != "a1" {
		t.Errorf("a1 decided by %q (want d1, the first decision); a2 duplicate of %q (want a1)", got[0].Decision, got[1].Of)
	}
	removed := evaluation.AppealedAway(trail)
	if !removed["r1"] || !removed["f1"] || removed["C/D1/respond"] {
		t.Errorf("appealed away = %v, want r1 and f1, not the rejected breach (a duplicate's upheld decision does not count)", removed)
	}
	findings := evaluation.Findings(trail)
	states := map[string]evaluation.FindingState{}
	for _, f := range findings {
		states[f.ID] = f.State
	}
	if states["f1"] != evaluation.FindingAppealed || states["f2"] != evaluation.FindingRetracted || len(findings) != 2 {
		t.Errorf("findings = %v, want f1 appealed away and f2 withdrawn", states)
	}
	if f := findings[1]; f.Withdrawal != "w2" {
		t.Errorf("f2 withdrawn by %q, want the first withdrawal w2", f.Withdrawal)
	}
}

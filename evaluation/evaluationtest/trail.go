// Package evaluationtest helps tests write case trails compactly.
package evaluationtest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"frontline/evaluation"
)

// ParseTrails reads the compact trail notation used in these tests:
// "ID CASE TYPE TIME key=value…", times in loc.
func ParseTrails(t testing.TB, loc *time.Location, s string) map[string][]evaluation.Event {
	t.Helper()
	trails := map[string][]evaluation.Event{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		at, err := time.ParseInLocation("2006-01-02T15:04", f[3], loc)
		if err != nil {
			t.Fatal(err)
		}
		e := evaluation.Event{ID: f[0], Case: f[1], Type: evaluation.EventType(f[2]), At: at.UTC()}
		for _, kv := range f[4:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "category":
				e.Category = v
			case "street":
				e.Street = v
			case "unit":
				e.Unit = v
			case "by":
				e.By = v
			case "role":
				e.Role = v
			case "target":
				e.Target = v
			case "satisfaction":
				e.Satisfaction = v
			case "reason":
				e.Reason = v
			case "urgency":
				e.Urgency = v
			case "severity":
				e.Severity = v
			case "score":
				n, err := strconv.Atoi(v)
				if err != nil {
					t.Fatal(err)
				}
				e.Score = &n
			case "solved", "in_place", "upheld", "accurate":
				b := v == "true"
				switch k {
				case "solved":
					e.Solved = &b
				case "in_place":
					e.InPlace = &b
				case "accurate":
					e.Accurate = &b
				default:
					e.Upheld = &b
				}
			default:
				t.Fatalf("unknown key %q", k)
			}
		}
		e.Normalize()
		trails[e.Case] = append(trails[e.Case], e)
	}
	return trails
}

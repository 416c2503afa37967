package store

import (
	"time"

	"github.com/goccy/go-json"

	"frontline/evaluation"
	"frontline/scoring"
)

// Each case row also carries, in column `scoring`, everything scoring
// needs of the case and its assignments in one compact value, written in
// the same transaction as the rest of the derived state. Reading a year
// for scoring is then one column of one table instead of every column of
// three, which is most of a score's time on a large district.

type recordCase struct {
	Street       string          `json:"s,omitempty"`
	Satisfaction string          `json:"sa,omitempty"`
	Solved       *bool           `json:"so,omitempty"`
	RatedAt      int64           `json:"ra,omitempty"`
	InPlace      *bool           `json:"ip,omitempty"`
	RevisitedAt  int64           `json:"rv,omitempty"`
	Reopenings   int             `json:"ro,omitempty"`
	ReopenedAt   int64           `json:"rz,omitempty"`
	Call         *recordDeadline `json:"cl,omitempty"`
	Assignments  []recordAssign  `json:"a,omitempty"`
}

type recordAssign struct {
	Unit          string           `json:"u"`
	Role          string           `json:"r"`
	By            string           `json:"b,omitempty"`
	Dispatched    int64            `json:"d,omitempty"`
	Resolved      int64            `json:"rs,omitempty"`
	Returned      int64            `json:"rt,omitempty"`
	ReturnUpheld  *bool            `json:"ru,omitempty"`
	CallAccurate  *bool            `json:"ca,omitempty"`
	CallScore     *int             `json:"cs,omitempty"`
	CallEvalAt    int64            `json:"ce,omitempty"`
	ResponseScore *int             `json:"ps,omitempty"`
	Rater         string           `json:"pr,omitempty"`
	RespEvalAt    int64            `json:"pe,omitempty"`
	Deadlines     []recordDeadline `json:"dl,omitempty"`
}

type recordDeadline struct {
	Unit      string `json:"u,omitempty"` // only on the call, whose unit is the street
	Milestone string `json:"m"`
	Round     int    `json:"n,omitempty"`
	Start     int64  `json:"st"`
	Due       int64  `json:"du"`
	Actual    int64  `json:"ac,omitempty"`
	Stopped   int64  `json:"sp,omitempty"`
	Excused   bool   `json:"ex,omitempty"`
}

// micros writes a time as microseconds since 1970, 0 for the zero time.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

func recordOf(d *evaluation.Deadline) recordDeadline {
	return recordDeadline{Milestone: string(d.Milestone), Round: d.Round, Start: micros(d.Start), Due: micros(d.Due),
		Actual: micros(d.Actual), Stopped: micros(d.Stopped), Excused: d.Excused}
}

func (r *recordDeadline) deadline(caseID, unit string) evaluation.Deadline {
	round := r.Round
	if round == 0 {
		round = 1
	}
	return evaluation.Deadline{Case: caseID, Unit: unit, Milestone: evaluation.Milestone(r.Milestone), Round: round,
		Start: fromMicros(r.Start), Due: fromMicros(r.Due), Actual: fromMicros(r.Actual), Stopped: fromMicros(r.Stopped), Excused: r.Excused}
}

// encodeScoring writes what scoring needs of a derived case.
func encodeScoring(c *evaluation.Case, as []evaluation.Assignment, deadlines []evaluation.Deadline) ([]byte, error) {
	r := recordCase{Street: c.Street, Satisfaction: c.Satisfaction, Solved: c.Solved, RatedAt: micros(c.RatedAt),
		InPlace: c.InPlace, RevisitedAt: micros(c.RevisitedAt), Reopenings: c.Reopenings, ReopenedAt: micros(c.ReopenedAt)}
	for i := range deadlines {
		if d := &deadlines[i]; d.Milestone == evaluation.Call {
			call := recordOf(d)
			call.Unit = d.Unit
			r.Call = &call
		}
	}
	for _, a := range as {
		ra := recordAssign{Unit: a.Unit, Role: a.Role, By: a.By, Dispatched: micros(a.DispatchedAt), Resolved: micros(a.ResolvedAt),
			Returned: micros(a.ReturnedAt), ReturnUpheld: a.ReturnUpheld, CallAccurate: a.CallAccurate, CallScore: a.CallScore,
			CallEvalAt: micros(a.CallEvaluatedAt), ResponseScore: a.ResponseScore, Rater: a.ResponseRater, RespEvalAt: micros(a.ResponseEvaluatedAt)}
		for i := range deadlines {
			if d := &deadlines[i]; d.Milestone != evaluation.Call && d.Unit == a.Unit {
				ra.Deadlines = append(ra.Deadlines, recordOf(d))
			}
		}
		r.Assignments = append(r.Assignments, ra)
	}
	return json.Marshal(&r)
}

// decodeScoring reads a case's scoring record back into scoring's shapes.
func decodeScoring(id string, opened time.Time, blob []byte) (scoring.Case, []scoring.Assignment, error) {
	var r recordCase
	if err := json.Unmarshal(blob, &r); err != nil {
		return scoring.Case{}, nil, err
	}
	c := scoring.Case{ID: id, OpenedAt: opened, Street: r.Street, Satisfaction: r.Satisfaction, Solved: r.Solved,
		RatedAt: fromMicros(r.RatedAt), InPlace: r.InPlace, RevisitedAt: fromMicros(r.RevisitedAt),
		Reopenings: r.Reopenings, ReopenedAt: fromMicros(r.ReopenedAt)}
	if r.Call != nil {
		d := r.Call.deadline(id, r.Call.Unit)
		c.Call = &d
	}
	as := make([]scoring.Assignment, len(r.Assignments))
	for i, ra := range r.Assignments {
		a := scoring.Assignment{Assignment: evaluation.Assignment{Case: id, Unit: ra.Unit, Role: ra.Role, By: ra.By,
			DispatchedAt: fromMicros(ra.Dispatched), ResolvedAt: fromMicros(ra.Resolved), ReturnedAt: fromMicros(ra.Returned),
			ReturnUpheld: ra.ReturnUpheld, CallAccurate: ra.CallAccurate, CallScore: ra.CallScore,
			CallEvaluatedAt: fromMicros(ra.CallEvalAt), ResponseScore: ra.ResponseScore, ResponseRater: ra.Rater,
			ResponseEvaluatedAt: fromMicros(ra.RespEvalAt)}}
		for j := range ra.Deadlines {
			a.Deadlines = append(a.Deadlines, ra.Deadlines[j].deadline(id, ra.Unit))
		}
		as[i] = a
	}
	return c, as, nil
}

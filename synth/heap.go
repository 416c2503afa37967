package synth

import (
	"cmp"

	"frontline/evaluation"
)

// pending is an event waiting in the heap to be emitted. Its key orders
// events by time, then by case, then by place in the case's trail.
type pending struct {
	at  int64 // Unix seconds
	cas int
	seq int
	ev  *evaluation.Event
}

func (a pending) less(b pending) bool {
	return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.cas, b.cas), cmp.Compare(a.seq, b.seq)) < 0
}

// eventHeap is a binary min-heap of the future events of the cases in flight.
type eventHeap []pending

func (h eventHeap) len() int     { return len(h) }
func (h eventHeap) min() pending { return h[0] }

func (h *eventHeap) push(p pending) {
	*h = append(*h, p)
	s := *h
	i := len(s) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !s[i].less(s[parent]) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *eventHeap) pop() pending {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = pending{}
	s = s[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s[l].less(s[m]) {
			m = l
		}
		if r < len(s) && s[r].less(s[m]) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

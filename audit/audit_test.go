package audit

import (
	"fmt"
	"testing"
	"time"
)

func chain(n int) []Entry {
	var out []Entry
	var prev *Entry
	for i := range n {
		e := Entry{At: time.Date(2026, 11, 1, 9, i, 0, 0, time.UTC), Actor: "olga", Action: "appeal.decide", Object: fmt.Sprintf("A%d", i), Details: `{"upheld":true}`}
		e.Link(prev)
		out = append(out, e)
		prev = &out[len(out)-1]
	}
	return out
}

func verify(entries []Entry, anchor *Head) (Head, *Problem) {
	v := NewVerifier(anchor)
	for _, e := range entries {
		v.Add(e)
	}
	h, _, p := v.Done()
	return h, p
}

func TestVerifyFindsEveryTampering(t *testing.T) {
	good := chain(6)
	if h, p := verify(good, nil); p != nil || h.Seq != 6 || h.Hash != good[5].Hash {
		t.Fatalf("a good chain: head %v, problem %v", h, p)
	}
	head := Head{Seq: good[3].Seq, Hash: good[3].Hash}
	tests := []struct {
		name   string
		tamper func([]Entry) []Entry
		anchor *Head
		seq    int64
		kind   string
	}{
		{"edited", func(c []Entry) []Entry { c[2].Details = `{"upheld":false}`; return c }, nil, 3, "edited"},
		{"deleted", func(c []Entry) []Entry { return append(c[:2], c[3:]...) }, nil, 4, "deleted"},
		{"inserted with the rest renumbered", func(c []Entry) []Entry {
			forged := Entry{At: c[1].At, Actor: "x", Action: "appeal.decide", Object: "A99"}
			forged.Link(&c[1])
			rest := append([]Entry(nil), c[2:]...)
			for i := range rest {
				rest[i].Seq++
			}
			return append(append(c[:2:2], forged), rest...)
		}, nil, 4, "inserted"},
		{"appended out of chain", func(c []Entry) []Entry {
			forged := Entry{Seq: 7, At: c[5].At, Actor: "x", Action: "a", Prev: Genesis}
			forged.Hash = forged.Sum()
			return append(c, forged)
		}, nil, 7, "inserted"},
		{"reordered", func(c []Entry) []Entry {
			c[2], c[3] = c[3], c[2]
			c[2].Seq, c[3].Seq = 3, 4
			return c
		}, nil, 3, "reordered"},
		{"rewritten after the anchor was printed", func(c []Entry) []Entry {
			c[3].Details = "{}"
			c[3].Link(&c[2])
			for i := 4; i < len(c); i++ {
				c[i].Link(&c[i-1])
			}
			return c
		}, &head, 4, "rewritten"},
		{"cut back before the anchor", func(c []Entry) []Entry { return c[:3] }, &head, 4, "deleted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := verify(tt.tamper(chain(6)), tt.anchor)
			if p == nil || p.Seq != tt.seq || p.Kind != tt.kind {
				t.Errorf("problem %v, want %s at %d", p, tt.kind, tt.seq)
			}
		})
	}
	if _, p := verify(good, &head); p != nil {
		t.Errorf("the good chain against its own anchor: %v", p)
	}
}

func TestParseHead(t *testing.T) {
	c := chain(2)
	h := Head{Seq: 2, Hash: c[1].Hash}
	if got, err := ParseHead(h.String()); err != nil || got != h {
		t.Errorf("ParseHead(%s) = %v %v", h, got, err)
	}
	for _, bad := range []string{"", "2", "x:" + c[1].Hash, "0:" + c[1].Hash, "2:abc"} {
		if _, err := ParseHead(bad); err == nil {
			t.Errorf("ParseHead(%q) accepted", bad)
		}
	}
}

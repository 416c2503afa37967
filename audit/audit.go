// Package audit is the append-only, hash-chained audit log: every entry
// carries the SHA-256 of the one before it, so editing, deleting,
// inserting or reordering entries breaks the chain where it happened, and
// a chain head printed on a report or an export proves later that nothing
// before it was rewritten.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Genesis is the previous hash of the first entry.
var Genesis = strings.Repeat("0", 64)

// Entry is one audited action.
type Entry struct {
	Seq     int64
	At      time.Time
	Actor   string // a user name, "local" for the command line without --user
	Action  string // ingest, registry.load, user.add, appeal.decide, export, breaches.read, login.failed…
	Object  string // what it touched: a file, a case, a user, an appeal
	Details string // JSON
	Prev    string // the previous entry's hash
	Hash    string
}

// Sum returns the entry's hash: SHA-256 over its fields with their
// lengths, the sequence number and the previous hash included, so that an
// entry cannot be moved or reattached without its hash changing.
func (e *Entry) Sum() string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.Actor)
	field(e.Action)
	field(e.Object)
	field(e.Details)
	field(e.Prev)
	return hex.EncodeToString(h.Sum(nil))
}

// Link makes e the entry after prev (nil for the first): its sequence
// number, previous hash and hash.
func (e *Entry) Link(prev *Entry) {
	e.Seq, e.Prev = 1, Genesis
	if prev != nil {
		e.Seq, e.Prev = prev.Seq+1, prev.Hash
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = e.Sum()
}

// Head names the chain's last entry: "SEQ:HASH".
type Head struct {
	Seq  int64
	Hash string
}

func (h Head) String() string { return fmt.Sprintf("%d:%s", h.Seq, h.Hash) }

// ParseHead reads "SEQ:HASH".
func ParseHead(s string) (Head, error) {
	seq, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 1 || len(hash) != 64 {
		return Head{}, fmt.Errorf("chain head %q: want SEQ:HASH (a sequence number and 64 hex digits)", s)
	}
	return Head{Seq: n, Hash: strings.ToLower(hash)}, nil
}

// Problem is the first place the chain is broken.
type Problem struct {
	Seq    int64  // the entry where the break shows
	Kind   string // edited, deleted, inserted, reordered, rewritten
	Detail string
}

func (p *Problem) Error() string { return fmt.Sprintf("entry %d: %s: %s", p.Seq, p.Kind, p.Detail) }

// Verifier checks entries fed to it in sequence order.
type Verifier struct {
	prev   *Entry
	seen   int64
	anchor *Head
	found  bool // the anchor was met
	err    *Problem
}

// NewVerifier checks a chain; with an anchor, the chain must hold that
// entry with that hash.
func NewVerifier(anchor *Head) *Verifier { return &Verifier{anchor: anchor} }

// Add checks the next entry and returns the first problem found so far.
func (v *Verifier) Add(e Entry) *Problem {
	if v.err != nil {
		return v.err
	}
	v.seen++
	want := int64(1)
	wantPrev := Genesis
	if v.prev != nil {
		want, wantPrev = v.prev.Seq+1, v.prev.Hash
	}
	switch {
	case e.Seq > want:
		v.err = &Problem{e.Seq, "deleted", fmt.Sprintf("entries %d to %d are missing", want, e.Seq-1)}
	case e.Hash != e.Sum():
		v.err = &Problem{e.Seq, "edited", "its content does not match its hash"}
		for d := int64(-3); d <= 3; d++ {
			moved := e
			moved.Seq = e.Seq + d
			if d != 0 && moved.Sum() == e.Hash {
				if d < 0 {
					v.err = &Problem{e.Seq, "inserted", fmt.Sprintf("it was entry %d: entries were inserted before it", moved.Seq)}
				} else {
					v.err = &Problem{e.Seq, "reordered", fmt.Sprintf("it was entry %d", moved.Seq)}
				}
			}
		}
	case e.Prev != wantPrev:
		v.err = &Problem{e.Seq, "inserted", "it does not follow the entry before it"}
	}
	if v.err == nil && v.anchor != nil && e.Seq == v.anchor.Seq {
		v.found = true
		if e.Hash != v.anchor.Hash {
			v.err = &Problem{e.Seq, "rewritten", "its hash differs from the anchored chain head " + v.anchor.String()}
		}
	}
	cp := e
	v.prev = &cp
	return v.err
}

// Done finishes the check: the head and count, or the first problem.
func (v *Verifier) Done() (Head, int64, *Problem) {
	if v.err == nil && v.anchor != nil && !v.found {
		v.err = &Problem{v.anchor.Seq, "deleted", fmt.Sprintf("the anchored entry is missing: the chain ends at %d", v.head().Seq)}
	}
	return v.head(), v.seen, v.err
}

func (v *Verifier) head() Head {
	if v.prev == nil {
		return Head{Hash: Genesis}
	}
	return Head{Seq: v.prev.Seq, Hash: v.prev.Hash}
}

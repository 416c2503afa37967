// Package ingest reads case-trail events and registry files from outside,
// checks them against the contract and hands them to storage in batches.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/goccy/go-json"

	"frontline/evaluation"
	"frontline/formats"
)

// Decoder reads records of some format one at a time (the formats
// package has one per format). Next returns io.EOF after the last one.
type Decoder interface {
	Next() (*formats.Record, error)
}

// Outcome is what storage did with one prepared event.
type Outcome uint8

// The outcomes of storing an event.
const (
	Accepted    Outcome = iota // stored and applied to derived state
	Duplicate                  // seen before with identical content
	Conflict                   // seen before with different content: rejected
	Quarantined                // names an unknown code: kept aside until the registry knows it
)

// Prepared is an event ready for storage: validated, normalised and
// pseudonymised, with its canonical encoding and content hash.
type Prepared struct {
	Line    int
	Event   evaluation.Event
	Body    []byte // canonical JSON of Event
	Hash    [32]byte
	Missing []string // unknown codes it names, as "unit:CODE" or "category:CODE"
}

// Codes are the registry codes that events may name.
type Codes struct {
	Units      map[string]bool
	Categories map[string]bool
}

// Store is the storage that ingest writes to.
type Store interface {
	// Codes returns the unit and category codes the registry knows.
	Codes(ctx context.Context) (Codes, error)
	// IngestBatch stores a batch atomically with the derived state of the
	// cases it touches, and says what it did with each event. Event ids
	// are unique within a batch.
	// A note, when given, becomes an audit entry written in the batch's
	// own transaction.
	IngestBatch(ctx context.Context, batch []Prepared, note *Note) ([]Outcome, error)
	// Quarantined returns quarantined events with ids after the given one,
	// in id order, at most limit of them.
	Quarantined(ctx context.Context, after string, limit int) ([]Prepared, error)
}

// RunStore is a store that can leave the derived state of the cases a
// run's batches touch for later batches of the same run, so that a case
// whose events span many batches is derived once rather than at each.
type RunStore interface {
	NewRun() BatchRun
}

// BatchRun is one run's batches.
type BatchRun interface {
	// IngestBatch stores a batch as Store.IngestBatch does, except that
	// the derived state of its cases may wait for a later batch; last says
	// that none follows, and everything the run left is derived with it.
	IngestBatch(ctx context.Context, batch []Prepared, note *Note, last bool) ([]Outcome, error)
	// Finish derives what a run that ended early left.
	Finish(ctx context.Context) error
}

// eachBatch is a store whose batches derive their cases at once.
type eachBatch struct{ Store }

func (s eachBatch) IngestBatch(ctx context.Context, batch []Prepared, note *Note, _ bool) ([]Outcome, error) {
	return s.Store.IngestBatch(ctx, batch, note)
}

func (eachBatch) Finish(context.Context) error { return nil }

// Note is the audit entry a stored batch writes in its own transaction,
// so that no event is ever stored without one: who stored the batch and
// from where. The store adds what the batch did: the events' sequence
// numbers, their content's hash, the outcomes and the event chain's head.
type Note struct {
	Actor, Source string
}

// BatchAction is the audit action of a stored batch.
const BatchAction = "ingest.batch"

// Reject says why an input record was not stored.
type Reject struct {
	Line   int    `json:"line"`
	ID     string `json:"id,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
	// Raw is the record as read (at most MaxRawReject bytes), for
	// OnReject; summaries leave it out.
	Raw string `json:"raw,omitempty"`
}

// MaxRawReject caps the raw record kept with a reject.
const MaxRawReject = 64 << 10

func (r Reject) String() string {
	s := fmt.Sprintf("line %d", r.Line)
	if r.ID != "" {
		s += fmt.Sprintf(" (id %q)", r.ID)
	}
	if r.Field != "" {
		s += ": field " + r.Field
	}
	return s + ": " + r.Reason
}

// MaxSummaryRejects caps the rejects kept in a Summary; OnReject sees all.
const MaxSummaryRejects = 100

// Summary counts what an ingest did. Read = Accepted + Duplicates +
// Conflicts + Rejected + Quarantined.
type Summary struct {
	Read        int      `json:"read"`
	Accepted    int      `json:"accepted"`
	Duplicates  int      `json:"duplicates"`
	Conflicts   int      `json:"conflicts"`
	Rejected    int      `json:"rejected"`
	Quarantined int      `json:"quarantined"`
	Errors      []Reject `json:"errors,omitempty"`
	// Content is the SHA-256, in hex, of the hashes of the events stored
	// (accepted or quarantined), in the order they were stored: what an
	// audit entry names the content of an ingest by.
	Content string `json:"-"`
}

// Add adds the counts of o to s.
func (s *Summary) Add(o Summary) {
	s.Read += o.Read
	s.Accepted += o.Accepted
	s.Duplicates += o.Duplicates
	s.Conflicts += o.Conflicts
	s.Rejected += o.Rejected
	s.Quarantined += o.Quarantined
	for _, r := range o.Errors {
		if len(s.Errors) < MaxSummaryRejects {
			s.Errors = append(s.Errors, r)
		}
	}
}

// DefaultBatchSize is the number of events stored per transaction.
const DefaultBatchSize = 16384

// Ingester runs events from a decoder into a store.
type Ingester struct {
	Store     Store
	Pseudo    *evaluation.Pseudonymizer
	BatchSize int
	// OnReject, if set, is called for every rejected or conflicting record.
	OnReject func(Reject)
	// OnProgress, if set, is called after each stored batch with the
	// number of records read so far.
	OnProgress func(read int)
	// Note, if set, has each stored batch write an audit entry in its own
	// transaction.
	Note *Note
	// Allow, if set, says whether the source may write a valid event: an
	// error rejects the line with its reason (a decision from a source
	// that may not take it).
	Allow func(*evaluation.Event) error

	content hash.Hash
}

type batch struct {
	events  []Prepared
	summary Summary // records read and rejected while filling the batch
	last    bool    // no batch follows
}

// Run reads every record of dec and stores it. Bad records are rejected
// and reported; the rest of the input is still processed. The error is
// non-nil only when reading or storage fails.
func (in *Ingester) Run(ctx context.Context, dec Decoder) (total Summary, err error) {
	codes, err := in.Store.Codes(ctx)
	if err != nil {
		return Summary{}, err
	}
	size := in.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- in.read(ctx, dec, codes, size, batches)
	}()
	in.content = sha256.New()
	defer func() { total.Content = hex.EncodeToString(in.content.Sum(nil)) }()
	var run BatchRun = eachBatch{in.Store}
	if rs, ok := in.Store.(RunStore); ok {
		run = rs.NewRun()
	}
	store := func(b batch, last bool) error {
		total.Add(b.summary)
		if err := in.store(ctx, run, b.events, last, &total); err != nil {
			cancel()
			for range batches {
			}
			// What the run left underived is derived now if storage
			// still answers, else when the database is next opened.
			run.Finish(context.WithoutCancel(ctx))
			return err
		}
		if in.OnProgress != nil {
			in.OnProgress(total.Read)
		}
		return nil
	}
	ended := false
	for b := range batches {
		if err := store(b, b.last); err != nil {
			return total, err
		}
		ended = b.last
	}
	if !ended {
		if err := run.Finish(ctx); err != nil {
			return total, err
		}
	}
	if err := <-readErr; err != nil {
		if ctx.Err() != nil {
			return total, err
		}
		return total, &ReadError{Err: err}
	}
	return total, nil
}

// ReadError is a failure to read the input itself — a body cut short,
// an array not well formed — as opposed to one storing it. Everything
// read before it was stored.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }

func (e *ReadError) Unwrap() error { return e.Err }

// read decodes and prepares records, sending them in batches.
func (in *Ingester) read(ctx context.Context, dec Decoder, codes Codes, size int, out chan<- batch) error {
	b := batch{events: make([]Prepared, 0, size)}
	seen := map[string][32]byte{}
	send := func(last bool) error {
		b.last = last
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		b = batch{events: make([]Prepared, 0, size)}
		clear(seen)
		return nil
	}
	// A full batch is sent once the next record is read, or the input has
	// ended: the last batch says so.
	full := false
	for {
		rec, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if full {
				if err := send(true); err != nil {
					return err
				}
			}
			return err
		}
		if full {
			if err := send(false); err != nil {
				return err
			}
			full = false
		}
		b.summary.Read++
		p, err := in.prepare(rec, codes)
		if err != nil {
			b.summary.Rejected++
			in.reject(&b.summary, rejectOf(rec, err))
			continue
		}
		if h, ok := seen[p.Event.ID]; ok {
			// The same id twice in one batch: decide here, as storage would.
			if h == p.Hash {
				b.summary.Duplicates++
			} else {
				b.summary.Conflicts++
				in.reject(&b.summary, conflict(p))
			}
			continue
		}
		seen[p.Event.ID] = p.Hash
		b.events = append(b.events, p)
		full = len(b.events) == size
	}
	if len(b.events) > 0 || b.summary.Read > 0 {
		return send(true)
	}
	return nil
}

func (in *Ingester) reject(s *Summary, r Reject) {
	if len(s.Errors) < MaxSummaryRejects {
		short := r
		short.Raw = ""
		s.Errors = append(s.Errors, short)
	}
	if in.OnReject != nil {
		in.OnReject(r)
	}
}

func (in *Ingester) store(ctx context.Context, run BatchRun, events []Prepared, last bool, total *Summary) error {
	if len(events) == 0 {
		if last {
			return run.Finish(ctx)
		}
		return nil
	}
	outcomes, err := run.IngestBatch(ctx, events, in.Note, last)
	if err != nil {
		return err
	}
	for i, o := range outcomes {
		if in.content != nil && (o == Accepted || o == Quarantined) {
			in.content.Write(events[i].Hash[:])
		}
		switch o {
		case Accepted:
			total.Accepted++
		case Duplicate:
			total.Duplicates++
		case Conflict:
			total.Conflicts++
			in.reject(total, conflict(events[i]))
		case Quarantined:
			total.Quarantined++
		}
	}
	return nil
}

func conflict(p Prepared) Reject {
	return Reject{Line: p.Line, ID: p.Event.ID, Field: "id", Reason: "conflict: an event with this id is already stored with different content",
		Raw: string(p.Body)}
}

func rejectOf(rec *formats.Record, err error) Reject {
	r := Reject{Line: rec.Line, ID: rec.Event.ID, Reason: err.Error(), Raw: string(rec.Raw[:min(len(rec.Raw), MaxRawReject)])}
	if r.ID == "" && rec.Raw != nil && json.Valid(rec.Raw) {
		r.ID = eventID(rec.Raw)
	}
	var fe *evaluation.FieldError
	if errors.As(err, &fe) {
		r.Field, r.Reason = fe.Field, fe.Reason
	}
	return r
}

// prepare validates a decoded record and turns it into its stored form.
func (in *Ingester) prepare(rec *formats.Record, codes Codes) (Prepared, error) {
	if rec.Err != nil {
		return Prepared{}, rec.Err
	}
	e := rec.Event
	if err := e.Validate(); err != nil {
		return Prepared{}, err
	}
	if in.Allow != nil {
		if err := in.Allow(&e); err != nil {
			return Prepared{}, err
		}
	}
	e.Normalize()
	in.Pseudo.Apply(&e)
	return Seal(rec.Line, e, codes)
}

// Seal encodes a normalised, pseudonymised event canonically, hashes it
// and lists the codes it names that the registry does not know.
func Seal(line int, e evaluation.Event, codes Codes) (Prepared, error) {
	body, err := json.Marshal(&e)
	if err != nil {
		return Prepared{}, err
	}
	p := Prepared{Line: line, Event: e, Body: body, Hash: sha256.Sum256(body)}
	for _, u := range e.UnitRefs() {
		if !codes.Units[u] {
			p.Missing = append(p.Missing, "unit:"+u)
		}
	}
	if e.Category != "" && !codes.Categories[e.Category] {
		p.Missing = append(p.Missing, "category:"+e.Category)
	}
	return p, nil
}

// Release stores the quarantined events whose codes the registry now
// knows. It returns how many were released.
func (in *Ingester) Release(ctx context.Context) (int, error) {
	codes, err := in.Store.Codes(ctx)
	if err != nil {
		return 0, err
	}
	released, after := 0, ""
	for {
		page, err := in.Store.Quarantined(ctx, after, 2048)
		if err != nil || len(page) == 0 {
			return released, err
		}
		after = page[len(page)-1].Event.ID
		ready := page[:0]
		for _, p := range page {
			q, err := Seal(p.Line, p.Event, codes)
			if err != nil {
				return released, err
			}
			if len(q.Missing) == 0 {
				ready = append(ready, q)
			}
		}
		if len(ready) == 0 {
			continue
		}
		outcomes, err := in.Store.IngestBatch(ctx, ready, in.Note)
		if err != nil {
			return released, err
		}
		for _, o := range outcomes {
			if o == Accepted {
				released++
			}
		}
	}
}

// eventID returns the id of a record that failed to decode, if it can be found.
func eventID(raw []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &v) == nil {
		return v.ID
	}
	return ""
}

package exports

import (
	"context"
	"errors"
	"testing"
)

// TestPipelined: everything read is written, in order; an error on
// either side stops both and comes back.
func TestPipelined(t *testing.T) {
	const n = 10_000
	count := func(ctx context.Context, yield func(int) error) error {
		for i := range n {
			if err := yield(i); err != nil {
				return err
			}
		}
		return nil
	}
	var got []int
	if err := pipelined(context.Background(), count, func(v int) error {
		got = append(got, v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d written of %d read", len(got), n)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("item %d is %d: out of order", i, v)
		}
	}

	full := errors.New("disk full")
	read := 0
	err := pipelined(context.Background(), func(ctx context.Context, yield func(int) error) error {
		for i := 0; ; i++ { // endless: only the writer's error ends it
			read++
			if err := yield(i); err != nil {
				return err
			}
		}
	}, func(v int) error {
		if v == 5000 {
			return full
		}
		return nil
	})
	if !errors.Is(err, full) {
		t.Errorf("writer's error: got %v", err)
	}
	// At most the full queue (64 batches), the batch being filled, and one
	// more sent as the writer's stop was being noticed.
	if read > 5000+66*256 {
		t.Errorf("the reader went on for %d items after the writer stopped", read-5000)
	}

	broken := errors.New("connection lost")
	written := 0
	err = pipelined(context.Background(), func(ctx context.Context, yield func(int) error) error {
		for i := range 3000 {
			if err := yield(i); err != nil {
				return err
			}
		}
		return broken
	}, func(int) error { written++; return nil })
	if !errors.Is(err, broken) {
		t.Errorf("reader's error: got %v", err)
	}
	if written > 3000 {
		t.Errorf("%d written of 3000 read", written)
	}
}

package auth

import (
	"fmt"
	"testing"
	"time"
)

// TestThrottle: a key waits once it reaches its limit, until its oldest
// failure leaves the window; success forgets; the map stays bounded.
func TestThrottle(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	th := NewThrottle(10*time.Minute, map[string]Limit{"user:": {Max: 2}, "addr:": {Max: 3}})
	if th.Fail("user:a", t0) || th.Wait("user:a", t0) != 0 {
		t.Fatal("one failure of two locks the user")
	}
	if !th.Fail("user:a", t0.Add(time.Minute)) {
		t.Fatal("the second failure does not lock the user")
	}
	if w := th.Wait("user:a", t0.Add(2*time.Minute)); w != 8*time.Minute {
		t.Errorf("wait %v, want 8m (until the first failure is 10 minutes old)", w)
	}
	if w := th.Wait("user:a", t0.Add(10*time.Minute)); w != 0 {
		t.Errorf("after the window the user still waits %v", w)
	}
	if th.Wait("addr:x", t0) != 0 || th.Fail("addr:x", t0) || th.Fail("addr:x", t0) || !th.Fail("addr:x", t0) {
		t.Error("an address locks after its third failure")
	}
	th.Reset("addr:x")
	if th.Wait("addr:x", t0) != 0 {
		t.Error("reset does not forget")
	}
	th.maxKeys = 100
	for i := range 1000 {
		th.Fail(fmt.Sprintf("addr:%d", i), t0.Add(time.Duration(i)*time.Second))
	}
	if len(th.fails) > 100 {
		t.Errorf("%d keys kept, want at most 100", len(th.fails))
	}
	if th.Wait("addr:999", t0.Add(999*time.Second)) != 0 || len(th.fails["addr:999"]) != 1 {
		t.Error("the newest key was evicted")
	}
}

// TestThrottleBackoff: past its free failures a key waits a second, then
// two, four… never past the window; the waits run from the last failure.
func TestThrottleBackoff(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	th := NewThrottle(15*time.Minute, map[string]Limit{"pair:": {Max: 3, Backoff: time.Second}})
	now := t0
	for i := range 3 {
		if th.Fail("pair:sam", now) && i < 2 {
			t.Fatalf("failure %d already waits", i+1)
		}
	}
	var waits []time.Duration
	for range 10 {
		w := th.Wait("pair:sam", now)
		waits = append(waits, w)
		now = now.Add(w)
		th.Fail("pair:sam", now)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second,
		64 * time.Second, 128 * time.Second, 256 * time.Second, 512 * time.Second}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	// A guesser who tries at every moment allowed gets a few dozen
	// tries an hour, and never waits past the window.
	tries := 13
	for end := now.Add(time.Hour); now.Before(end); tries++ {
		w := th.Wait("pair:sam", now)
		if w > 15*time.Minute {
			t.Fatalf("a wait of %v, past the window", w)
		}
		now = now.Add(w)
		th.Fail("pair:sam", now)
	}
	if tries > 13+40 {
		t.Errorf("%d tries in 17 minutes and an hour", tries)
	}
	if n := th.ResetPrefix("pair:"); n != 1 || th.Wait("pair:sam", now) != 0 {
		t.Errorf("ResetPrefix forgot %d keys", n)
	}
}

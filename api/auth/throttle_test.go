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
	th := NewThrottle(10*time.Minute, map[string]int{"user:": 2, "addr:": 3})
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

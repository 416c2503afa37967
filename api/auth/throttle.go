package auth

import (
	"strings"
	"sync"
	"time"
)

// Limit is how a key's failures count in the throttle's window. Past Max
// failures the key waits until its oldest failure leaves the window; with
// Backoff set it waits instead Backoff after the Max-th failure, twice
// that after the next, and so on up to the window: a person who mistypes
// waits seconds, a guesser ever longer.
type Limit struct {
	Max     int
	Backoff time.Duration
}

// Throttle counts failures per key (a user name, an address, the pair of
// both) in a sliding window. It holds at most maxKeys keys.
type Throttle struct {
	mu      sync.Mutex
	window  time.Duration
	limits  map[string]Limit // by key prefix
	fails   map[string][]time.Time
	maxKeys int
}

// NewThrottle limits the keys that start with each prefix of limits.
func NewThrottle(window time.Duration, limits map[string]Limit) *Throttle {
	return &Throttle{window: window, limits: limits, fails: map[string][]time.Time{}, maxKeys: 100_000}
}

func (t *Throttle) limit(key string) Limit {
	for prefix, l := range t.limits {
		if strings.HasPrefix(key, prefix) {
			return l
		}
	}
	return Limit{Max: 1}
}

// kept is how many of a key's failures are worth keeping: the limit's,
// and with a backoff enough more to reach the window's length.
func (l Limit) kept() int {
	if l.Backoff > 0 {
		return l.Max + 32
	}
	return l.Max
}

// recent drops a key's failures that left the window; t.mu is held.
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	f := t.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= t.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(t.fails, key)
	} else {
		t.fails[key] = f
	}
	return f
}

// Wait says how long key must wait before its next attempt.
func (t *Throttle) Wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.recent(key, now)
	l := t.limit(key)
	if len(f) < l.Max {
		return 0
	}
	if l.Backoff == 0 {
		return f[len(f)-l.Max].Add(t.window).Sub(now)
	}
	delay := t.window
	if n := len(f) - l.Max; n < 32 && l.Backoff<<n < t.window {
		delay = l.Backoff << n
	}
	return max(0, f[len(f)-1].Add(delay).Sub(now))
}

// Fail records a failure and says whether the key must now wait.
func (t *Throttle) Fail(key string, now time.Time) bool {
	t.mu.Lock()
	if _, ok := t.fails[key]; !ok && len(t.fails) >= t.maxKeys {
		t.evict(now)
	}
	f := append(t.recent(key, now), now)
	if n := t.limit(key).kept(); len(f) > n {
		f = f[len(f)-n:]
	}
	t.fails[key] = f
	t.mu.Unlock()
	return t.Wait(key, now) > 0
}

// evict makes room: expired keys go, then the one idle longest.
func (t *Throttle) evict(now time.Time) {
	var oldest string
	for k := range t.fails {
		if f := t.recent(k, now); len(f) > 0 && (oldest == "" || f[len(f)-1].Before(t.fails[oldest][len(t.fails[oldest])-1])) {
			oldest = k
		}
	}
	if len(t.fails) >= t.maxKeys {
		delete(t.fails, oldest)
	}
}

// Reset forgets a key's failures after a success.
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	delete(t.fails, key)
	t.mu.Unlock()
}

// ResetPrefix forgets the failures of every key that starts with prefix:
// an admin lifting a user's lock, from every address.
func (t *Throttle) ResetPrefix(prefix string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for k := range t.fails {
		if strings.HasPrefix(k, prefix) {
			delete(t.fails, k)
			n++
		}
	}
	return n
}

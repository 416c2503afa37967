package auth

import (
	"sync"
	"time"
)

// Throttle counts failures per key (a user name, an address) in a
// sliding window; a key that reached its limit waits until its oldest
// failure leaves the window. It holds at most maxKeys keys.
type Throttle struct {
	mu      sync.Mutex
	window  time.Duration
	limits  map[string]int // by key prefix
	fails   map[string][]time.Time
	maxKeys int
}

// NewThrottle limits the keys that start with each prefix of limits.
func NewThrottle(window time.Duration, limits map[string]int) *Throttle {
	return &Throttle{window: window, limits: limits, fails: map[string][]time.Time{}, maxKeys: 100_000}
}

func (t *Throttle) limit(key string) int {
	for prefix, n := range t.limits {
		if len(key) >= len(prefix) && key[:len(prefix)] == prefix {
			return n
		}
	}
	return 1
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
	if len(f) < t.limit(key) {
		return 0
	}
	return f[len(f)-t.limit(key)].Add(t.window).Sub(now)
}

// Fail records a failure and says whether the key is now locked.
func (t *Throttle) Fail(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.fails[key]; !ok && len(t.fails) >= t.maxKeys {
		t.evict(now)
	}
	f := append(t.recent(key, now), now)
	if n := t.limit(key); len(f) > n {
		f = f[len(f)-n:]
	}
	t.fails[key] = f
	return len(f) >= t.limit(key)
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

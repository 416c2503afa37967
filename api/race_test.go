//go:build race

package api

// raceEnabled says the tests run under the race detector, which makes
// the SQLite driver some thirty times slower.
const raceEnabled = true

package problem

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"frontline/fault"
)

// TestOf: each kind of error answers with its status; what the client
// is told never holds an internal error's details.
func TestOf(t *testing.T) {
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	for _, c := range []struct {
		err    error
		status int
		detail string
		retry  string
	}{
		{fault.Errorf(fault.NotFound, "", "case %q not found", "C1"), http.StatusNotFound, `case "C1" not found`, ""},
		{fault.Errorf(fault.Forbidden, "score", "not yours"), http.StatusForbidden, "score: not yours", ""},
		{fault.Errorf(fault.Invalid, "", "period: want a month"), http.StatusUnprocessableEntity, "period: want a month", ""},
		{fault.Errorf(fault.Conflict, "", "appealed already"), http.StatusConflict, "appealed already", ""},
		{fault.Errorf(fault.Unavailable, "", "dial tcp: refused"), http.StatusServiceUnavailable, "the database cannot be reached just now; try again shortly", "5"},
		{fmt.Errorf("read: %w", context.Canceled), 499, "request cancelled", ""},
		{errors.New("pq: secret table layout"), http.StatusInternalServerError, "internal error; it was logged", ""},
		{Unauthorized("sign in"), http.StatusUnauthorized, "sign in", ""},
		{fmt.Errorf("wrapped: %w", &Error{Status: http.StatusTooManyRequests, Detail: "wait", Header: http.Header{"Retry-After": {"7"}}}), http.StatusTooManyRequests, "wait", "7"},
	} {
		a := Of(log, c.err)
		if a.Status != c.status || a.Detail != c.detail || a.Header.Get("Retry-After") != c.retry || a.Cause != c.err {
			t.Errorf("Of(%v) = %d %q Retry-After %q, want %d %q %q", c.err, a.Status, a.Detail, a.Header.Get("Retry-After"), c.status, c.detail, c.retry)
		}
	}
	if !strings.Contains(logged.String(), "secret table layout") {
		t.Errorf("an internal error is not logged: %s", logged.String())
	}
}

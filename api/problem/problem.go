// Package problem says how HTTP answers an error: the one place where a
// domain error's kind becomes a status. The JSON API writes the answer as
// an RFC 9457 problem, the dashboard as an error page in the reader's
// language; both ask here.
package problem

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"frontline/fault"
	"frontline/service"
)

// Error is an answer no domain kind names: a sign-in refused (401), too
// many attempts (429), a body too large or of the wrong type.
type Error struct {
	Status int
	Detail string
	Zh     string // the detail in Chinese, when it has its own words
	Header http.Header
}

func (e *Error) Error() string { return e.Detail }

// Unauthorized refuses a request that does not say who sends it, or whose
// credentials are wrong.
func Unauthorized(detail string) *Error {
	return &Error{Status: http.StatusUnauthorized, Detail: detail}
}

// RetryAfter is how long an answer asks the client to wait, in whole
// seconds; 0 if it does not say.
func (e *Error) RetryAfter() int {
	n, _ := strconv.Atoi(e.Header.Get("Retry-After"))
	return n
}

// Answer is how HTTP answers an error.
type Answer struct {
	Status int
	Detail string      // what the client is told: no internals
	Zh     string      // the detail in Frontline's own Chinese words, when it has them
	Header http.Header // Retry-After, when trying again may help
	Cause  error       // the error answered
}

// Of maps err to its answer: an *Error as it says, a domain error by its
// kind, a database that cannot be reached or written as 503 with
// Retry-After, a cancelled request as 499; anything else is logged and
// answered 500 without its details.
func Of(log *slog.Logger, err error) Answer {
	a := Answer{Detail: err.Error(), Cause: err}
	var e *Error
	if errors.As(err, &e) {
		a.Status, a.Detail, a.Zh, a.Header = e.Status, e.Detail, e.Zh, e.Header
		return a
	}
	a.Zh = fault.Chinese(err)
	switch fault.KindOf(err) {
	case fault.NotFound:
		a.Status = http.StatusNotFound
	case fault.Forbidden:
		a.Status = http.StatusForbidden
	case fault.Invalid:
		a.Status = http.StatusUnprocessableEntity
	case fault.Conflict:
		a.Status = http.StatusConflict
	case fault.Unavailable:
		return unavailable(log, err)
	default:
		switch {
		case service.Unavailable(err):
			return unavailable(log, err)
		case errors.Is(err, context.Canceled):
			a.Status, a.Detail = 499, "request cancelled"
		default:
			log.Error("internal error", slog.String("error", a.Detail))
			a.Status, a.Detail = http.StatusInternalServerError, "internal error; it was logged"
		}
	}
	return a
}

// unavailable answers 503 with Retry-After: the database is down or busy
// now, and the same request may succeed in a moment.
func unavailable(log *slog.Logger, err error) Answer {
	a := Answer{Status: http.StatusServiceUnavailable, Cause: err}
	if fault := service.StorageFault(err); fault != "" {
		log.Error("database storage refuses writes", slog.String("fault", fault), slog.String("error", err.Error()))
		why := map[string]string{
			service.StorageFull:     "the database's disk is full",
			service.StorageReadOnly: "the database's disk cannot be written (read-only)",
			service.StorageFailed:   "the database's disk failed (an I/O error)",
		}[fault]
		a.Detail, a.Header = why+"; nothing of this request was stored; try again once an operator has seen to it", http.Header{"Retry-After": {"60"}}
		return a
	}
	log.Warn("database unavailable", slog.String("error", err.Error()))
	a.Detail, a.Header = "the database cannot be reached just now; try again shortly", http.Header{"Retry-After": {"5"}}
	return a
}

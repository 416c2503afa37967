// Package fault classifies errors, so that each door answers them in one
// place: the command line's exit status, the HTTP status of the JSON API
// and the dashboard's error page. An error carries the operation that
// failed, its kind and its cause (as upspin's errors do).
package fault

import (
	"errors"
	"fmt"
)

// Kind classifies an error. Kinds are append-only.
type Kind int

// The error kinds.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	Forbidden
	Unavailable // the database cannot be reached now; the same request may succeed later
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	case Unavailable:
		return "unavailable"
	default:
		return "internal"
	}
}

// Error is an error with a kind, the operation that failed and its cause.
type Error struct {
	Op   string // the operation, such as "load registry"
	Kind Kind
	Err  error
}

// Errorf returns an *Error of the given kind whose cause is formatted like fmt.Errorf.
func Errorf(kind Kind, op, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Err: fmt.Errorf(format, args...)}
}

func (e *Error) Error() string {
	if e.Op == "" {
		return e.Err.Error()
	}
	return e.Op + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the outermost *Error in err's chain, or
// Internal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

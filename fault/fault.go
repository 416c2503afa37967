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
	// Zh is what a person is told, in Chinese; "" when the error has only
	// its English (Err). See Sayf and Text.
	Zh string
}

// Errorf returns an *Error of the given kind whose cause is formatted like fmt.Errorf.
func Errorf(kind Kind, op, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Err: fmt.Errorf(format, args...)}
}

// Sayf returns an *Error of the given kind that a person reads: its
// message in Chinese (zh) and in English (en), each formatted with args,
// which say the same things in the same order. Neither verb wraps an
// error (%w): a message a person reads has no cause to unwrap.
func Sayf(kind Kind, op, zh, en string, args ...any) *Error {
	zhArgs, enArgs := make([]any, len(args)), make([]any, len(args))
	for i, a := range args {
		zhArgs[i], enArgs[i] = a, a
		if w, ok := a.(Words); ok {
			zhArgs[i], enArgs[i] = w.Zh, w.En
		}
	}
	return &Error{Op: op, Kind: kind, Err: fmt.Errorf(en, enArgs...), Zh: fmt.Sprintf(zh, zhArgs...)}
}

// Words is an argument of Sayf that reads differently in each language:
// a state, say, as its Chinese label and as its English word.
type Words struct{ Zh, En string }

// Text is what err says to a person reading lang ("zh" or "en"): in
// Chinese, the first Chinese message in its chain (Sayf's); otherwise the
// message of the outermost *Error without its operation (a developer's
// word), or err's whole text when it has no *Error.
func Text(err error, lang string) string {
	if zh := Chinese(err); lang != "en" && zh != "" {
		return zh
	}
	var e *Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	return e.Err.Error()
}

// Chinese is the first Chinese message in err's chain (Sayf's); "" when
// it has none.
func Chinese(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if f, ok := e.(*Error); ok && f.Zh != "" {
			return f.Zh
		}
	}
	return ""
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

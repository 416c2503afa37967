package fault

import (
	"errors"
	"fmt"
	"testing"
)

// TestText: an error made with Sayf reads in the reader's language, also
// when wrapped; any other error reads in English without its operation.
func TestText(t *testing.T) {
	said := Sayf(Invalid, "period", "期间 %q 无法识别（%s）", "period %q: not a period (%s)", "abc", Words{Zh: "待决定", En: "open"})
	wrapped := fmt.Errorf("score: %w", said)
	plain := Errorf(Conflict, "appeal", "already %s", "decided")
	for _, c := range []struct {
		err        error
		lang, want string
	}{
		{said, "zh", `期间 "abc" 无法识别（待决定）`},
		{said, "en", `period "abc": not a period (open)`},
		{wrapped, "zh", `期间 "abc" 无法识别（待决定）`},
		{wrapped, "en", `period "abc": not a period (open)`},
		{plain, "zh", "already decided"},
		{errors.New("bare"), "zh", "bare"},
	} {
		if got := Text(c.err, c.lang); got != c.want {
			t.Errorf("Text(%v, %s) = %q, want %q", c.err, c.lang, got, c.want)
		}
	}
	if KindOf(wrapped) != Invalid || said.Error() != `period: period "abc": not a period (open)` {
		t.Errorf("the kind %v, the whole text %q", KindOf(wrapped), said.Error())
	}
}

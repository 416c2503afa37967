package store

import (
	"fmt"
	"time"
)

// timeCol scans a nullable timestamp quickly. PostgreSQL hands over a
// time.Time; SQLite, asked for the column as text, the fixed UTC layout
// this package writes ("2006-01-02 15:04:05.999999999+00:00"), which is
// parsed here directly instead of trying the driver's list of layouts.
type timeCol struct{ t time.Time }

// Scan implements sql.Scanner.
func (c *timeCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		c.t = time.Time{}
	case time.Time:
		c.t = x.UTC()
	case string:
		return c.parse(x)
	case []byte:
		return c.parse(string(x))
	default:
		return fmt.Errorf("timestamp: unexpected %T", v)
	}
	return nil
}

func (c *timeCol) parse(s string) error {
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			d := s[i] - '0'
			if d > 9 {
				return 0, false
			}
			n = n*10 + int(d)
		}
		return n, true
	}
	// 2006-01-02 15:04:05 is 19 bytes; a fraction and "+00:00" may follow.
	if len(s) >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':' {
		y, ok1 := num(0, 4)
		mo, ok2 := num(5, 7)
		d, ok3 := num(8, 10)
		h, ok4 := num(11, 13)
		mi, ok5 := num(14, 16)
		sec, ok6 := num(17, 19)
		rest := s[19:]
		nsec := 0
		if len(rest) > 0 && rest[0] == '.' {
			i := 1
			scale := 100000000
			for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
				nsec += int(rest[i]-'0') * scale
				scale /= 10
			}
			rest = rest[i:]
		}
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && (rest == "+00:00" || rest == "Z" || rest == "") {
			c.t = time.Date(y, time.Month(mo), d, h, mi, sec, nsec, time.UTC)
			return nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			c.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("timestamp: cannot parse %q", s)
}

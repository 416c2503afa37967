package formats

import "strings"

// SafeCell puts an apostrophe before text that a spreadsheet opening a
// CSV or Excel export would read as a formula or a control sequence (a
// leading =, +, -, @, tab or carriage return), as OWASP advises. Every
// export's cells go through it.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

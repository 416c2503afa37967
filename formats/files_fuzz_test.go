package formats

import (
	"strings"
	"testing"
)

// FuzzPolicyFile: whatever a policy file holds, parsing never panics, and
// what it accepts has a zone and no negative limit.
func FuzzPolicyFile(f *testing.F) {
	f.Add(DefaultPolicyYAML)
	f.Add([]byte("effective: 2026-06-01\nclasses: {A: {respond: 4m, dispose: 4h}}\n"))
	f.Add([]byte("effective: 2026-06-01\ntimezone: Mars/Base\n"))
	f.Add([]byte("classes: [1, 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			return
		}
		if p.Location == nil {
			t.Fatalf("an accepted policy without a zone: %q", data)
		}
		for class, l := range p.Classes {
			if l.Respond.N < 0 || l.Report.N < 0 || l.Dispose.N < 0 {
				t.Fatalf("class %s has a negative limit: %+v", class, l)
			}
		}
	})
}

// FuzzMappingFile: whatever a mapping file holds, parsing never panics;
// an accepted mapping names its required columns and a zone.
func FuzzMappingFile(f *testing.F) {
	f.Add([]byte(testMapping))
	f.Add([]byte("format: json\nsource: x\ntimezone: UTC\ncolumns: {case: a, opened: {column: b, layouts: [\"2006\"]}, agency: c}\n"))
	f.Add([]byte("columns: {opened: 7}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		if m.Columns.Case == "" || m.Columns.Opened.Column == "" || m.Columns.Agency == "" || m.loc == nil || m.Source == "" {
			t.Fatalf("an accepted mapping without its required fields: %+v", m)
		}
	})
}

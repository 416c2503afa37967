// Package exportstest checks a workbook's parts for rules Excel enforces
// and excelize does not: a file that breaks one opens in Excel only after
// a "repair" prompt, though LibreOffice opens it without a word.
package exportstest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Check reads an .xlsx file's parts and returns each rule it breaks, as
// "part: what" (none for a sound file):
//   - sheet names: at most 31 characters, none of : \ / ? * [ ], unique
//     whatever their case;
//   - <col> elements in ascending order, not overlapping;
//   - rows in ascending order, and cells within a row;
//   - a text at most 32,767 characters;
//   - print titles and areas scoped to a sheet there is, and naming it;
//   - chart series named by a reference to a cell or by a literal, never
//     by bare text in a formula, and every reference to a sheet there is;
//   - table names unique, and each table's column names unique.
func Check(file []byte) []string {
	z, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		return []string{"zip: " + err.Error()}
	}
	c := &checker{parts: map[string]*zip.File{}}
	for _, f := range z.File {
		c.parts[f.Name] = f
	}
	c.workbook()
	for _, f := range z.File {
		switch {
		case strings.HasPrefix(f.Name, "xl/worksheets/sheet"):
			c.worksheet(f)
		case strings.HasPrefix(f.Name, "xl/charts/chart"):
			c.chart(f)
		case strings.HasPrefix(f.Name, "xl/tables/table"):
			c.table(f)
		case f.Name == "xl/sharedStrings.xml":
			c.sharedStrings(f)
		}
	}
	return c.problems
}

type checker struct {
	parts    map[string]*zip.File
	sheets   []string // by position
	tables   map[string]bool
	problems []string
}

func (c *checker) fail(part, format string, args ...any) {
	c.problems = append(c.problems, part+": "+fmt.Sprintf(format, args...))
}

// tokens calls fn with each start element of a part, and the text that
// follows it up to the next element.
func (c *checker) tokens(f *zip.File, fn func(el xml.StartElement, text func() string)) {
	r, err := f.Open()
	if err != nil {
		c.fail(f.Name, "%v", err)
		return
	}
	defer r.Close()
	d := xml.NewDecoder(r)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			c.fail(f.Name, "not well-formed XML: %v", err)
			return
		}
		if el, ok := tok.(xml.StartElement); ok {
			el = el.Copy()
			fn(el, func() string {
				var b strings.Builder
				for {
					t, err := d.Token()
					if err != nil {
						return b.String()
					}
					switch t := t.(type) {
					case xml.CharData:
						b.Write(t)
						continue
					case xml.EndElement:
						return b.String()
					}
					return b.String()
				}
			})
		}
	}
}

func attr(el xml.StartElement, name string) (string, bool) {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (c *checker) workbook() {
	f := c.parts["xl/workbook.xml"]
	if f == nil {
		c.fail("xl/workbook.xml", "missing")
		return
	}
	seen := map[string]bool{}
	type definedName struct {
		name, scope, ref string
	}
	var names []definedName
	c.tokens(f, func(el xml.StartElement, text func() string) {
		switch el.Name.Local {
		case "sheet":
			name, _ := attr(el, "name")
			if utf8.RuneCountInString(name) > 31 || strings.ContainsAny(name, `:\/?*[]`) || name == "" {
				c.fail(f.Name, "sheet name %q: at most 31 characters, none of : \\ / ? * [ ]", name)
			}
			if seen[strings.ToLower(name)] {
				c.fail(f.Name, "sheet name %q twice", name)
			}
			seen[strings.ToLower(name)] = true
			c.sheets = append(c.sheets, name)
		case "definedName":
			name, _ := attr(el, "name")
			scope, _ := attr(el, "localSheetId")
			names = append(names, definedName{name, scope, text()})
		}
	})
	for _, n := range names {
		if n.name != "_xlnm.Print_Titles" && n.name != "_xlnm.Print_Area" {
			continue
		}
		i, err := strconv.Atoi(n.scope)
		if err != nil || i < 0 || i >= len(c.sheets) {
			c.fail(f.Name, "%s scoped to sheet %q, which is not there", n.name, n.scope)
			continue
		}
		if sheet, _, ok := splitRef(n.ref); !ok || sheet != c.sheets[i] {
			c.fail(f.Name, "%s of sheet %q refers to %q", n.name, c.sheets[i], n.ref)
		}
	}
}

// splitRef splits "'sheet'!$A$1" into the sheet and the cells.
func splitRef(ref string) (sheet, cells string, ok bool) {
	i := strings.LastIndex(ref, "!")
	if i < 0 {
		return "", "", false
	}
	sheet = ref[:i]
	if strings.HasPrefix(sheet, "'") && strings.HasSuffix(sheet, "'") && len(sheet) >= 2 {
		sheet = strings.ReplaceAll(sheet[1:len(sheet)-1], "''", "'")
	}
	return sheet, ref[i+1:], true
}

var cellRef = regexp.MustCompile(`^\$?[A-Z]{1,3}\$?[0-9]+(:\$?[A-Z]{1,3}\$?[0-9]+)?$`)

// column is a cell reference's column number ("AB12" → 28).
func column(ref string) int {
	n := 0
	for _, r := range ref {
		if r < 'A' || r > 'Z' {
			break
		}
		n = n*26 + int(r-'A'+1)
	}
	return n
}

func (c *checker) worksheet(f *zip.File) {
	lastCol, lastRow, lastCell := 0, 0, 0
	c.tokens(f, func(el xml.StartElement, _ func() string) {
		switch el.Name.Local {
		case "col":
			lo, _ := attr(el, "min")
			hi, _ := attr(el, "max")
			min, err1 := strconv.Atoi(lo)
			max, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil || min > max {
				c.fail(f.Name, "<col min=%q max=%q>", lo, hi)
				return
			}
			if min <= lastCol {
				c.fail(f.Name, "<col min=%d> after a <col> ending at %d: Excel wants them ascending, apart", min, lastCol)
			}
			lastCol = max
		case "row":
			r, _ := attr(el, "r")
			n, err := strconv.Atoi(r)
			if err != nil || n <= lastRow {
				c.fail(f.Name, "row %q after row %d", r, lastRow)
			}
			lastRow, lastCell = n, 0
		case "c":
			r, _ := attr(el, "r")
			n := column(r)
			if n <= lastCell {
				c.fail(f.Name, "cell %s after column %d of its row", r, lastCell)
			}
			lastCell = n
		}
	})
}

func (c *checker) sharedStrings(f *zip.File) {
	c.tokens(f, func(el xml.StartElement, text func() string) {
		if el.Name.Local == "t" {
			if s := text(); utf8.RuneCountInString(s) > 32767 {
				c.fail(f.Name, "a text of %d characters, over Excel's 32,767", utf8.RuneCountInString(s))
			}
		}
	})
}

func (c *checker) chart(f *zip.File) {
	var stack []string
	c.tokens(f, func(el xml.StartElement, text func() string) {
		name := el.Name.Local
		switch name {
		case "tx", "cat", "val", "xVal", "yVal":
			stack = append(stack[:0], name)
		case "f":
			ref := text()
			where := "a reference"
			if len(stack) > 0 {
				where = "the series' " + map[string]string{"tx": "name", "cat": "categories", "val": "values"}[stack[0]]
			}
			sheet, cells, ok := splitRef(ref)
			if !ok || !cellRef.MatchString(cells) {
				c.fail(f.Name, "%s is %q: want a reference to cells or a literal", where, ref)
				return
			}
			found := false
			for _, s := range c.sheets {
				found = found || s == sheet
			}
			if !found {
				c.fail(f.Name, "%s refers to sheet %q, which is not there", where, sheet)
			}
		}
	})
}

func (c *checker) table(f *zip.File) {
	if c.tables == nil {
		c.tables = map[string]bool{}
	}
	cols := map[string]bool{}
	c.tokens(f, func(el xml.StartElement, _ func() string) {
		switch el.Name.Local {
		case "table":
			name, _ := attr(el, "name")
			if c.tables[strings.ToLower(name)] {
				c.fail(f.Name, "table name %q twice", name)
			}
			c.tables[strings.ToLower(name)] = true
		case "tableColumn":
			name, _ := attr(el, "name")
			if cols[strings.ToLower(name)] {
				c.fail(f.Name, "table column %q twice", name)
			}
			cols[strings.ToLower(name)] = true
		}
	})
}

package exports_test

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"frontline/exports"
	"frontline/exports/exportstest"
)

// everyPart writes a workbook with each kind of sheet a pack uses: a
// streamed table with a print area, a table of one block with a bar
// chart, a sheet of blocks with a line chart, a shaded matrix and folded
// columns.
func everyPart(t *testing.T) []byte {
	t.Helper()
	w, err := exports.New(exports.Meta{Kind: "meeting", Title: "双向评价会议材料 · 2026-06", Period: "2026-06", District: "鼓楼区 & 示范",
		ExportedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cols := []exports.Column{{Header: "单位"}, {Header: "得分", Kind: exports.Decimal}, {Header: "满意率", Kind: exports.Percent}}
	if _, err := w.Table("超时记录", cols, func(add func(...any) error) error {
		for range 300 {
			if err := add("城管局 (D1)", 91.5, 0.97); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.PrintArea("超时记录", len(cols), 1, 1); err != nil {
		t.Fatal(err)
	}
	a, b := 91.5, 88.0
	if err := w.Small("部门排名", cols, [][]any{{"城管局 (D1)", a, 0.99}, {"住建局 (D2)", b, 0.95}}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddChart("部门排名", exports.Chart{Title: "得分", Bars: true, Labels: "A", Series: []string{"B"}, Header: 1, First: 2, Last: 3,
		From: exports.AxisFrom(5, &a, &b), Anchor: "B5", Width: 400, Height: 200}); err != nil {
		t.Fatal(err)
	}
	headers, err := w.Blocks("概况", exports.Block{Title: "得分（逐月）", Cols: cols, Rows: [][]any{{"2026-05", a, 0.9}, {"2026-06", b, 0.98}}},
		exports.Block{Title: "说明"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddChart("概况", exports.Chart{Title: "走势", Labels: "A", Series: []string{"B", "C"}, Header: headers[0], First: headers[0] + 1,
		Last: headers[0] + 2, Percent: true, Anchor: "E2", Width: 400, Height: 200}); err != nil {
		t.Fatal(err)
	}
	matrix := []exports.Column{{Header: "部门 \\ 街道"}, {Header: "鼓东街道 (S1)", Kind: exports.Percent, Width: 10}, {Header: "鼓西街道 (S2)", Kind: exports.Percent, Width: 10}}
	if err := w.Small("矩阵", matrix, [][]any{{"城管局 (D1)", 0.8, nil}, {"住建局 (D2)", 0.95, 1.0}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Shade("矩阵", 2, 2, []exports.Band{{Min: 0, Color: "F8696B", Label: "低"}, {Min: 0.975, Color: "63BE7B", Label: "达标"}}, "空白"); err != nil {
		t.Fatal(err)
	}
	if err := w.Collapse("部门排名", "C", "C"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPartsKeepExcelsRules: a workbook of every kind of sheet breaks none
// of the rules Excel enforces on opening.
func TestPartsKeepExcelsRules(t *testing.T) {
	if problems := exportstest.Check(everyPart(t)); len(problems) > 0 {
		t.Errorf("the workbook breaks Excel's rules:\n%s", strings.Join(problems, "\n"))
	}
}

// TestPartsCheckFindsBreaks: the check is not a formality: columns out
// of order, a bare name in a series and a print title of another sheet
// are each found.
func TestPartsCheckFindsBreaks(t *testing.T) {
	good := everyPart(t)
	cols := regexp.MustCompile(`<col [^>]*>(</col>)?`)
	reverse := func(b []byte) []byte { // the <col> elements last first, as excelize writes them when set first to last
		all := cols.FindAll(b, -1)
		if len(all) < 2 {
			return b
		}
		i := 0
		return cols.ReplaceAllFunc(b, func([]byte) []byte { i++; return all[len(all)-i] })
	}
	replace := func(from, to string) func([]byte) []byte {
		return func(b []byte) []byte { return bytes.Replace(b, []byte(from), []byte(to), 1) }
	}
	for _, c := range []struct {
		part string
		edit func([]byte) []byte
		want string
	}{
		{"xl/worksheets/sheet3.xml", reverse, "ascending"},
		{"xl/charts/chart1.xml", replace(`&#39;部门排名&#39;!$B$1`, `得分`), "want a reference"},
		{"xl/workbook.xml", replace(`&#39;超时记录&#39;!$A$1:$C$1`, `&#39;概况&#39;!$A$1:$C$1`), "refers to"},
	} {
		bad, changed := rewrite(t, good, c.part, c.edit)
		if !changed {
			t.Errorf("%s: the edit changed nothing, and the case tests nothing", c.part)
			continue
		}
		if problems := strings.Join(exportstest.Check(bad), "\n"); !strings.Contains(problems, c.want) {
			t.Errorf("%s edited: problems %q, want one saying %q", c.part, problems, c.want)
		}
	}
}

// rewrite copies a zip with one part edited, and says whether the edit
// changed it.
func rewrite(t *testing.T, file []byte, part string, edit func([]byte) []byte) ([]byte, bool) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	changed := false
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if f.Name == part {
			edited := edit(bytes.Clone(b))
			changed, b = !bytes.Equal(edited, b), edited
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	zw.Close()
	return out.Bytes(), changed
}

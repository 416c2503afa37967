package exports

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+1":                       "'+1",
		"-2+3":                     "'-2+3",
		"@SUM(A1)":                 "'@SUM(A1)",
		"\t=1":                     "'\t=1",
		"\r=1":                     "'\r=1",
		"城管局":                      "城管局",
		"a\x00b\x1fc":              "a b c",
		"":                         "",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if long := Escape(strings.Repeat("长", 20000)); len(long) > 32767 {
		t.Errorf("a long text kept %d bytes, over Excel's cell limit", len(long))
	}
}

// TestWorkbookReadsBack writes a pack and opens it again with excelize.
func TestWorkbookReadsBack(t *testing.T) {
	zone := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 7, 1, 9, 30, 0, 0, zone)
	w, err := New(Meta{Kind: "breaches", Title: "超时记录 · 2026-06", Period: "2026-06", AsOf: at, Policy: "2000-01-01", District: "鼓楼区",
		ExportedBy: "dina", ExportedAt: at, AuditHead: "12:abcd", Location: zone})
	if err != nil {
		t.Fatal(err)
	}
	cols := []Column{{Header: "单位"}, {Header: "超时（时:分）", Kind: Duration}, {Header: "比率", Kind: Percent}, {Header: "时限", Kind: DateTime}}
	rate := 0.975
	n, err := w.Table("超时记录", cols, func(add func(...any) error) error {
		for i := range 250 { // past the sample the widths are measured on
			if err := add(fmt.Sprintf("=单位%d", i), int64(5400), &rate, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || n != 250 {
		t.Fatalf("table: %d rows, %v", n, err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	w.Close()
	raw := bytes.Clone(buf.Bytes())
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[0] != "封面" || sheets[1] != "超时记录" {
		t.Fatalf("sheets %v", sheets)
	}
	for cell, want := range map[string]string{"A1": "超时记录 · 2026-06", "B3": "鼓楼区", "B4": "2026-06", "B7": "dina", "B9": "12:abcd"} {
		if got, _ := f.GetCellValue("封面", cell); got != want {
			t.Errorf("cover %s = %q, want %q", cell, got, want)
		}
	}
	get := func(cell string) string {
		v, err := f.GetCellValue("超时记录", cell)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if get("A1") != "单位" || get("A2") != "'=单位0" || get("A251") != "'=单位249" {
		t.Errorf("header and escaped text: %q %q %q", get("A1"), get("A2"), get("A251"))
	}
	if get("B2") != "1:30" || get("C2") != "97.5%" || get("D2") != "2026-07-01 09:30" {
		t.Errorf("formats: duration %q, percent %q, time %q", get("B2"), get("C2"), get("D2"))
	}
	if formula, _ := f.GetCellFormula("超时记录", "A2"); formula != "" {
		t.Errorf("A2 holds a formula %q", formula)
	}
	panes, err := f.GetPanes("超时记录")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header row not frozen: %+v %v", panes, err)
	}
	if tables, err := f.GetTables("超时记录"); err != nil || len(tables) != 1 || tables[0].Range != "A1:D251" {
		t.Errorf("filters (table): %+v %v", tables, err)
	}
	if width, _ := f.GetColWidth("超时记录", "A"); width < 9 {
		t.Errorf("column A is %v wide: CJK text counts double", width)
	}
	layout, err := f.GetPageLayout("超时记录")
	if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.Size == nil || *layout.Size != 9 {
		t.Errorf("print layout: size %v, orientation %v, %v", *layout.Size, *layout.Orientation, err)
	}
	// Every sheet fits its pages' width (fitToPage set, or Excel and
	// LibreOffice ignore fitToWidth), with the pack above and the page
	// count below; the cover on one portrait page.
	for _, sheet := range f.GetSheetList() {
		props, err := f.GetSheetProps(sheet)
		layout, _ := f.GetPageLayout(sheet)
		hf, _ := f.GetHeaderFooter(sheet)
		if err != nil || props.FitToPage == nil || !*props.FitToPage || layout.FitToWidth == nil || *layout.FitToWidth != 1 ||
			hf == nil || !strings.Contains(hf.OddFooter, "&P") || !strings.Contains(hf.OddFooter, "&N") || !strings.Contains(hf.OddHeader, "2026-06") {
			t.Errorf("%s prints unfitted or without header and footer: %+v %+v %+v %v", sheet, props.FitToPage, layout, hf, err)
		}
	}
	if layout, _ := f.GetPageLayout("封面"); layout.Orientation == nil || *layout.Orientation != "portrait" || layout.FitToHeight == nil || *layout.FitToHeight != 1 {
		t.Errorf("the cover's layout: %+v", layout)
	}
	names := f.GetDefinedName()
	if !strings.Contains(fmt.Sprint(names), "_xlnm.Print_Titles") {
		t.Errorf("no repeated title rows: %+v", names)
	}
	// Both sheets carry protection in their XML.
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} {
		r, err := z.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		xml, _ := io.ReadAll(r)
		if !bytes.Contains(xml, []byte("<sheetProtection")) {
			t.Errorf("%s is not protected", name)
		}
		// Excel repairs a sheet whose <col> elements do not ascend.
		last := 0
		for _, m := range colMin.FindAllSubmatch(xml, -1) {
			n, _ := strconv.Atoi(string(m[1]))
			if n <= last {
				t.Errorf("%s: <col min=%d> after <col min=%d>: Excel wants them ascending", name, n, last)
				break
			}
			last = n
		}
	}
}

var colMin = regexp.MustCompile(`<col min="(\d+)"`)

// TestTableGoesOnPastASheet: a table longer than a sheet holds goes on in
// a second sheet, with its own header, and no row is lost.
func TestTableGoesOnPastASheet(t *testing.T) {
	defer func(n int) { maxSheetRows = n }(maxSheetRows)
	maxSheetRows = 300
	w, err := New(Meta{Kind: "breaches", Title: "t", ExportedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.Table("事件", []Column{{Header: "序号", Kind: Integer}}, func(add func(...any) error) error {
		for i := range 700 {
			if err := add(i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || n != 700 {
		t.Fatalf("%d rows, %v", n, err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string][2]string{"事件": {"0", "299"}, "事件 (2)": {"300", "599"}, "事件 (3)": {"600", "699"}}
	for sheet, w := range want {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "序号" || rows[1][0] != w[0] || rows[len(rows)-1][0] != w[1] {
			t.Errorf("%s: header %q, rows %q to %q; want %v", sheet, rows[0][0], rows[1][0], rows[len(rows)-1][0], w)
		}
	}
}

// TestChartSeriesNamesAreReferences: Excel repairs a chart whose series
// name is bare text in a formula; each names its column's header instead.
func TestChartSeriesNamesAreReferences(t *testing.T) {
	w, err := New(Meta{Kind: "meeting", Title: "t", Period: "2026-06", ExportedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cols := []Column{{Header: "月份"}, {Header: "满意率", Kind: Percent2}, {Header: "目标", Kind: Percent2}}
	if err := w.Small("满意度", cols, [][]any{{"2026-05", 0.97, 0.975}, {"2026-06", 0.98, 0.975}}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddChart("满意度", Chart{Title: "满意率", Labels: "A", Series: []string{"B", "C"}, Header: 1, First: 2, Last: 3, Anchor: "E2"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open("xl/charts/chart1.xml")
	if err != nil {
		t.Fatal(err)
	}
	xml, _ := io.ReadAll(r)
	names := regexp.MustCompile(`<tx><strRef><f>([^<]*)</f>`).FindAllSubmatch(xml, -1)
	if len(names) != 2 || string(names[0][1]) != "&#39;满意度&#39;!$B$1" || string(names[1][1]) != "&#39;满意度&#39;!$C$1" {
		t.Errorf("series names: %q", names)
	}
}

// TestNumbersFitTheirColumns: a column is as wide as its numbers print
// ("4396.00", "97.50%"), so that none prints as "###".
func TestNumbersFitTheirColumns(t *testing.T) {
	w, err := New(Meta{Kind: "cadres", Title: "t", Period: "2026-06", ExportedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cols := []Column{{Header: "案件", Kind: Decimal}, {Header: "率", Kind: Percent2}, {Header: "n", Kind: Integer}}
	if err := w.Small("干部", cols, [][]any{{4396.0, 0.975, 1234567}}); err != nil {
		t.Fatal(err)
	}
	for col, want := range map[string]float64{"A": 9, "B": 8, "C": 9} {
		if got, _ := w.f.GetColWidth("干部", col); got < want {
			t.Errorf("column %s is %v wide, under the %v its number prints in", col, got, want)
		}
	}
}

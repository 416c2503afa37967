// Package exports writes Frontline's Excel workbooks with excelize: packs
// made for meetings (a cover sheet saying what the pack is, who made it
// and the audit chain's head; Chinese headers by default; frozen header
// rows, filters, widths that fit CJK text, number formats, A4 landscape
// printing with repeated title rows) and safe to open (every text cell
// that a spreadsheet could take for a formula is escaped; sheets are
// protected against accidental edits). Large sheets are streamed.
package exports

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/mattn/go-runewidth"
	"github.com/xuri/excelize/v2"

	"frontline/formats"
)

// Meta says what a pack is; the cover sheet shows it.
type Meta struct {
	Kind       string // meeting, cadres, breaches, unit
	Title      string
	Period     string
	AsOf       time.Time
	Policy     string // the policy version in force
	ExportedBy string
	ExportedAt time.Time
	District   string // the district's name, for the cover and every page's header
	AuditHead  string // the audit chain's head when the data were read
	EventsHead string // the event chain's head then
	Lang       string // zh (default) or en
	Location   *time.Location
}

// Column is one column of a table sheet.
type Column struct {
	Header string
	Kind   ColumnKind
	Width  int // a fixed width, the header wrapping over lines; 0: as wide as the widest cell
}

// ColumnKind says how a column's cells are shown.
type ColumnKind int

// The kinds of column.
const (
	Text     ColumnKind = iota
	Integer             // 0
	Decimal             // 0.00
	Percent             // 0.0%
	Percent2            // 0.00%: satisfaction against its target, where a tenth of a point decides
	Duration            // [h]:mm, from seconds
	DateTime            // yyyy-mm-dd hh:mm, in the pack's zone
)

// Value is a cell that carries its own kind instead of its column's: a
// sheet of figures holds a count, a rate and a score in one column.
type Value struct {
	V    any
	Kind ColumnKind
}

// Workbook is a pack being written.
type Workbook struct {
	f        *excelize.File
	meta     Meta
	styles   map[ColumnKind]int
	header   int
	title    int
	subtitle int
}

// New starts a workbook with its cover sheet.
func New(meta Meta) (*Workbook, error) {
	if meta.Location == nil {
		meta.Location = time.UTC
	}
	w := &Workbook{f: excelize.NewFile(), meta: meta, styles: map[ColumnKind]int{}}
	formats := map[ColumnKind]string{Integer: "0", Decimal: "0.00", Percent: "0.0%", Percent2: "0.00%", Duration: "[h]:mm", DateTime: "yyyy-mm-dd hh:mm"}
	for kind, format := range formats {
		id, err := w.f.NewStyle(&excelize.Style{CustomNumFmt: &format})
		if err != nil {
			return nil, err
		}
		w.styles[kind] = id
	}
	var err error
	if w.header, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EDF2"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "8A96A3", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}); err != nil {
		return nil, err
	}
	if w.title, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}); err != nil {
		return nil, err
	}
	if w.subtitle, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}}); err != nil {
		return nil, err
	}
	if err := w.cover(); err != nil {
		return nil, err
	}
	return w, nil
}

// T picks the pack's language.
func (w *Workbook) T(zh, en string) string {
	if w.meta.Lang == "en" {
		return en
	}
	return zh
}

func (w *Workbook) cover() error {
	sheet := w.T("封面", "Cover")
	if err := w.f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	m := w.meta
	rows := [][]any{
		{m.Title},
		{},
		{w.T("辖区", "District"), m.District},
		{w.T("期间", "Period"), m.Period},
		{w.T("数据截至", "Data as of"), m.AsOf.In(m.Location).Format("2006-01-02 15:04 MST")},
		{w.T("时限政策", "Policy in force"), m.Policy},
		{w.T("导出人", "Exported by"), m.ExportedBy},
		{w.T("导出时间", "Exported at"), m.ExportedAt.In(m.Location).Format("2006-01-02 15:04:05 MST")},
		{w.T("审计链头", "Audit chain head"), m.AuditHead},
		{w.T("事件链头", "Event chain head"), m.EventsHead},
		{},
		{w.T("本文件由 Frontline 导出，导出记录（含文件指纹）已存入审计日志；如需确认文件未被改动，请交系统管理员核验。",
			"Issued by Frontline; the export is recorded in the audit log with the file's fingerprint. To confirm the file has not been changed, ask the system administrator to check it.")},
	}
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if s, ok := v.(string); ok {
				v = Escape(s)
			}
			if err := w.f.SetCellValue(sheet, cell, v); err != nil {
				return err
			}
		}
	}
	if err := w.f.SetCellStyle(sheet, "A1", "A1", w.title); err != nil {
		return err
	}
	// Widths set from the last column back: excelize puts each new <col>
	// first, and Excel wants them in ascending order.
	if err := w.f.SetColWidth(sheet, "B", "B", 60); err != nil {
		return err
	}
	if err := w.f.SetColWidth(sheet, "A", "A", 18); err != nil {
		return err
	}
	// The cover on one portrait page.
	if err := w.fitPages(sheet, "portrait", 1, 1); err != nil {
		return err
	}
	return w.protect(sheet)
}

// Table writes a sheet of rows under a header row, streamed: rows calls
// add once per row, in order. The header row is frozen, repeated on every
// printed page and carries filters; widths follow the widest cell of the
// first rows, counting a CJK character as two. Past the rows a sheet can
// hold, the table goes on in "NAME (2)", "NAME (3)"… It returns the rows
// written.
func (w *Workbook) Table(name string, cols []Column, rows func(add func(values ...any) error) error) (int, error) {
	t := &table{w: w, base: name, cols: cols, widths: make([]int, len(cols)), header: make([]any, len(cols))}
	for i, c := range cols {
		t.header[i] = excelize.Cell{StyleID: w.header, Value: Escape(c.Header)}
		t.widths[i] = max(textWidth(c.Header)+2, map[ColumnKind]int{DateTime: 17, Duration: 10, Percent: 8}[c.Kind])
	}
	// Widths must precede the rows in a stream: measure a sample first.
	const sampleRows = 200
	var sample [][]any
	err := rows(func(values ...any) error {
		if len(values) != len(cols) {
			return fmt.Errorf("%s: a row of %d cells under %d columns", name, len(values), len(cols))
		}
		if sample == nil && t.sw != nil {
			return t.row(values)
		}
		for i, v := range values {
			t.widths[i] = max(t.widths[i], shownWidth(cols[i].Kind, v)+2)
		}
		sample = append(sample, values)
		if len(sample) < sampleRows {
			return nil
		}
		return t.rows(&sample)
	})
	if err == nil {
		if t.sw == nil {
			t.known = len(sample) // all the rows, so the pages can be planned
		}
		err = t.rows(&sample)
	}
	if err == nil && t.sw == nil {
		err = t.start() // no rows: the header alone
	}
	if err != nil {
		return t.total, err
	}
	return t.total, t.finish()
}

// maxSheetRows is how many rows a sheet holds under its header: Excel's
// 1,048,576 less one.
var maxSheetRows = 1_048_575

// maxSheetBytes bounds a sheet's XML, as estimated by rowBytes, well
// under the 4 GiB past which a zip entry needs the zip64 marks that
// WriteTo does not write: a table of very long texts goes on in a new
// sheet first.
var maxSheetBytes = 3 << 30

// rowBytes estimates the XML of a row: a cell's markup, with its text.
func rowBytes(values []any) int {
	n := 16
	for _, v := range values {
		n += 48
		if s, ok := v.(string); ok {
			n += len(s) * 6 / 5 // escapes
		}
	}
	return n
}

// table is a table being streamed, over as many sheets as it needs.
type table struct {
	w        *Workbook
	base     string
	cols     []Column
	widths   []int
	header   []any
	sw       *excelize.StreamWriter
	sheet    string
	sheets   int
	n, total int // rows on this sheet, in all
	bytes    int // rowBytes of this sheet's rows
	known    int // the rows in all when they were known before the first sheet started; 0 if not
}

// rows writes the sampled rows and ends the sampling.
func (t *table) rows(sample *[][]any) error {
	for _, row := range *sample {
		if err := t.row(row); err != nil {
			return err
		}
	}
	*sample = nil
	return nil
}

func (t *table) row(values []any) error {
	if t.sw == nil || t.n == maxSheetRows || t.bytes >= maxSheetBytes {
		if t.sw != nil {
			if err := t.finish(); err != nil {
				return err
			}
		}
		if err := t.start(); err != nil {
			return err
		}
	}
	if err := t.w.writeRow(t.sw, t.cols, t.n+2, values); err != nil {
		return err
	}
	t.n++
	t.total++
	t.bytes += rowBytes(values)
	return nil
}

// start opens the next sheet of the table, with its header.
func (t *table) start() error {
	t.sheets++
	t.sheet, t.n, t.bytes = t.base, 0, 0
	if t.sheets > 1 {
		t.sheet = fmt.Sprintf("%s (%d)", t.base, t.sheets)
	}
	w := t.w
	if _, err := w.f.NewSheet(t.sheet); err != nil {
		return err
	}
	// Page setup and protection first: the stream keeps what the sheet
	// had, not what is set after it.
	if err := w.printSetup(t.sheet, t.known+1, 1); err != nil {
		return err
	}
	if err := w.protect(t.sheet); err != nil {
		return err
	}
	sw, err := w.f.NewStreamWriter(t.sheet)
	if err != nil {
		return err
	}
	t.sw = sw
	for i := len(t.widths) - 1; i >= 0; i-- { // from the last back: see cover
		if err := sw.SetColWidth(i+1, i+1, float64(min(t.widths[i], 60))); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return sw.SetRow("A1", t.header, excelize.RowOpts{Height: 30})
}

// finish closes the sheet: its rows under an Excel table for filters.
func (t *table) finish() error {
	if t.n > 0 {
		last, _ := excelize.CoordinatesToCellName(len(t.cols), t.n+1)
		if err := t.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: tableName(t.sheet), StyleName: "TableStyleLight9",
			ShowRowStripes: boolPtr(true)}); err != nil {
			return err
		}
	}
	return t.sw.Flush()
}

func (w *Workbook) writeRow(sw *excelize.StreamWriter, cols []Column, row int, values []any) error {
	cells := make([]any, len(values))
	for i, v := range values {
		cells[i] = w.cell(cols[i].Kind, v)
	}
	cell, _ := excelize.CoordinatesToCellName(1, row)
	return sw.SetRow(cell, cells)
}

// cell shapes one value for its column: text escaped, times in the
// pack's zone, durations as days for [h]:mm.
func (w *Workbook) cell(kind ColumnKind, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case Value:
		return w.cell(x.Kind, x.V)
	case string:
		return Escape(x)
	case *float64:
		if x == nil {
			return nil
		}
		v = *x
	case *int:
		if x == nil {
			return nil
		}
		v = *x
	case time.Time:
		if x.IsZero() {
			return nil
		}
		v = excelTime(x.In(w.meta.Location))
	case *time.Time:
		if x == nil || x.IsZero() {
			return nil
		}
		v = excelTime(x.In(w.meta.Location))
	}
	if kind == Duration {
		if secs, ok := v.(int64); ok {
			v = float64(secs) / 86400
		}
	}
	if style, ok := w.styles[kind]; ok {
		return excelize.Cell{StyleID: style, Value: v}
	}
	return v
}

// excelTime keeps the wall-clock time: Excel has no zones.
func excelTime(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// printSetup prints a sheet on A4 landscape, one page wide (fitToPage
// set: without it Excel and LibreOffice ignore fitToWidth), with its
// header row (titleRow; 0 for none) on every page, the pack and period
// above and "page N of M" below. A sheet of a known number of rows is
// printed on as few pages as linesPerPage allows, so that a long narrow
// list is not spread thin at full size; otherwise as many pages long as
// it takes.
func (w *Workbook) printSetup(sheet string, rows, titleRow int) error {
	tall := 0
	if rows > 1 {
		tall = (rows + linesPerPage - 1) / linesPerPage
	}
	if err := w.fitPages(sheet, "landscape", 1, tall); err != nil {
		return err
	}
	if titleRow == 0 {
		return nil
	}
	return w.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: fmt.Sprintf("%s!$%d:$%d", quoteSheet(sheet), titleRow, titleRow)})
}

// linesPerPage is the rows a landscape A4 page is made to hold: 45 rows
// print at about two thirds of full size, some 7.5 points, where 30 would
// fill a page at full size.
const linesPerPage = 45

// quoteSheet quotes a sheet's name for a reference.
func quoteSheet(sheet string) string { return "'" + strings.ReplaceAll(sheet, "'", "''") + "'" }

// PrintArea limits what prints of a sheet to rows first to last of its
// cols columns. A data sheet of thousands of rows prints its header alone
// this way, for filtering and printing a selection, while the pack prints
// its summary.
func (w *Workbook) PrintArea(sheet string, cols, first, last int) error {
	end, err := excelize.ColumnNumberToName(cols)
	if err != nil {
		return err
	}
	return w.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", Scope: sheet,
		RefersTo: fmt.Sprintf("%s!$A$%d:$%s$%d", quoteSheet(sheet), first, end, last)})
}

// fitPages sets a sheet's paper (A4), orientation and fit: wide pages
// across, tall down (0: as many as it takes), with the header and footer.
func (w *Workbook) fitPages(sheet, orientation string, wide, tall int) error {
	fit, size := true, 9 // 9: A4
	if err := w.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := w.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation,
		FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	// &L &C &R: left, centre, right; &P page, &N pages. Ampersands in
	// the title are doubled to print as themselves.
	amp := strings.NewReplacer("&", "&&")
	left := strings.TrimSpace(w.meta.District + "  " + w.meta.Title)
	return w.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		OddHeader: "&L" + amp.Replace(left) + "&R" + amp.Replace(w.T("期间 ", "Period ")+w.meta.Period),
		OddFooter: "&C" + w.T("第 &P 页 共 &N 页", "Page &P of &N"),
	})
}

// protect guards a sheet against accidental edits; filtering, sorting
// and selecting stay possible. There is no password: the protection is
// against slips, and integrity is checked by the file's hash.
func (w *Workbook) protect(sheet string) error {
	return w.f.ProtectSheet(sheet, &excelize.SheetProtectionOptions{AutoFilter: true, Sort: true,
		SelectLockedCells: true, SelectUnlockedCells: true, FormatColumns: true})
}

// WriteTo writes the workbook, with the cover sheet active, and returns
// the bytes written. The zip streams to out: excelize's own WriteTo would
// first build the whole file in memory (to mark entries over 4 GiB for
// Excel, which Table never makes; see maxSheetBytes). It packs with
// klauspost's deflate at its fastest level, about half again as fast as
// the standard library's default level for a file a quarter larger.
func (w *Workbook) WriteTo(out io.Writer) (int64, error) {
	w.f.SetActiveSheet(0)
	cw := &countingWriter{w: out}
	w.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(cw)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		return zw
	})
	if _, err := w.f.WriteToBuffer(); err != nil {
		return cw.n, err
	}
	return cw.n, nil
}

// countingWriter counts what passes through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Close releases the workbook's temporary files.
func (w *Workbook) Close() error { return w.f.Close() }

// Escape neutralises text that a spreadsheet could read as a formula or
// a control sequence (a leading =, +, -, @, tab or carriage return) by
// putting an apostrophe in front of it, as OWASP advises; other control
// characters, which XML cannot hold, become spaces.
func Escape(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return ' '
		}
		return r
	}, s)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	const maxCell = 32767 - 4 // Excel's limit, less the apostrophe and the ellipsis
	if len(s) > maxCell {
		s = strings.ToValidUTF8(s[:maxCell], "") + "…"
	}
	return formats.SafeCell(s)
}

// shownWidth is how wide a value prints in a column of kind: a text as
// textWidth, a number as its format writes it ("4396.00", "97.50%"), so
// that no cell prints as "###".
func shownWidth(kind ColumnKind, v any) int {
	var f float64
	switch x := v.(type) {
	case string:
		return textWidth(x)
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case float64:
		f = x
	case *float64:
		if x == nil {
			return 0
		}
		f = *x
	default:
		return 0
	}
	switch kind {
	case Duration, DateTime:
		return 0 // their columns' fixed widths hold them
	case Decimal:
		return len(strconv.FormatFloat(f, 'f', 2, 64))
	case Percent:
		return len(strconv.FormatFloat(f*100, 'f', 1, 64)) + 1
	case Percent2:
		return len(strconv.FormatFloat(f*100, 'f', 2, 64)) + 1
	case Integer:
		return len(strconv.FormatFloat(f, 'f', 0, 64))
	}
	return len(strconv.FormatFloat(f, 'f', -1, 64))
}

// textWidth is a text's width in Excel's columns: CJK characters count two.
func textWidth(s string) int { return runewidth.StringWidth(s) }

// Hash is a file's SHA-256, as the audit log keeps it.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func tableName(sheet string) string {
	var b strings.Builder
	b.WriteString("T_")
	for _, r := range sheet {
		if r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func boolPtr(b bool) *bool { return &b }

// Block is one table of a sheet of small tables: a title line (none when
// empty), a header row and its rows.
type Block struct {
	Title string
	Cols  []Column
	Rows  [][]any
}

// Small writes a sheet of one small table, cell by cell rather than
// streamed, for the sheets that carry a chart or shading: a header row,
// frozen with the label column, filtered and repeated on every printed
// page, then rows.
func (w *Workbook) Small(name string, cols []Column, rows [][]any) error {
	_, err := w.sheet(name, []Block{{Cols: cols, Rows: rows}})
	return err
}

// Blocks writes a sheet of small tables one under another, each under
// its title and a blank line apart: a page to print, such as a unit's
// year in figures. It returns the row of each block's header.
func (w *Workbook) Blocks(name string, blocks ...Block) ([]int, error) {
	return w.sheet(name, blocks)
}

// sheet writes blocks on a new sheet. A sheet of one untitled block is a
// table (frozen, filtered, its header on every page).
func (w *Workbook) sheet(name string, blocks []Block) ([]int, error) {
	if _, err := w.f.NewSheet(name); err != nil {
		return nil, err
	}
	table := len(blocks) == 1 && blocks[0].Title == ""
	var widths, fixed []int
	set := func(row, col int, v any) error {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		return w.f.SetCellValue(name, cell, v)
	}
	var headers []int
	row := 1
	for _, b := range blocks {
		if b.Title != "" {
			if err := set(row, 1, Escape(b.Title)); err != nil {
				return nil, err
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := w.f.SetCellStyle(name, cell, cell, w.subtitle); err != nil {
				return nil, err
			}
			row++
		}
		if len(b.Cols) == 0 { // a line of text
			row++
			continue
		}
		for len(widths) < len(b.Cols) {
			widths, fixed = append(widths, 8), append(fixed, 0)
		}
		lines := 1
		for i, c := range b.Cols {
			if err := set(row, i+1, Escape(c.Header)); err != nil {
				return nil, err
			}
			if c.Width > 0 {
				// A fixed width: the header wraps over as many lines as it takes.
				fixed[i] = max(fixed[i], c.Width)
				lines = max(lines, min((textWidth(c.Header)+c.Width-2)/(c.Width-1), 6))
			} else {
				widths[i] = max(widths[i], textWidth(c.Header)+2)
			}
		}
		first, _ := excelize.CoordinatesToCellName(1, row)
		last, _ := excelize.CoordinatesToCellName(len(b.Cols), row)
		if err := w.f.SetCellStyle(name, first, last, w.header); err != nil {
			return nil, err
		}
		if err := w.f.SetRowHeight(name, row, float64(max(2, lines)*15)); err != nil {
			return nil, err
		}
		headers = append(headers, row)
		row++
		for _, values := range b.Rows {
			for i, v := range values {
				cell, _ := excelize.CoordinatesToCellName(i+1, row)
				shaped := w.cell(b.Cols[i].Kind, v)
				if c, ok := shaped.(excelize.Cell); ok {
					if err := w.f.SetCellValue(name, cell, c.Value); err != nil {
						return nil, err
					}
					if err := w.f.SetCellStyle(name, cell, cell, c.StyleID); err != nil {
						return nil, err
					}
				} else if err := w.f.SetCellValue(name, cell, shaped); err != nil {
					return nil, err
				}
				widths[i] = max(widths[i], shownWidth(b.Cols[i].Kind, v)+2)
			}
			row++
		}
		row++ // a blank line before the next block
	}
	for i := len(widths) - 1; i >= 0; i-- { // from the last back: see cover
		col, _ := excelize.ColumnNumberToName(i + 1)
		width := min(widths[i], 40)
		if fixed[i] > 0 {
			width = fixed[i]
		}
		if err := w.f.SetColWidth(name, col, col, float64(width)); err != nil {
			return nil, err
		}
	}
	titleRow := 0
	if table {
		titleRow = 1
		if err := w.f.SetPanes(name, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
			return nil, err
		}
		if rows := len(blocks[0].Rows); rows > 0 {
			end, _ := excelize.CoordinatesToCellName(len(blocks[0].Cols), rows+1)
			if err := w.f.AutoFilter(name, "A1:"+end, nil); err != nil {
				return nil, err
			}
		}
	}
	if err := w.printSetup(name, row-2, titleRow); err != nil {
		return nil, err
	}
	return headers, w.protect(name)
}

// Chart is a native Excel chart of a sheet's columns: one line or one set
// of bars per series, over the rows First to Last.
type Chart struct {
	Title       string
	Bars        bool     // horizontal bars, the first category on top; else lines
	Labels      string   // the categories' column letter
	Series      []string // the values' column letters, each named by its header in row Header
	Header      int
	First, Last int
	Percent     bool     // the value axis in percent
	From        *float64 // where the value axis starts: near the lowest value, so that differences show; nil for Excel's choice
	Anchor      string
	Width       uint
	Height      uint
}

// AddChart puts a chart on a sheet written by Small or Blocks.
func (w *Workbook) AddChart(sheet string, c Chart) error {
	q := quoteSheet(sheet)
	var cs []excelize.ChartSeries
	for _, col := range c.Series {
		// The name as a reference to the column's header: Excel repairs a
		// chart whose series name is bare text in a formula.
		cs = append(cs, excelize.ChartSeries{Name: fmt.Sprintf("%s!$%s$%d", q, col, c.Header),
			Categories: fmt.Sprintf("%s!$%s$%d:$%s$%d", q, c.Labels, c.First, c.Labels, c.Last),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", q, col, c.First, col, c.Last),
			Marker:     excelize.ChartMarker{Symbol: "circle", Size: 5}})
	}
	values := excelize.ChartAxis{MajorGridLines: true, Minimum: c.From}
	if c.Percent {
		values.NumFmt = excelize.ChartNumFmt{CustomNumFmt: "0%"}
		if c.From != nil && *c.From > 0.5 {
			values.NumFmt.CustomNumFmt = "0.0%"
		}
	}
	chart := &excelize.Chart{Type: excelize.Line, Series: cs,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: Escape(c.Title)}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: c.Width, Height: c.Height},
		XAxis:     excelize.ChartAxis{TickLabelSkip: 1}, YAxis: values}
	if c.Bars {
		one := false // one colour: a bar's colour means nothing
		chart.Type, chart.VaryColors = excelize.Bar, &one
		chart.XAxis.ReverseOrder = true // the first row on top
		chart.Legend.Position = "none"
		for i := range chart.Series {
			chart.Series[i].Marker = excelize.ChartMarker{}
		}
	}
	return w.f.AddChart(sheet, c.Anchor, chart)
}

// AxisFrom is where a value axis starts so that the differences between
// values show: a step below the lowest of them (and of also), in whole
// steps, never below zero.
func AxisFrom(step float64, values ...*float64) *float64 {
	lowest := math.Inf(1)
	for _, v := range values {
		if v != nil {
			lowest = min(lowest, *v)
		}
	}
	if math.IsInf(lowest, 1) {
		return nil
	}
	from := max(0, math.Floor(lowest/step)*step-step)
	return &from
}

// Band is a range of values shaded one colour, from Min up to the next
// band's Min.
type Band struct {
	Min   float64
	Color string // "RRGGBB"
	Label string // what the colour means, for the legend
}

// Shade colours a sheet's rows × cols of values from B2 (under the header
// row, beside the label column) on a fixed scale of bands, lowest first,
// and writes the legend under them, so that a colour always means the
// same value. Empty cells stay white; the legend says so (blank).
func (w *Workbook) Shade(sheet string, rows, cols int, bands []Band, blank string) error {
	end, err := excelize.CoordinatesToCellName(cols+1, rows+1)
	if err != nil {
		return err
	}
	var formats []excelize.ConditionalFormatOptions
	legendRow := rows + 3
	if err := w.f.SetCellValue(sheet, fmt.Sprintf("A%d", legendRow), w.T("图例", "Legend")); err != nil {
		return err
	}
	for i, b := range bands {
		test := fmt.Sprintf("B2>=%g", b.Min)
		if i+1 < len(bands) {
			test += fmt.Sprintf(",B2<%g", bands[i+1].Min)
		}
		fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{b.Color}}
		format, err := w.f.NewConditionalStyle(&excelize.Style{Fill: fill})
		if err != nil {
			return err
		}
		formats = append(formats, excelize.ConditionalFormatOptions{Type: "formula", Criteria: "=AND(ISNUMBER(B2)," + test + ")", Format: &format})
		swatch, err := w.f.NewStyle(&excelize.Style{Fill: fill, Border: []excelize.Border{{Type: "left", Color: "8A96A3", Style: 1},
			{Type: "right", Color: "8A96A3", Style: 1}, {Type: "top", Color: "8A96A3", Style: 1}, {Type: "bottom", Color: "8A96A3", Style: 1}}})
		if err != nil {
			return err
		}
		row := legendRow + 1 + i
		if err := w.f.SetCellStyle(sheet, fmt.Sprintf("A%d", row), fmt.Sprintf("A%d", row), swatch); err != nil {
			return err
		}
		if err := w.f.SetCellValue(sheet, fmt.Sprintf("B%d", row), Escape(b.Label)); err != nil {
			return err
		}
	}
	if err := w.f.SetCellValue(sheet, fmt.Sprintf("B%d", legendRow+1+len(bands)), Escape(blank)); err != nil {
		return err
	}
	return w.f.SetConditionalFormat(sheet, "B2:"+end, formats)
}

// Collapse groups a sheet's columns from to to (letters) and folds them
// away: they print only when a reader unfolds them (the + above the
// columns). A sheet of detail beside a summary keeps both to hand and
// prints the summary.
func (w *Workbook) Collapse(sheet, from, to string) error {
	first, err := excelize.ColumnNameToNumber(from)
	if err != nil {
		return err
	}
	last, err := excelize.ColumnNameToNumber(to)
	if err != nil {
		return err
	}
	for c := first; c <= last; c++ {
		col, _ := excelize.ColumnNumberToName(c)
		if err := w.f.SetColOutlineLevel(sheet, col, 1); err != nil {
			return err
		}
	}
	return w.f.SetColVisible(sheet, from+":"+to, false)
}

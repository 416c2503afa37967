package exports

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// BenchmarkBreachWorkbook writes a breach sheet of BREACH_ROWS rows
// (default 1,000,000) the way the breach pack does, streamed, and
// reports the file's size and the process's peak resident memory (VmHWM)
// beside the time. BenchmarkBreachWorkbookStdlibZip packs the same
// sheet as excelize does by itself, in memory with the standard
// library's zip at its default level: the baseline of WriteTo.
func BenchmarkBreachWorkbook(b *testing.B) { benchBreachWorkbook(b, nil) }

func BenchmarkBreachWorkbookStdlibZip(b *testing.B) {
	benchBreachWorkbook(b, func(w io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
}

func benchBreachWorkbook(b *testing.B, packer func(io.Writer) excelize.ZipWriter) {
	rows := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BREACH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	zone := time.FixedZone("CST", 8*3600)
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, zone)
	cols := []Column{{Header: "单位"}, {Header: "案件"}, {Header: "环节"}, {Header: "轮次", Kind: Integer},
		{Header: "开始", Kind: DateTime}, {Header: "时限", Kind: DateTime}, {Header: "实际完成", Kind: DateTime},
		{Header: "超时（时:分）", Kind: Duration}, {Header: "免责"}, {Header: "申诉"}, {Header: "监督发现"}}
	milestones := []string{"呼叫", "响应", "报告", "处置"}
	for range b.N {
		w, err := New(Meta{Kind: "breaches", Title: "超时记录", Period: "2026", AsOf: start, ExportedBy: "bench", ExportedAt: start, Location: zone})
		if err != nil {
			b.Fatal(err)
		}
		n, err := w.Table("超时记录", cols, func(add func(...any) error) error {
			for i := range rows {
				at := start.Add(time.Duration(i) * 31 * time.Second)
				due := at.Add(10 * time.Minute)
				done := due.Add(time.Duration(i%300) * time.Minute)
				if err := add(fmt.Sprintf("D%02d", i%86), fmt.Sprintf("C2026%06d", i/3), milestones[i%4], 1, at, due, &done,
					int64(i%300)*60, "", "", ""); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n != rows {
			b.Fatalf("%d rows: %v", n, err)
		}
		bw := bufio.NewWriter(io.Discard)
		var size int64
		if packer == nil {
			size, err = w.WriteTo(bw)
		} else { // the baseline: excelize's own, in memory, at the default level
			w.f.SetActiveSheet(0)
			w.f.SetZipWriter(packer)
			size, err = w.f.WriteTo(bw)
		}
		if err != nil {
			b.Fatal(err)
		}
		w.Close()
		b.ReportMetric(float64(size)/1e6, "file-MB")
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(peakRSS(), "peak-MB")
}

// peakRSS is the process's peak resident memory so far, in MB.
func peakRSS() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"frontline/evaluation"
	"frontline/exports/exportstest"
	"frontline/synth"
)

// TestPacksPrint exports every pack of a generated district's last month
// (and the meeting pack of its year), checks each file's parts against
// Excel's rules, renders it to PDF with LibreOffice as a printer would,
// and reads the pages back: no more pages than a meeting can use, every
// page under the header (district, pack, period) and over its "page N of
// M", every page of figures naming the units they are of, and no "###"
// where a number did not fit. The first pages are kept as PNGs under
// $FRONTLINE_ARTIFACTS/packs.
func TestPacksPrint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a district and renders it")
	}
	if raceEnabled {
		t.Skip("runs without the race detector, on its own: make test's second step")
	}
	for _, tool := range []string{"soffice", "pdfinfo", "pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("no %s on this machine: .ci/run installs libreoffice-calc-nogui and poppler-utils", tool)
			}
			t.Skipf("no %s on this machine", tool)
		}
	}
	dir := t.TempDir()
	env := map[string]string{"FRONTLINE_DB": filepath.Join(dir, "frontline.db")}
	if r := frontline(t, env, "", "demo", "--no-serve", "--cases", "20000", "--seed", "5", "--dir", dir); r.code != 0 {
		t.Fatalf("demo: exit %d: %s", r.code, r.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "registry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var reg evaluation.Registry
	if err := yaml.Unmarshal(raw, &reg); err != nil {
		t.Fatal(err)
	}
	month, year := "2026-12", "2026" // testNow is in January 2027: the demo's year is 2026
	packs := []struct {
		name      string
		args      []string
		maxPages  int
		period    string
		figures   bool // its pages of figures name units
		dataPages int  // pages of data sheets, printing their header alone
	}{
		{"meeting", []string{"meeting", "--period", month}, 10, month, true, 0},
		{"meeting-year", []string{"meeting", "--period", year}, 12, year, true, 0},
		{"unit-department", []string{"unit", "--unit", "D01", "--period", month}, 4, month, true, 0},
		{"unit-street", []string{"unit", "--unit", "S01", "--period", month}, 4, month, true, 0},
		{"cadres", []string{"cadres", "--period", month}, 6, month, true, 0},
		{"breaches", []string{"breaches", "--period", month}, 6, month, true, 2},
	}
	var files []string
	for _, p := range packs {
		file := filepath.Join(dir, p.name+".xlsx")
		if r := frontline(t, env, "", append(append([]string{"export"}, p.args...), "--out", file)...); r.code != 0 {
			t.Fatalf("export %s: exit %d: %s", p.name, r.code, r.stderr)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if problems := exportstest.Check(b); len(problems) > 0 {
			t.Errorf("%s breaks Excel's rules:\n%s", p.name, strings.Join(problems, "\n"))
		}
		files = append(files, file)
	}
	// One LibreOffice for every file, with a profile of its own: another
	// running beside it (a desktop's) would take the conversion over.
	convert := exec.Command("soffice", append([]string{"-env:UserInstallation=file://" + filepath.Join(dir, "lo-profile"),
		"--headless", "--convert-to", "pdf", "--outdir", dir}, files...)...)
	if out, err := convert.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v: %s", err, out)
	}
	var names []string
	for _, u := range reg.Units {
		if u.Kind != evaluation.Community {
			names = append(names, u.Name.Zh)
		}
	}
	artifacts := os.Getenv("FRONTLINE_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join("..", "..", "artifacts")
	}
	footer := regexp.MustCompile(`第\s*(\d+)\s*页\s*共\s*(\d+)\s*页`) // pdftotext drops the spaces between CJK
	for _, p := range packs {
		pdf := filepath.Join(dir, p.name+".pdf")
		pages := pdfPages(t, pdf)
		t.Logf("%s: %d pages (at most %d)", p.name, pages, p.maxPages)
		if pages > p.maxPages {
			t.Errorf("%s prints on %d pages, over the %d a meeting can use", p.name, pages, p.maxPages)
		}
		for page := 1; page <= pages; page++ {
			out, err := exec.Command("pdftotext", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), "-layout", pdf, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			text := string(out)
			if !strings.Contains(text, synth.DistrictName.Zh) || !strings.Contains(text, "期间 "+p.period) {
				t.Errorf("%s page %d lacks the header (district, period %s):\n%s", p.name, page, p.period, text)
			}
			if m := footer.FindStringSubmatch(text); m == nil || m[1] != strconv.Itoa(page) || m[2] != strconv.Itoa(pages) {
				t.Errorf("%s page %d lacks its footer 第 %d 页 共 %d 页: %v", p.name, page, page, pages, m)
			}
			if strings.Contains(text, "###") {
				t.Errorf("%s page %d prints ### where a number did not fit:\n%s", p.name, page, text)
			}
			// The cover, the district's figures and its satisfaction
			// are of the district; the data sheets print their header.
			district := page == 1 || strings.Contains(text, "距目标还差") || strings.Contains(text, "评价数") && strings.Contains(text, "目标") ||
				page > pages-p.dataPages
			if p.figures && !district && !containsAny(text, names) {
				t.Errorf("%s page %d carries figures without a unit's name:\n%s", p.name, page, text)
			}
		}
		if err := os.MkdirAll(filepath.Join(artifacts, "packs"), 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-r", "60", "-f", "1", "-l", "4", "-png", pdf,
			filepath.Join(artifacts, "packs", p.name)).CombinedOutput(); err != nil {
			t.Errorf("pdftoppm: %v: %s", err, out)
		}
	}
}

// pdfPages is a PDF's page count, as pdfinfo reads it.
func pdfPages(t *testing.T, pdf string) int {
	t.Helper()
	out, err := exec.Command("pdfinfo", pdf).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", pdf, err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo %s: no page count in %s", pdf, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func containsAny(text string, names []string) bool {
	for _, n := range names {
		if n != "" && strings.Contains(text, n) {
			return true
		}
	}
	return false
}

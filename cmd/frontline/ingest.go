package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/formats"
	"frontline/formats/open311"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/service"
)

// maxPrintedRejects caps the rejects printed per file; --rejects keeps all.
const maxPrintedRejects = 20

func runIngest(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("ingest")
	format := fs.String("format", "", "input format: ndjson, csv or open311 (default: from the file extension, ndjson for stdin; with --mapping, the mapping's)")
	mappingPath := fs.String("mapping", "", "read a city's export (CSV or a JSON array) through this mapping file (see docs/real-data.md)")
	register := fs.Bool("register-units", false, "add the agencies, areas and categories the data names and the registry lacks, marked as added from data")
	strict := fs.Bool("strict", false, "exit with status 3 if anything was rejected or quarantined")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object on stdout")
	rejectsPath := fs.String("rejects", "", "write every rejected record as read (it may hold personal data), with its reason, to this NDJSON file")
	batch := fs.Int("batch", ingest.DefaultBatchSize, "events per transaction")
	refresh := fs.Bool("refresh", true, "recompute the kept monthly scores of the months touched")
	reread := fs.Bool("reread", false, "read a file again even when the same content, through the same format and mapping, was ingested in full before")
	files, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return a.usagef("ingest：请至少给出一个文件，或用 - 表示标准输入", "ingest: name at least one FILE, or - for standard input")
	}
	if *format != "" && *format != "ndjson" && *format != "csv" && *format != "open311" {
		return a.usagef("ingest：--format 须为 ndjson、csv 或 open311，而不是 %q", "ingest: --format must be ndjson, csv or open311, not %q", *format)
	}
	var mapping *formats.Mapping
	mappingDigest := ""
	if *mappingPath != "" {
		data, err := os.ReadFile(*mappingPath)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		mappingDigest = hex.EncodeToString(sum[:])
		mapping, err = formats.ParseMapping(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: %w", *mappingPath, err)
		}
		if *format != "" && *format != mapping.Format {
			return a.usagef("ingest：--format 为 %s，但映射文件读的是 %s", "ingest: --format %s, but the mapping reads %s", *format, mapping.Format)
		}
	}
	if *register && mapping == nil && *format != "open311" {
		return a.usagef("ingest：--register-units 须配合 --mapping 或 --format open311 使用：Frontline 自有格式的事件只用已登记的代码",
			"ingest: --register-units needs --mapping or --format open311: events in Frontline's own format name registered codes")
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	var rejects *json.Encoder
	if *rejectsPath != "" {
		f, err := os.Create(*rejectsPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		defer w.Flush()
		rejects = json.NewEncoder(w)
	}

	var total ingest.Summary
	var registered registeredFromData
	qualities := map[string]*formats.Quality{}
	for _, name := range files {
		printed := 0
		onReject := func(r ingest.Reject) {
			if rejects != nil {
				rejects.Encode(struct {
					File string `json:"file"`
					ingest.Reject
				}{name, r})
			}
			if printed < maxPrintedRejects {
				fmt.Fprintf(a.stderr, "%s: %s\n", name, r)
			}
			printed++
		}
		// The decoder a file is read through: its format, and the mapping's content.
		decoder := "format:" + formatOf(name, *format)
		if mapping != nil {
			decoder = "mapping:" + mappingDigest
		}
		if !*reread {
			sum, stored, err := a.ingestStored(ctx, svc, s, name, decoder)
			if err != nil {
				return err
			}
			if stored {
				total.Add(sum)
				continue
			}
		}
		src, err := a.openSource(name, *format, mapping, a.policyZone(ctx, svc))
		if err != nil {
			return fmt.Errorf("ingest %s: %w", name, err)
		}
		found := src.found
		sum, err := svc.Ingest(ctx, s, service.IngestRequest{Source: name, Decoder: src.dec, BatchSize: *batch, OnReject: onReject, KeepStale: true,
			Describe: func(details map[string]any) {
				details["sha256"], details["decoder"] = src.digest(), decoder
				if found.quality != nil { // what was wrong with the data, by kind
					problems := map[string]int{}
					for kind, p := range found.quality.Problems {
						problems[kind] = p.Count
					}
					details["rows"], details["problems"], details["mapping"] = found.quality.Rows, problems, *mappingPath
				}
			}})
		src.close()
		if err != nil {
			switch {
			case sum.Accepted > 0:
				// Each batch is stored whole or not at all: say what stays.
				fmt.Fprintf(a.stderr, a.t("%s：读取 %d 条事件后因错误停止；此前接收的 %d 条已保存，重新运行同一导入会将其作为重复跳过\n",
					"%s: stopped by an error after %d events read; %d accepted before it stay stored, and running the same ingest again skips them as duplicates\n"), name, sum.Read, sum.Accepted)
			case sum.Read > 0:
				fmt.Fprintf(a.stderr, a.t("%s：读取 %d 条事件后因错误停止；未保存任何事件\n",
					"%s: stopped by an error after %d events read; none was stored\n"), name, sum.Read)
			}
			return fmt.Errorf("ingest %s: %w", name, err)
		}
		if found.quality != nil {
			qualities[name] = found.quality
			a.printQuality(name, found.quality)
		}
		if printed > maxPrintedRejects {
			fmt.Fprintf(a.stderr, a.t("%s：……另有 %d 条被拒绝（用 --rejects FILE 保存全部）\n",
				"%s: … and %d more rejected (use --rejects FILE to keep them all)\n"), name, printed-maxPrintedRejects)
		}
		if sum.Read == 0 {
			fmt.Fprintf(a.stderr, a.t("%s：文件为空，未读到事件\n", "%s: empty, no events read\n"), name)
		}
		a.printSummary(name, sum)
		if *register && found.registry != nil {
			res, err := svc.RegisterFound(ctx, s, found.registry, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, a.t("%s：按数据登记 %d 个单位、%d 个类别；放行 %d 条隔离事件\n",
				"%s: registered from the data %d units and %d categories; released %d quarantined events\n"), name, res.Units.Added, res.Categories.Added, res.Released)
			registered.Units += res.Units.Added
			registered.Categories += res.Categories.Added
			registered.Released += res.Released
			a.warnUnknownClasses(ctx, svc, found.registry)
		}
		total.Add(sum)
	}
	if *refresh {
		if err := a.refreshScores(ctx, svc); err != nil {
			return err
		}
	}
	if *asJSON {
		out := struct {
			ingest.Summary
			// With --register-units: what the data added to the registry,
			// and the quarantined events that this released into their
			// cases (quarantined counts them as they arrived).
			Registered *registeredFromData         `json:"registered,omitempty"`
			Quality    map[string]*formats.Quality `json:"quality,omitempty"`
		}{Summary: total, Quality: qualities}
		if *register {
			out.Registered = &registered
		}
		if err := json.NewEncoder(a.stdout).Encode(out); err != nil {
			return err
		}
	}
	if *strict && (total.Rejected > 0 || total.Conflicts > 0 || total.Quarantined > 0) {
		return &strictError{rejected: total.Rejected, conflicts: total.Conflicts, quarantined: total.Quarantined}
	}
	if total.Read > 0 && total.Accepted+total.Duplicates+total.Quarantined == 0 {
		// Nothing of the input was taken: a wrong layout, a wrong mapping.
		return fault.Sayf(fault.Internal, "", "未接收任何事件：读取的 %d 条全部被拒绝或冲突", "nothing accepted: all %d events read were rejected or in conflict", total.Read)
	}
	return nil
}

// registeredFromData is what --register-units added, over all files.
type registeredFromData struct {
	Units      int `json:"units"`
	Categories int `json:"categories"`
	Released   int `json:"released"`
}

func (a *app) printSummary(name string, s ingest.Summary) {
	fmt.Fprintf(a.stderr, a.t("%s：读取 %d，接收 %d，重复 %d，冲突 %d，拒绝 %d，隔离 %d\n",
		"%s: read %d, accepted %d, duplicates %d, conflicts %d, rejected %d, quarantined %d\n"),
		name, s.Read, s.Accepted, s.Duplicates, s.Conflicts, s.Rejected, s.Quarantined)
}

// foundInData is what a real-world decoder learnt besides the events:
// the problems of the data, and the registry it names.
type foundInData struct {
	quality  *formats.Quality
	registry *evaluation.Registry
}

// source is one file (or standard input) opened for ingest.
type source struct {
	dec    ingest.Decoder
	found  foundInData
	digest func() string // the SHA-256 of what was read, which the audit log records
	close  func()
}

// openSource opens one file (or standard input for "-") with the decoder
// of its format, showing a progress bar when standard error is a
// terminal. zone reads Open311 times that lack an offset.
func (a *app) openSource(name, format string, mapping *formats.Mapping, zone *time.Location) (*source, error) {
	src := &source{close: func() {}}
	var r io.Reader = a.stdin
	var size int64 = -1
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		r, src.close = f, func() { f.Close() }
	}
	format = formatOf(name, format)
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(a.stderr),
			progressbar.OptionSetDescription(filepath.Base(name)),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(200_000_000),
			progressbar.OptionClearOnFinish())
		closeFile := src.close
		src.close = func() { bar.Finish(); closeFile() }
		r = io.TeeReader(r, bar)
	}
	digest := sha256.New()
	r = io.TeeReader(r, digest)
	src.digest = func() string { return hex.EncodeToString(digest.Sum(nil)) }
	switch {
	case mapping != nil:
		d := formats.NewMappedDecoder(r, mapping)
		src.dec, src.found = d, foundInData{d.Quality(), d.Found()}
	case format == "open311":
		d := open311.NewDecoder(r, open311.Options{Location: zone})
		src.dec, src.found = d, foundInData{d.Quality(), d.Found()}
	case format == "csv":
		src.dec = formats.NewCSVDecoder(r)
	default:
		src.dec = formats.NewNDJSONDecoder(r)
	}
	return src, nil
}

// qualityLabels name the problems of real data.
var qualityLabels = map[string][2]string{
	formats.ProblemNotClosed:           {"not closed", "未结案"},
	formats.ProblemClosedBeforeOpened:  {"closed before opened", "结案早于立案"},
	formats.ProblemClosedAtOpening:     {"closed at the moment it opened", "立案即结案"},
	formats.ProblemRespondedBeforeOpen: {"responded before opened", "响应早于立案"},
	formats.ProblemDateOnly:            {"date-only time", "只有日期的时间"},
	formats.ProblemPlaceholderLocation: {"placeholder coordinates", "占位坐标"},
	formats.ProblemDuplicate:           {"marked duplicate", "标记为重复"},
	formats.ProblemRepeatedCase:        {"case id repeated", "案件编号重复"},
	formats.ProblemMissingArea:         {"no area", "缺少区域"},
	formats.ProblemMissingAgency:       {"no agency", "缺少承办部门"},
	formats.ProblemMissingCategory:     {"no category", "缺少类别"},
	formats.ProblemRejected:            {"rejected", "被拒绝"},
	formats.ProblemImplausibleTime:     {"time outside 2000–2100", "时间不在 2000–2100 年内"},
	formats.ProblemClosedWithoutNote:   {"closed without a closed note", "无结案记录而状态为已结"},
	formats.ProblemStatusContradicts:   {"status the times contradict", "状态与时间矛盾"},
	formats.ProblemCancelled:           {"cancelled: out of assessment", "已取消：不参与考核"},
	formats.ProblemDuplicateWithdrawn:  {"a duplicate by its status: out of assessment", "状态为重复件：不参与考核"},
}

// printQuality prints the data quality report: each problem, its count
// and its first example.
func (a *app) printQuality(name string, q *formats.Quality) {
	fmt.Fprintf(a.stderr, a.t("%s：数据质量，共 %d 行；有问题的行原样保留并加标记\n", "%s: data quality, %d rows; flagged rows are kept as they are\n"), name, q.Rows)
	t := &table{}
	for _, kind := range q.Kinds() {
		p := q.Problems[kind]
		label := qualityLabels[kind]
		ex := p.Examples[0]
		t.row("", a.t(label[1], label[0]), kind, strconv.Itoa(p.Count),
			fmt.Sprintf(a.t("例：第 %d 行 %s：%s", "e.g. line %d %s: %s"), ex.Line, ex.Case, ex.Detail))
	}
	t.write(a.stderr)
}

// warnUnknownClasses says when categories (found in the data, or registered) name an SLA
// class the policy in force lacks (class R, say, under a district's own
// policy): their cases are judged as class C until a policy defines it.
func (a *app) warnUnknownClasses(ctx context.Context, svc *service.Service, found *evaluation.Registry) {
	p, missing, err := svc.MissingClasses(ctx, found)
	if err != nil {
		return
	}
	for _, class := range missing {
		fmt.Fprintf(a.stderr, a.t("警告：现行规则（%s 起施行）没有 %s 类时限：登记在该类的类别按 C 类判定，直到规则中定义它（见 frontline policy show）\n",
			"warning: the policy in force (from %s) has no class %s: categories registered in it are judged as class C until a policy defines it (see frontline policy show)\n"), p.Effective, class)
	}
}

// ingestStored takes a file whose content the audit log shows was
// ingested in full through the same decoder without reading it again:
// every event a duplicate. stored is false for a file it does not know
// (or standard input), which is then read as any other.
func (a *app) ingestStored(ctx context.Context, svc *service.Service, s rbac.Principal, name, decoder string) (sum ingest.Summary, stored bool, err error) {
	digest, err := fileDigest(name)
	if err != nil {
		return sum, false, nil
	}
	n, ok, err := svc.StoredFile(ctx, s, digest, decoder)
	if err != nil || !ok {
		return sum, false, err
	}
	if sum, err = svc.IngestStoredFile(ctx, s, name, digest, decoder, n); err != nil {
		return sum, false, err
	}
	fmt.Fprintf(a.stderr, a.t("%s：同样内容的文件已经完整导入过（按同样的格式与映射），其中 %d 条事件都是重复的，不再重读（--reread 可强制重读）\n",
		"%s: a file of the same content was ingested in full before (through the same format and mapping): its %d events are all duplicates, not read again (--reread reads it anyway)\n"), name, n)
	a.printSummary(name, sum)
	return sum, true, nil
}

// formatOf is the format a file is read in: as --format says, else by its
// extension (.csv), else NDJSON (standard input too).
func formatOf(name, format string) string {
	if format != "" {
		return format
	}
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		return "csv"
	}
	return "ndjson"
}

// fileDigest is the SHA-256 of a regular file's content, hex; an error
// for standard input ("-") and anything else that is not a regular file.
func fileDigest(name string) (string, error) {
	if name == "-" {
		return "", errors.New("standard input")
	}
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

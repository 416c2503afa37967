package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"frontline/ingest"
	"frontline/rbac"
)

// maxPrintedRejects caps the rejects printed per file; --rejects keeps all.
const maxPrintedRejects = 20

func runIngest(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("ingest")
	format := fs.String("format", "", "input format: ndjson or csv (default: from the file extension, ndjson for stdin)")
	strict := fs.Bool("strict", false, "exit with status 3 if anything was rejected or quarantined")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object on stdout")
	rejectsPath := fs.String("rejects", "", "write every rejected record as read (it may hold personal data), with its reason, to this NDJSON file")
	batch := fs.Int("batch", ingest.DefaultBatchSize, "events per transaction")
	refresh := fs.Bool("refresh", true, "recompute the kept monthly scores of the months touched")
	if err := parse(fs, args); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		return usageErrorf("ingest: name at least one FILE, or - for standard input")
	}
	if *format != "" && *format != "ndjson" && *format != "csv" {
		return usageErrorf("ingest: --format must be ndjson or csv, not %q", *format)
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.authorize(ctx, db, rbac.Write, rbac.Resource{Object: "events"}); err != nil {
		return err
	}
	pseudo, err := a.pseudonymizer(ctx, db)
	if err != nil {
		return err
	}
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
	for _, name := range files {
		printed := 0
		in := &ingest.Ingester{Store: db, Pseudo: pseudo, BatchSize: *batch}
		in.OnReject = func(r ingest.Reject) {
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
		sum, digest, err := a.ingestFile(ctx, in, name, *format)
		if err != nil {
			return fmt.Errorf("ingest %s: %w", name, err)
		}
		if err := a.audit(ctx, db, "ingest", name, map[string]any{"sha256": digest, "read": sum.Read, "accepted": sum.Accepted,
			"duplicates": sum.Duplicates, "conflicts": sum.Conflicts, "rejected": sum.Rejected, "quarantined": sum.Quarantined}); err != nil {
			return err
		}
		if printed > maxPrintedRejects {
			fmt.Fprintf(a.stderr, a.t("%s: … and %d more rejected (use --rejects FILE to keep them all)\n",
				"%s：……另有 %d 条被拒绝（用 --rejects FILE 保存全部）\n"), name, printed-maxPrintedRejects)
		}
		if sum.Read == 0 {
			fmt.Fprintf(a.stderr, a.t("%s: empty, no events read\n", "%s：文件为空，未读到事件\n"), name)
		}
		a.printSummary(name, sum)
		total.Add(sum)
	}
	if *refresh {
		if err := a.refreshScores(ctx, db); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		if err := enc.Encode(total); err != nil {
			return err
		}
	}
	if *strict && (total.Rejected > 0 || total.Conflicts > 0 || total.Quarantined > 0) {
		return &strictError{rejected: total.Rejected, conflicts: total.Conflicts, quarantined: total.Quarantined}
	}
	return nil
}

func (a *app) printSummary(name string, s ingest.Summary) {
	fmt.Fprintf(a.stderr, a.t("%s: read %d, accepted %d, duplicates %d, conflicts %d, rejected %d, quarantined %d\n",
		"%s：读取 %d，接收 %d，重复 %d，冲突 %d，拒绝 %d，隔离 %d\n"),
		name, s.Read, s.Accepted, s.Duplicates, s.Conflicts, s.Rejected, s.Quarantined)
}

// ingestFile ingests one file (or standard input for "-"), showing a
// progress bar when standard error is a terminal.
func (a *app) ingestFile(ctx context.Context, in *ingest.Ingester, name, format string) (ingest.Summary, string, error) {
	var r io.Reader = a.stdin
	var size int64 = -1
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return ingest.Summary{}, "", err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		r = f
	}
	if format == "" {
		format = "ndjson"
		if strings.EqualFold(filepath.Ext(name), ".csv") {
			format = "csv"
		}
	}
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(a.stderr),
			progressbar.OptionSetDescription(filepath.Base(name)),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(200_000_000),
			progressbar.OptionClearOnFinish())
		defer bar.Finish()
		r = io.TeeReader(r, bar)
	}
	// The audit log records what was read by its SHA-256.
	digest := sha256.New()
	r = io.TeeReader(r, digest)
	var dec ingest.Decoder
	if format == "csv" {
		dec = ingest.NewCSVDecoder(r)
	} else {
		dec = ingest.NewNDJSONDecoder(r)
	}
	sum, err := in.Run(ctx, dec)
	return sum, hex.EncodeToString(digest.Sum(nil)), err
}

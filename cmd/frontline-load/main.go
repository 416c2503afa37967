// Command frontline-load puts a running Frontline server under load on
// loopback and prints what it measured: requests per second, latency
// percentiles and errors for reads, events per second for ingest, and
// the server's resident memory before and after (from its /metrics).
//
//	frontline-load reads  --url URL --token TOKEN [--case-token TOKEN] --period 2026-10 [--duration 20s] [--workers 8]
//	frontline-load ingest --url URL --token TOKEN --events FILE [--batch 1000] [--workers 2]
//
// The load itself comes from vegeta's attacker (github.com/tsenart/vegeta).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "frontline-load:", err)
		os.Exit(1)
	}
}

type config struct {
	url, token, caseToken string
	metricsToken          string
	period, events        string
	duration              time.Duration
	workers, batch        int
	asJSON                bool
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "reads" && args[0] != "ingest") {
		return errors.New("usage: frontline-load reads|ingest --url URL --token TOKEN [flags]")
	}
	mode := args[0]
	fs := flag.NewFlagSet("frontline-load "+mode, flag.ContinueOnError)
	var c config
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "the server")
	fs.StringVar(&c.token, "token", os.Getenv("FRONTLINE_TOKEN"), "an API token ($FRONTLINE_TOKEN): for reads an assessor's (scores are read), for ingest dispatch's")
	fs.StringVar(&c.caseToken, "case-token", "", "reads: a token that may read cases (an inspector's), to read cases too")
	fs.StringVar(&c.metricsToken, "metrics-token", os.Getenv("FRONTLINE_METRICS_TOKEN"), "a token that may read /metrics (an admin's), for the server's memory ($FRONTLINE_METRICS_TOKEN)")
	fs.StringVar(&c.period, "period", "", "reads: the month to read scores of (required)")
	fs.StringVar(&c.events, "events", "", "ingest: an NDJSON file of events to post (required)")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "reads: how long to load the server")
	fs.IntVar(&c.workers, "workers", 0, "requests in flight at once (default 8 for reads, 2 for ingest)")
	fs.IntVar(&c.batch, "batch", 1000, "ingest: events per request")
	fs.BoolVar(&c.asJSON, "json", false, "print the figures as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if c.token == "" && c.caseToken == "" {
		return errors.New("--token (or, for reads, --case-token) is required")
	}
	c.url = strings.TrimRight(c.url, "/")
	before, err := residentMemory(ctx, c.url, c.metricsToken)
	if err != nil {
		return err
	}
	var r report
	switch mode {
	case "reads":
		if c.period == "" {
			return errors.New("reads: --period is required")
		}
		r, err = reads(ctx, c)
	case "ingest":
		if c.events == "" {
			return errors.New("ingest: --events is required")
		}
		r, err = ingest(ctx, c)
	}
	if err != nil {
		return err
	}
	if r.RSSAfterMB, err = residentMemory(ctx, c.url, c.metricsToken); err != nil {
		return err
	}
	r.Mode, r.RSSBeforeMB = mode, before
	if c.asJSON {
		return json.NewEncoder(out).Encode(r)
	}
	r.print(out)
	return nil
}

// report is what one run measured.
type report struct {
	Mode        string         `json:"mode"`
	Workers     int            `json:"workers"`
	Requests    uint64         `json:"requests"`
	Seconds     float64        `json:"seconds"`
	PerSecond   float64        `json:"requests_per_second"`
	Events      int            `json:"events,omitempty"`
	EventsPerS  float64        `json:"events_per_second,omitempty"`
	P50, P99    float64        `json:"-"`
	P50ms       float64        `json:"p50_ms"`
	P99ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	Errors      int            `json:"errors"`
	Status      map[string]int `json:"status_codes"`
	ErrorText   []string       `json:"error_text,omitempty"`
	RSSBeforeMB float64        `json:"rss_before_mb"`
	RSSAfterMB  float64        `json:"rss_after_mb"`
}

func (r report) print(w io.Writer) {
	fmt.Fprintf(w, "%s: %d requests in %.1f s with %d workers: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms, %d errors %v\n",
		r.Mode, r.Requests, r.Seconds, r.Workers, r.PerSecond, r.P50ms, r.P99ms, r.MaxMs, r.Errors, r.Status)
	if r.Events > 0 {
		fmt.Fprintf(w, "%s: %d events accepted: %.0f events/s\n", r.Mode, r.Events, r.EventsPerS)
	}
	for _, e := range r.ErrorText {
		fmt.Fprintf(w, "%s: error: %s\n", r.Mode, e)
	}
	fmt.Fprintf(w, "%s: server resident memory %.0f MB before, %.0f MB after\n", r.Mode, r.RSSBeforeMB, r.RSSAfterMB)
}

// reads loads the server with score and case reads: every unit's scores
// of the month, each unit's scores, and cases of the units, in turn.
func reads(ctx context.Context, c config) (report, error) {
	if c.workers == 0 {
		c.workers = 8
	}
	var targets []vegeta.Target
	if c.token != "" {
		header := http.Header{"Authorization": {"Bearer " + c.token}}
		var scores struct {
			Units []struct{ Unit string } `json:"units"`
		}
		if err := getJSON(ctx, c.url+"/api/v1/scores?period="+c.period+"&per_page=1000", header, &scores); err != nil {
			return report{}, err
		}
		if len(scores.Units) == 0 {
			return report{}, fmt.Errorf("no unit has scores in %s", c.period)
		}
		get := func(path string) {
			targets = append(targets, vegeta.Target{Method: "GET", URL: c.url + path, Header: header})
		}
		for i, u := range scores.Units {
			if i%8 == 0 {
				get("/api/v1/scores?period=" + c.period)
			}
			get("/api/v1/units/" + u.Unit + "/scores?period=" + c.period)
		}
	}
	if c.caseToken != "" {
		caseHeader := http.Header{"Authorization": {"Bearer " + c.caseToken}}
		cases, err := caseIDs(ctx, c, caseHeader)
		if err != nil {
			return report{}, err
		}
		// As many case reads as score reads.
		for i := range max(len(targets), len(cases)) {
			targets = append(targets, vegeta.Target{Method: "GET", URL: c.url + "/api/v1/cases/" + cases[i%len(cases)], Header: caseHeader})
		}
	}
	return attack(vegeta.NewStaticTargeter(targets...), c.workers, c.duration, "reads", nil)
}

// caseIDs finds case ids to read through the breaches of the month.
func caseIDs(ctx context.Context, c config, header http.Header) ([]string, error) {
	var breaches struct {
		Breaches []struct {
			Case string `json:"case"`
		} `json:"breaches"`
	}
	if err := getJSON(ctx, c.url+"/api/v1/breaches?period="+c.period, header, &breaches); err != nil {
		return nil, err
	}
	var ids []string
	for i, b := range breaches.Breaches {
		if i >= 200 {
			break
		}
		ids = append(ids, b.Case)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no breach in %s to find cases by", c.period)
	}
	return ids, nil
}

// ingest posts the events of a file in batches, each once, as fast as the
// server takes them.
func ingest(ctx context.Context, c config) (report, error) {
	if c.workers == 0 {
		c.workers = 2
	}
	f, err := os.Open(c.events)
	if err != nil {
		return report{}, err
	}
	defer f.Close()
	var batches [][]byte
	var buf bytes.Buffer
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		buf.Write(sc.Bytes())
		buf.WriteByte('\n')
		if n++; n%c.batch == 0 {
			batches = append(batches, bytes.Clone(buf.Bytes()))
			buf.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		return report{}, err
	}
	if buf.Len() > 0 {
		batches = append(batches, bytes.Clone(buf.Bytes()))
	}
	header := http.Header{"Authorization": {"Bearer " + c.token}, "Content-Type": {"application/x-ndjson"}}
	var mu sync.Mutex
	next := 0
	targeter := func(t *vegeta.Target) error {
		mu.Lock()
		defer mu.Unlock()
		if next == len(batches) {
			return vegeta.ErrNoTargets
		}
		*t = vegeta.Target{Method: "POST", URL: c.url + "/api/v1/events", Header: header, Body: batches[next]}
		next++
		return nil
	}
	accepted := 0
	r, err := attack(targeter, c.workers, 0, "ingest", func(body []byte) {
		var sum struct{ Accepted int }
		if json.Unmarshal(body, &sum) == nil {
			accepted += sum.Accepted
		}
	})
	r.Events = accepted
	if r.Seconds > 0 {
		r.EventsPerS = float64(accepted) / r.Seconds
	}
	return r, err
}

// attack runs the targets with a fixed number of workers and no pacing:
// as many requests per second as the server answers.
func attack(tr vegeta.Targeter, workers int, d time.Duration, name string, each func(body []byte)) (report, error) {
	a := vegeta.NewAttacker(vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)), vegeta.Connections(workers),
		vegeta.KeepAlive(true), vegeta.Timeout(5*time.Minute))
	var m vegeta.Metrics
	for res := range a.Attack(tr, vegeta.ConstantPacer{}, d, name) {
		if res.Error == vegeta.ErrNoTargets.Error() {
			continue // the end of a fixed set of targets, not a request
		}
		if each != nil && res.Code == http.StatusOK {
			each(res.Body)
		}
		res.Body = nil
		m.Add(res)
	}
	m.Close()
	r := report{Workers: workers, Requests: m.Requests, Seconds: m.Duration.Seconds() + m.Wait.Seconds(), Status: m.StatusCodes,
		P50ms: ms(m.Latencies.P50), P99ms: ms(m.Latencies.P99), MaxMs: ms(m.Latencies.Max), ErrorText: m.Errors}
	if r.Seconds > 0 {
		r.PerSecond = float64(m.Requests) / r.Seconds
	}
	for code, n := range m.StatusCodes {
		if code != "200" {
			r.Errors += n
		}
	}
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func getJSON(ctx context.Context, url string, header http.Header, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	req.Header = header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("GET %s: %s: %s", url, res.Status, b)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// residentMemory reads the server's process_resident_memory_bytes, in MB.
func residentMemory(ctx context.Context, url, token string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the server's /metrics answered %s: give --metrics-token an admin's token", res.Status)
	}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f / 1e6, err
		}
	}
	return 0, errors.New("the server's /metrics has no process_resident_memory_bytes")
}

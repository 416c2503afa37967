// Command eventcsv turns an NDJSON event file into the CSV that the ingest
// benchmark loads with sqlite3 .import and psql \copy: the columns of the
// events table (id, case_id, type, at, unit, hash, body), so that the
// baseline writes the same rows into the same keys and indexes.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "eventcsv:", err)
		os.Exit(1)
	}
}

func run() error {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	w := csv.NewWriter(out)
	for in.Scan() {
		line := in.Bytes()
		var e struct {
			ID   string    `json:"id"`
			Case string    `json:"case"`
			Type string    `json:"type"`
			At   time.Time `json:"at"`
			Unit string    `json:"unit"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		sum := sha256.Sum256(line)
		if err := w.Write([]string{e.ID, e.Case, e.Type, e.At.UTC().Format("2006-01-02 15:04:05-07:00"),
			e.Unit, `\x` + hex.EncodeToString(sum[:]), string(line)}); err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return out.Flush()
}

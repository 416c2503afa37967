// Command eventfloor measures the floor under frontline's ingest: it
// writes only the event rows of the benchmark's CSV (eventcsv's columns)
// into the events table of a frontline database, through the same driver
// and the same way frontline does (SQLite: prepared multi-row statements
// on modernc.org/sqlite; PostgreSQL: pgx COPY), in transactions of 16,384
// events, nothing derived. The ingest benchmark prints frontline's time
// against this one, measured in the same run.
//
//	eventfloor DB < events.csv
//
// DB is a SQLite file or a postgres:// URL; its events table must be empty.
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

const batch = 16384

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: eventfloor DB < events.csv")
		os.Exit(2)
	}
	start := time.Now()
	n, err := run(context.Background(), os.Args[1], csv.NewReader(os.Stdin))
	if err != nil {
		fmt.Fprintln(os.Stderr, "eventfloor:", err)
		os.Exit(1)
	}
	fmt.Printf("%d events in %.2f s\n", n, time.Since(start).Seconds())
}

// row is one event as the events table holds it.
type row struct {
	seq             int64
	id, caseID, typ string
	at              time.Time
	unit            any // nil or string
	hash, chain     []byte
	body            string
}

func run(ctx context.Context, dsn string, in *csv.Reader) (int, error) {
	postgres := strings.HasPrefix(dsn, "postgres")
	var db *sql.DB
	var err error
	if postgres {
		db, err = sql.Open("pgx", dsn)
	} else {
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-16384)&_pragma=temp_store(MEMORY)&_time_format=sqlite&_txlock=immediate")
	}
	if err != nil {
		return 0, err
	}
	defer db.Close()
	write := writeSQLite
	if postgres {
		write = writePostgres
	}
	var rows []row
	var chain [32]byte
	total := 0
	for {
		rec, err := in.Read()
		if err != nil && !errors.Is(err, io.EOF) {
			return total, err
		}
		if err == nil {
			r, err := parse(rec)
			if err != nil {
				return total, err
			}
			chain = sha256.Sum256(append(chain[:], r.hash...))
			r.chain = append([]byte(nil), chain[:]...)
			r.seq = int64(total + len(rows) + 1)
			rows = append(rows, r)
		}
		if len(rows) == batch || (errors.Is(err, io.EOF) && len(rows) > 0) {
			if err := write(ctx, db, rows); err != nil {
				return total, err
			}
			total += len(rows)
			rows = rows[:0]
		}
		if errors.Is(err, io.EOF) {
			return total, nil
		}
	}
}

func parse(rec []string) (row, error) {
	if len(rec) != 7 {
		return row{}, fmt.Errorf("%d columns, want 7", len(rec))
	}
	at, err := time.Parse("2006-01-02 15:04:05-07:00", rec[3])
	if err != nil {
		return row{}, err
	}
	hash, err := hex.DecodeString(strings.TrimPrefix(rec[5], `\x`))
	if err != nil {
		return row{}, err
	}
	r := row{id: rec[0], caseID: rec[1], typ: rec[2], at: at, hash: hash, body: rec[6]}
	if rec[4] != "" {
		r.unit = rec[4]
	}
	return r, nil
}

var columns = []string{"seq", "id", "case_id", "type", "at", "unit", "hash", "body", "chain"}

// writeSQLite inserts rows in one transaction, 256 to a prepared statement.
func writeSQLite(ctx context.Context, db *sql.DB, rows []row) error {
	const perStmt = 256
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	statement := func(n int) string {
		return "INSERT INTO events (" + strings.Join(columns, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
	}
	full, err := tx.PrepareContext(ctx, statement(perStmt))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, perStmt*len(columns))
	for i, r := range rows {
		args = append(args, r.seq, r.id, r.caseID, r.typ, r.at, r.unit, r.hash, r.body, r.chain)
		if len(args) == cap(args) {
			if _, err := full.ExecContext(ctx, args...); err != nil {
				return err
			}
			args = args[:0]
		} else if i == len(rows)-1 {
			if _, err := tx.ExecContext(ctx, statement(len(args)/len(columns)), args...); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// writePostgres copies rows in one transaction.
func writePostgres(ctx context.Context, db *sql.DB, rows []row) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		return pgx.BeginFunc(ctx, dc.(*stdlib.Conn).Conn(), func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, columns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				r := rows[i]
				return []any{r.seq, r.id, r.caseID, r.typ, r.at, r.unit, r.hash, r.body, r.chain}, nil
			}))
			return err
		})
	})
}

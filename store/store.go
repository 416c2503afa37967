// Package store keeps Frontline's data in SQLite or PostgreSQL through bun:
// the event log, the registry, quarantine and the derived case state.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	"golang.org/x/sys/unix"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"frontline/evaluation"
	"frontline/fault"
)

// Engine is a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// EngineOf returns the engine a DSN selects: PostgreSQL for postgres:// and
// postgresql:// URLs, SQLite for anything else (a file path).
func EngineOf(dsn string) Engine {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return Postgres
	}
	return SQLite
}

//go:embed migrations
var migrationFiles embed.FS

// DB is a Frontline database.
type DB struct {
	bun *bun.DB
	sql *sql.DB
	// reads is a pool for long reads that may run side by side (on
	// SQLite, read-only connections beside the one writer; on
	// PostgreSQL, the same pool as bun).
	reads  *bun.DB
	engine Engine
	path   string // the SQLite file
	dsn    string // the PostgreSQL database, for its tools (pg_dump)
	// parsePolicies reads the stored policy texts (WithPolicyFormat).
	parsePolicies func(sources [][]byte) (evaluation.Policies, error)
	// readOnly is set when the SQLite file's storage cannot be written:
	// the database serves reads, and every write fails with a clear
	// error.
	readOnly bool
	liteDSN  string // the connection string of the SQLite file
	now      func() time.Time
	rules    rulesCache
	kept     keptCache
	scoring  scoringCache
	// stmts holds the statements prepared on the reads pool for the
	// queries every request runs (see prepared).
	audits      auditQueue
	cases       caseCache
	stmts       sync.Map
	caseSQLOnce sync.Once
	caseSQL     caseSQL
	// foundStored says the last batch looked up found some of its ids
	// stored: the next large one looks its ids up before writing.
	foundStored atomic.Bool
}

// Option configures Open.
type Option func(*DB)

// WithPolicyFormat sets how stored policy texts are read into the
// versions in force: storage keeps the texts and reads them with this.
func WithPolicyFormat(parse func(sources [][]byte) (evaluation.Policies, error)) Option {
	return func(db *DB) { db.parsePolicies = parse }
}

// WithClock sets the clock used for stored timestamps (tests fix it).
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// Open connects to the database that dsn names, creating a SQLite file if
// needed, and runs the embedded migrations.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	db := &DB{engine: EngineOf(dsn), now: time.Now}
	for _, o := range opts {
		o(db)
	}
	if db.parsePolicies == nil {
		return nil, errors.New("open: no policy format given (store.WithPolicyFormat)")
	}
	var err error
	switch db.engine {
	case Postgres:
		db.dsn = dsn
		db.sql, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.sql.SetMaxOpenConns(16)
		db.sql.SetMaxIdleConns(16)
		db.bun = bun.NewDB(db.sql, pgdialect.New())
		db.reads = db.bun
	default:
		db.path = dsn
		base, err := db.sqliteBase(dsn)
		if err != nil {
			return nil, err
		}
		db.liteDSN = base
		db.sql, err = sql.Open("sqlite", base)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", dsn, err)
		}
		// One connection: SQLite allows one writer, and a single connection
		// turns lock contention into queueing in Go instead of busy errors.
		db.sql.SetMaxOpenConns(1)
		db.sql.SetConnMaxIdleTime(0)
		db.bun = bun.NewDB(db.sql, sqlitedialect.New())
		// In WAL mode readers do not wait for the writer, nor it for them.
		// Readers map the file (up to 1 GiB), which spares SQLite a copy
		// of every page it reads, and sort large answers (a year of
		// breaches) in temporary files rather than in memory.
		reads, err := sql.Open("sqlite", base+"&_pragma=query_only(1)&_pragma=mmap_size(1073741824)&_pragma=temp_store(FILE)")
		if err != nil {
			db.sql.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", dsn, err)
		}
		reads.SetMaxOpenConns(4)
		reads.SetMaxIdleConns(4) // kept open: opening a connection costs more than most reads
		db.reads = bun.NewDB(reads, sqlitedialect.New())
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.Close()
		if db.readOnly {
			// SQLite reads a file in WAL mode only with its lock files
			// beside it, or as immutable on read-only storage.
			return nil, fmt.Errorf("open %s for reading only, as its storage cannot be written: SQLite needs to create its lock files (%s-shm) beside it; run as the file's owner or copy it elsewhere: %w", dsn, filepath.Base(dsn), err)
		}
		return nil, fmt.Errorf("connect to %s database: %w", db.engine, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if !db.readOnly {
		if err := db.chainStored(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("chain the stored events: %w", err)
		}
		// Cases a stopped ingest left underived are derived now; if that
		// fails too (a full disk), they stay listed, and the database
		// opens, saying so (Underived), to be read and repaired.
		db.deriveUnderived(ctx)
	}
	return db, nil
}

// sqliteBase returns the connection string of the SQLite file at path. A
// file whose storage cannot be written (a read-only file system, a file or
// directory the process may not write) is opened read-only, so that it can
// still be read: SQLite would otherwise fail to create the write-ahead
// log's files. On a read-only file system, with no write-ahead log to
// replay, no one can change the file, and it is opened as immutable,
// which needs none of those files. The kernel judges what may be written:
// access(2) answers EROFS on a read-only file system even to root.
func (db *DB) sqliteBase(path string) (string, error) {
	dirErr := unix.Access(filepath.Dir(path), unix.W_OK)
	if dirErr == nil && (!exists(path) || unix.Access(path, unix.W_OK) == nil) {
		return sqliteDSN(path, ""), nil
	}
	if !exists(path) {
		return "", &fault.Error{Op: "create database", Kind: fault.Unavailable,
			Err: fmt.Errorf("%s does not exist and its directory cannot be written: %w", path, dirErr)}
	}
	db.readOnly = true
	if st, err := os.Stat(path + "-wal"); dirErr == unix.EROFS && (err != nil || st.Size() == 0) {
		return sqliteDSN(path, "immutable"), nil
	}
	return sqliteDSN(path, "ro"), nil
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// ReadOnly says whether the database was opened read-only because its
// storage cannot be written.
func (db *DB) ReadOnly() bool { return db.readOnly }

// sqliteDSN is the connection string of the SQLite file at path; mode is
// "" to read and write, "ro" to read a file whose write-ahead log holds
// changes, "immutable" to read a file that no one can change, or "copy"
// to change a file no one else has open, with no log beside it.
func sqliteDSN(path, mode string) string {
	q := url.Values{}
	pragmas := []string{"page_size(8192)", "busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)", "cache_size(-16384)", "temp_store(MEMORY)"}
	switch mode {
	case "ro":
		q.Set("mode", "ro")
		pragmas = []string{"busy_timeout(10000)", "cache_size(-16384)", "temp_store(MEMORY)"}
	case "immutable":
		q.Set("mode", "ro")
		q.Set("immutable", "1")
		pragmas = []string{"cache_size(-16384)", "temp_store(MEMORY)"}
	case "copy": // a file of our own, such as a backup being written: no log beside it
		pragmas = []string{"busy_timeout(10000)", "journal_mode(DELETE)", "secure_delete(ON)"}
	}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	if mode == "" {
		q.Set("_txlock", "immediate")
	}
	// The path is part of a URI: a '#' or '?' in it would end the path.
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + q.Encode()
}

// Engine returns the database engine.
func (db *DB) Engine() Engine { return db.engine }

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	if db.reads != db.bun {
		db.reads.Close()
	}
	return db.sql.Close()
}

// prepared returns query prepared on the reads pool, preparing it the
// first time. The queries each API request runs go through here: SQLite
// spends more time parsing such a small query than running it. Queries
// write their parameters as $1, $2…, which both engines read.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.reads.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// scanPrepared runs a prepared query and scans its rows into dest, a
// pointer to a slice of a bun model, by column name.
func (db *DB) scanPrepared(ctx context.Context, query string, dest any, args ...any) error {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := db.reads.ScanRows(ctx, rows, dest); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return rows.Err()
}

// Empty says whether the database holds no events and no users yet.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var held bool
	err := db.sql.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM users)").Scan(&held)
	return !held, db.wrap("check the database is empty", err)
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

func (db *DB) migrate(ctx context.Context) error {
	dir, err := fs.Sub(migrationFiles, "migrations/"+string(db.engine))
	if err != nil {
		return err
	}
	migrations := migrate.NewMigrations()
	if err := migrations.Discover(dir); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	m := migrate.NewMigrator(db.bun, migrations, migrate.WithMarkAppliedOnSuccess(true))
	if db.readOnly {
		// Nothing can be migrated: the schema must be current already.
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return fmt.Errorf("read the schema's version of %s (read-only storage): %w", db.path, err)
		}
		if pending := ms.Unapplied(); len(pending) > 0 {
			return &fault.Error{Op: "migrate", Kind: fault.Unavailable,
				Err: fmt.Errorf("%s needs %d schema upgrades, but its storage is read-only", db.path, len(pending))}
		}
		return nil
	}
	if db.engine == Postgres {
		// Serialise concurrent starts; SQLite's write lock already does.
		// The lock belongs to a session: take and release it on one
		// pinned connection.
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7001)"); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7001)")
	}
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("migrate: init: %w", err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Setting returns the value kept under key, and whether there is one.
func (db *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var row settingRow
	err := db.bun.NewSelect().Model(&row).Where("key = ?", key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, db.wrap("read setting", err)
	}
	return row.Value, true, nil
}

// AddSetting keeps value under key unless a value is kept there already,
// and returns the value kept: a concurrent first use keeps the first.
func (db *DB) AddSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := db.bun.NewInsert().Model(&settingRow{Key: key, Value: value}).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
		return "", db.wrap("keep setting", err)
	}
	kept, _, err := db.Setting(ctx, key)
	return kept, err
}

// DeleteSetting removes the value kept under key, overwriting it where
// the engine allows: on SQLite the freed page is zeroed (secure_delete)
// and the write-ahead log checkpointed, so that no copy of the value stays
// in the file.
func (db *DB) DeleteSetting(ctx context.Context, key string) error {
	if db.engine == Postgres {
		_, err := db.sql.ExecContext(ctx, "DELETE FROM settings WHERE key = $1", key)
		return db.wrap("delete setting", err)
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return db.wrap("delete setting", err)
	}
	defer conn.Close()
	for _, q := range []string{"PRAGMA secure_delete = ON", "DELETE FROM settings WHERE key = '" + strings.ReplaceAll(key, "'", "''") + "'",
		"PRAGMA secure_delete = OFF", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return db.wrap("delete setting", err)
		}
	}
	return nil
}

type settingRow struct {
	bun.BaseModel `bun:"table:settings"`
	Key           string `bun:"key,pk"`
	Value         string `bun:"value"`
}

// Unavailable says whether err means the database cannot be reached or
// serve now, so that the same request may succeed later: a connection
// refused, reset or cut, PostgreSQL's connection errors (class 08),
// shutdowns (57P01–57P03) and exhausted resources (class 53: disk full,
// too many connections), SQLite busy past its timeout, or its storage
// refusing a write (see StorageFault).
// Judged by type and code, never by text.
func Unavailable(err error) bool {
	var pg *pgconn.PgError
	var lite *sqlite.Error
	var connect *pgconn.ConnectError
	var netErr net.Error
	switch {
	case err == nil:
		return false
	case errors.As(err, &pg):
		// Connection lost, server shutting down, or out of resources
		// (disk full, too many connections).
		return strings.HasPrefix(pg.Code, "08") || strings.HasPrefix(pg.Code, "53") ||
			pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03"
	case errors.As(err, &lite):
		switch lite.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR:
			return true
		}
		return false
	}
	return errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || pgconn.SafeToRetry(err)
}

// Storage faults: what a SQLite file's storage did to refuse a write.
const (
	StorageFull     = "full"
	StorageReadOnly = "read-only"
	StorageFailed   = "failed" // an I/O error
)

// StorageFault says how a SQLite file's storage refused a write, or ""
// if err is no such refusal. The database may still read; writes wait
// for an operator.
func StorageFault(err error) string {
	var lite *sqlite.Error
	if !errors.As(err, &lite) {
		return ""
	}
	switch lite.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return StorageFull
	case sqlite3.SQLITE_READONLY:
		return StorageReadOnly
	case sqlite3.SQLITE_IOERR:
		return StorageFailed
	}
	return ""
}

// explainStorage says in words what a SQLite storage fault means for the
// data: the step that failed wrote nothing, and what was stored is whole.
func (db *DB) explainStorage(err error) error {
	switch StorageFault(err) {
	case StorageFull:
		return fmt.Errorf("the disk that holds %s is full; this step wrote nothing and the data stored before it is intact; free space and try again: %w", db.path, err)
	case StorageReadOnly:
		return fmt.Errorf("%s is on storage that cannot be written (read-only); this step wrote nothing: %w", db.path, err)
	case StorageFailed:
		return fmt.Errorf("the disk that holds %s failed to read or write (an I/O error); this step wrote nothing; check the disk: %w", db.path, err)
	}
	return err
}

// wrap gives a driver error its kind, judged by error code, never by text.
func (db *DB) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	kind := fault.Internal
	var pg *pgconn.PgError
	var lite *sqlite.Error
	switch {
	case Unavailable(err):
		kind = fault.Unavailable
		err = db.explainStorage(err)
	case errors.Is(err, sql.ErrNoRows):
		kind = fault.NotFound
	case errors.As(err, &pg):
		switch pg.Code {
		case "23505", "23503", "40001":
			kind = fault.Conflict
		case "22P02", "22007", "22008", "23502", "23514":
			kind = fault.Invalid
		}
	case errors.As(err, &lite):
		switch lite.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			kind = fault.Conflict
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
			kind = fault.Invalid
		}
	}
	return &fault.Error{Op: op, Kind: kind, Err: err}
}

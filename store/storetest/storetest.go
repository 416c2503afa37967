// Package storetest gives tests a fresh database on every engine that
// this machine can offer: SQLite always, PostgreSQL when
// FRONTLINE_TEST_POSTGRES names a server.
package storetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// PostgresEnv names the variable holding the PostgreSQL test server's DSN.
const PostgresEnv = "FRONTLINE_TEST_POSTGRES"

// ForEachDSN runs f once per engine, each with the DSN of a fresh, empty
// database. Without FRONTLINE_TEST_POSTGRES the PostgreSQL run is skipped;
// with it set, it never is.
func ForEachDSN(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv(PostgresEnv)
		if dsn == "" {
			t.Skip(PostgresEnv + " is not set")
		}
		f(t, Postgres(t, dsn))
	})
}

// SQLite returns the path of a new SQLite file in the test's temp dir.
func SQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "test.db")
}

// Postgres creates a schema of its own for one test and returns a DSN
// whose search path points at it; the schema is dropped afterwards.
func Postgres(t testing.TB, dsn string) string {
	t.Helper()
	schema := create(t, dsn, "SCHEMA", "CASCADE")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// Real311 finds the real 311 samples: $FRONTLINE_REAL311, or
// shared/data/real311 beside the project (from a test's package
// directory, ../../shared or ../../../shared). Outside CI a machine
// without them skips the test; in CI it fails.
func Real311(t testing.TB) string {
	t.Helper()
	for _, dir := range []string{os.Getenv("FRONTLINE_REAL311"), filepath.Join("..", "..", "shared", "data", "real311"),
		filepath.Join("..", "..", "..", "shared", "data", "real311")} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "README.md")); err == nil {
			return dir
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the real 311 samples are not here: set FRONTLINE_REAL311 to shared/data/real311")
	}
	t.Skip("the real 311 samples are not here (set FRONTLINE_REAL311)")
	return ""
}

// PostgresDatabase creates a database of its own for one test (where a
// schema will not do: pg_dump and pg_restore work on whole databases)
// and returns its DSN; the database is dropped afterwards.
func PostgresDatabase(t testing.TB, dsn string) string {
	t.Helper()
	name := create(t, dsn, "DATABASE", "WITH (FORCE)")
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// create makes a schema or a database with a random name on the server
// dsn names, dropped (with dropOption) when the test ends.
func create(t testing.TB, dsn, what, dropOption string) string {
	t.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE " + what + " " + name); err != nil {
		t.Fatalf("create %s: %v", strings.ToLower(what), err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP " + what + " " + name + " " + dropOption)
		admin.Close()
	})
	return name
}

// Fresh returns a new, empty database of dsn's engine.
func Fresh(t testing.TB, dsn string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return Postgres(t, os.Getenv(PostgresEnv))
	}
	return SQLite(t)
}

// Exec runs statements on the database dsn names, on a connection of its
// own: a test that tampers with what Frontline stored.
func Exec(t testing.TB, dsn string, statements ...string) {
	t.Helper()
	driver, conn := "sqlite", dsn
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range statements {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

package storetest

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Disk is a small file system of its own for one test: a tmpfs that can
// fill up, grow and turn read-only, or an ext4 file system that can fail
// under open files. Mounting needs
// root; elsewhere the test is skipped, except in CI, where it fails.
type Disk struct {
	Dir   string
	t     testing.TB
	image string // the file behind a loop device's file system
}

// SmallDisk mounts a tmpfs of size (as mount reads it: "3m") on a new
// directory, unmounted when the test ends.
func SmallDisk(t testing.TB, size string) *Disk {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		msg := "a small disk needs mount (root): " + strings.TrimSpace(string(out))
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// Runs before TempDir's removal, as cleanups run last-in first-out.
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return &Disk{Dir: dir, t: t}
}

// Remount changes the disk's options: "size=64m" to grow it, "ro" to make
// it read-only, "rw" to make it writable again. A file system with a file
// open for writing cannot turn read-only.
func (d *Disk) Remount(options string) {
	d.t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+options, d.Dir).CombinedOutput(); err != nil {
		d.t.Fatalf("remount %s: %v %s", options, err, out)
	}
}

// FailingDisk mounts a small ext4 file system of its own (a loop device
// over a file in the test's temp dir) that turns read-only on its first
// error, as a server's disks are mounted. Fail makes that error happen
// under the files open on it, as a failing disk does.
func FailingDisk(t testing.TB, size string) *Disk {
	t.Helper()
	image := filepath.Join(t.TempDir(), "disk.img")
	dir := t.TempDir()
	for _, c := range [][]string{{"truncate", "-s", size, image}, {"mkfs.ext4", "-q", "-F", image},
		{"mount", "-o", "loop,errors=remount-ro", image, dir}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			msg := fmt.Sprintf("a failing disk needs %s (root, loop devices): %v %s", c[0], err, out)
			if os.Getenv("CI") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return &Disk{Dir: dir, t: t, image: image}
}

// Fail makes the file system meet an error, as a failing disk does: it
// turns read-only at once, under the files open on it.
func (d *Disk) Fail() {
	d.t.Helper()
	out, err := exec.Command("findmnt", "-n", "-o", "SOURCE", d.Dir).Output()
	if err != nil {
		d.t.Fatalf("findmnt %s: %v", d.Dir, err)
	}
	trigger := filepath.Join("/sys/fs/ext4", filepath.Base(strings.TrimSpace(string(out))), "trigger_fs_error")
	if err := os.WriteFile(trigger, []byte("frontline test\n"), 0); err != nil {
		d.t.Fatalf("fail the disk: %v", err)
	}
}

// Repair unmounts the failed file system, checks and repairs it with
// e2fsck, as an operator would, and mounts it again, writable.
func (d *Disk) Repair() {
	d.t.Helper()
	for _, c := range [][]string{{"umount", d.Dir}, {"e2fsck", "-f", "-y", d.image},
		{"mount", "-o", "loop,errors=remount-ro", d.image, d.Dir}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			var exit *exec.ExitError
			// e2fsck exits 1 when it corrected the file system.
			if c[0] == "e2fsck" && errors.As(err, &exit) && exit.ExitCode() == 1 {
				continue
			}
			d.t.Fatalf("%s: %v %s", c[0], err, out)
		}
	}
}

// SQLiteIntegrity runs SQLite's own check of the whole file at path.
func SQLiteIntegrity(t testing.TB, path string) {
	t.Helper()
	if verdict := querySQLite[string](t, path, "PRAGMA integrity_check"); verdict != "ok" {
		t.Errorf("integrity_check of %s: %q", path, verdict)
	}
}

// SQLiteEvents counts the events the SQLite file at path holds.
func SQLiteEvents(t testing.TB, path string) int {
	t.Helper()
	return querySQLite[int](t, path, "SELECT count(*) FROM events")
}

// querySQLite asks the SQLite file at path one question, on a connection
// of its own that is closed before it returns (a disk with a file open
// for writing cannot be remounted).
func querySQLite[T any](t testing.TB, path, query string) T {
	t.Helper()
	var v T
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.QueryRow(query).Scan(&v); err != nil {
		t.Fatalf("%s on %s: %v", query, path, err)
	}
	return v
}

// SQLiteCount answers a count query on the SQLite file at path.
func SQLiteCount(t testing.TB, path, query string) int {
	t.Helper()
	return querySQLite[int](t, path, query)
}

// SQLiteSetting returns the value kept under key in the SQLite file at
// path, or "".
func SQLiteSetting(t testing.TB, path, key string) string {
	t.Helper()
	return querySQLite[string](t, path, "SELECT coalesce(max(value), '') FROM settings WHERE key = '"+strings.ReplaceAll(key, "'", "''")+"'")
}

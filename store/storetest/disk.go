package storetest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Disk is a small file system of its own (a tmpfs) for one test: it can
// fill up, grow and turn read-only, as a real disk does. Mounting needs
// root; elsewhere the test is skipped, except in CI, where it fails.
type Disk struct {
	Dir string
	t   testing.TB
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

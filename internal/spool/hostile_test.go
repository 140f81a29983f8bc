//go:build unix

package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"
)

// Hostile local state in the spool: each test plants what an attacker (any
// process of the user's, or another user in a shared HOME) or an accident
// can put there, and checks that no run hangs, nothing outside the spool is
// touched and real invocations are not pushed out.

// name is a spool file name, as this package writes them.
func name(t time.Time, size int, id string) string {
	return fmt.Sprintf("%020d-%d-%s.pb", t.UnixNano(), size, id)
}

func realRuns(t *testing.T, sp *Spool, n int) {
	t.Helper()
	c := &Exporter{Spool: sp}
	for i := range n {
		c.ID = fmt.Sprint("real", i)
		if err := c.write(invocation(c.ID)); err != nil {
			t.Fatal(err)
		}
	}
}

func countReal(sp *Spool) int {
	files, _ := sp.Files()
	n := 0
	for _, f := range files {
		if strings.Contains(f.Name, "-real") {
			n++
		}
	}
	return n
}

func TestSymlinkedSpoolDirectoryIsRefused(t *testing.T) {
	base := private(t)
	elsewhere := filepath.Join(base, "elsewhere")
	os.Mkdir(elsewhere, 0o700)
	victim := filepath.Join(elsewhere, name(time.Now().Add(-30*24*time.Hour), 3, "x"))
	os.WriteFile(victim, []byte("abc"), 0o600)
	sp := New(filepath.Join(base, "spool"))
	os.Symlink(elsewhere, sp.Dir)
	sp.Trim()
	sp.Clear()
	if _, err := sp.Write([]byte("x"), "a"); err == nil {
		t.Error("wrote into a symlinked spool")
	}
	if err := sp.Ensure(); err == nil {
		t.Error("a symlinked spool is usable")
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatal("a file outside the spool was deleted through a symlinked spool directory")
	}
}

func TestSpecialFilesInTheSpool(t *testing.T) {
	sp := New(private(t))
	now := time.Now()
	fifo := filepath.Join(sp.Dir, name(now.Add(-time.Minute), 10, "fifo"))
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	zero := filepath.Join(sp.Dir, name(now.Add(-time.Minute), 10, "zero"))
	os.Symlink("/dev/zero", zero)
	victim := filepath.Join(private(t), "victim")
	os.WriteFile(victim, []byte("keep me"), 0o600)
	link := filepath.Join(sp.Dir, name(now.Add(-time.Minute), 7, "link"))
	os.Symlink(victim, link)
	realRuns(t, sp, 2)

	for _, p := range []string{fifo, zero, link} {
		e2e.Within(t, 10*time.Second, "reading "+filepath.Base(p), func() {
			if _, err := Read(p); err == nil {
				t.Errorf("%s read as an invocation", filepath.Base(p))
			}
		})
	}
	e2e.Within(t, 10*time.Second, "trim", func() { sp.Trim() })
	files, _ := sp.Files()
	if len(files) != 2 || countReal(sp) != 2 {
		t.Fatalf("after trim: %v", files)
	}
	for _, p := range []string{fifo, zero, link} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s left in the spool", filepath.Base(p))
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Fatal("the target of a link in the spool was touched")
	}
}

// TestSizesAreWhatIsOnDisk: names claiming size 0 do not bypass the cap, and
// one large foreign file (sorting last) cannot make the trim delete the real
// runs queued before it.
func TestSizesAreWhatIsOnDisk(t *testing.T) {
	sp := New(private(t))
	sp.MaxBytes = 64 << 10
	realRuns(t, sp, 3)
	big := make([]byte, 60<<10)
	for i := range 4 {
		p := filepath.Join(sp.Dir, name(time.Now().Add(-time.Duration(i+1)*time.Minute), 0, fmt.Sprint("zero", i)))
		os.WriteFile(p, big, 0o600)
		old := time.Now().Add(-time.Duration(i+1) * time.Minute)
		os.Chtimes(p, old, old)
	}
	sp.Trim()
	var total int64
	files, _ := sp.Files()
	for _, f := range files {
		if fi, err := os.Stat(f.Path); err == nil {
			total += fi.Size()
		}
	}
	if total > sp.MaxBytes {
		t.Fatalf("spool holds %d bytes over its cap of %d: sizes taken from names", total, sp.MaxBytes)
	}
	if countReal(sp) != 3 {
		t.Fatalf("real runs dropped while older foreign files fill the cap: %d left", countReal(sp))
	}

	sp2 := New(private(t))
	realRuns(t, sp2, 5)
	huge := filepath.Join(sp2.Dir, name(time.Now().Add(time.Minute), 9<<20, "last"))
	os.WriteFile(huge, make([]byte, 9<<20), 0o600)
	sp2.Trim()
	if countReal(sp2) != 5 {
		t.Fatalf("a large foreign file made the trim delete %d real runs", 5-countReal(sp2))
	}
	if _, err := os.Stat(huge); err == nil {
		t.Fatal("the oversized file was kept")
	}
}

func TestFutureDatedFilesDoNotLiveForever(t *testing.T) {
	sp := New(private(t))
	sp.MaxAge = time.Hour
	realRuns(t, sp, 2)
	year := time.Now().Add(365 * 24 * time.Hour)
	for i := range 3 {
		p := filepath.Join(sp.Dir, name(year, 20, fmt.Sprint("future", i)))
		os.WriteFile(p, make([]byte, 20), 0o600)
		os.Chtimes(p, year, year)
	}
	if n := sp.Trim(); n != 3 {
		t.Fatalf("trim dropped %d, want the 3 future-dated files", n)
	}
	if files, _ := sp.Files(); len(files) != 2 {
		t.Fatalf("%d files left", len(files))
	}
}

// TestForeignFilesListingIsBounded: a spool stuffed with foreign files is
// read with a bound and cleaned a few hundred entries per trim, so that no
// run pays for all of them and real runs become visible again.
func TestForeignFilesListingIsBounded(t *testing.T) {
	sp := New(private(t))
	const foreign = MaxEntries + 1000
	for i := range foreign {
		os.WriteFile(filepath.Join(sp.Dir, fmt.Sprintf("junk-%05d", i)), nil, 0o600)
	}
	d, _ := sp.open(false)
	l, err := sp.list(d, true)
	d.Close()
	if err != nil || len(l.bad) > maxForeignRemovals {
		t.Fatalf("one listing marked %d foreign entries for removal (bound %d): %v", len(l.bad), maxForeignRemovals, err)
	}
	runs := 0
	for {
		des, _ := os.ReadDir(sp.Dir)
		if len(des) == 0 {
			break
		}
		sp.Trim()
		runs++
		if runs > foreign/maxForeignRemovals+2 {
			t.Fatalf("%d entries left after %d trims", len(des), runs)
		}
	}
	realRuns(t, sp, 1)
	if countReal(sp) != 1 {
		t.Fatal("real run not listed")
	}
}

func TestForeignOwnedFileInTheSpool(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a file of another user cannot be made here without root")
	}
	sp := New(private(t))
	realRuns(t, sp, 1)
	p := filepath.Join(sp.Dir, name(time.Now().Add(-time.Minute), 12, "planted"))
	os.WriteFile(p, []byte("host.name=x!"), 0o600)
	os.Chown(p, 65534, 65534)
	if _, err := Read(p); err == nil {
		t.Error("read a file of another user")
	}
	sp.Trim()
	if files, _ := sp.Files(); len(files) != 1 {
		t.Fatalf("%d files listed", len(files))
	}
}

func TestWideOrForeignSpoolDirectory(t *testing.T) {
	sp := New(filepath.Join(private(t), "spool"))
	os.Mkdir(sp.Dir, 0o777)
	os.Chmod(sp.Dir, 0o777)
	if err := sp.Ensure(); err == nil {
		t.Error("world-writable spool accepted")
	}
	if os.Geteuid() != 0 {
		return
	}
	os.Chmod(sp.Dir, 0o700)
	os.Chown(sp.Dir, 65534, 65534)
	if err := sp.Ensure(); err == nil {
		t.Error("spool of another user accepted")
	}
}

//go:build unix

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"
)

// private is a new directory of the user's, mode 0700 (t.TempDir's are
// 0755 under the usual umask).
func private(t *testing.T) string {
	d := t.TempDir()
	os.Chmod(d, 0o700)
	return d
}

// Hostile local state: each case is a file or directory that an attacker (or
// an accident) can put where otelcli keeps its state.

func TestLinkIsNeverWrittenThrough(t *testing.T) {
	dir := private(t)
	victim := filepath.Join(t.TempDir(), "bashrc")
	os.WriteFile(victim, []byte("user's file\n"), 0o600)
	os.Symlink(victim, filepath.Join(dir, "settings.json"))
	if err := Put(filepath.Join(dir, "settings.json"), []byte("{}"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "user's file\n" {
		t.Fatalf("written through a link: %q", b)
	}
	if fi, _ := os.Lstat(filepath.Join(dir, "settings.json")); !fi.Mode().IsRegular() {
		t.Fatal("the link was not replaced by a file")
	}
}

func TestLinkIsNeverRead(t *testing.T) {
	dir := private(t)
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("{\"enabled\":true}"), 0o600)
	os.Symlink(secret, filepath.Join(dir, "out"))
	os.WriteFile(filepath.Join(dir, "in"), []byte("x"), 0o600)
	os.Symlink("in", filepath.Join(dir, "inner")) // inside the directory
	for _, name := range []string{"out", "inner"} {
		if _, err := ReadFile(filepath.Join(dir, name), MaxStateFile); !errors.Is(err, ErrUnsafe) {
			t.Errorf("%s: read through a link: %v", name, err)
		}
	}
}

func TestSpecialFilesDoNotHang(t *testing.T) {
	dir := private(t)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	os.Symlink("/dev/zero", filepath.Join(dir, "zero"))
	var err error
	e2e.Within(t, 10*time.Second, "reading a FIFO", func() { _, err = ReadFile(fifo, MaxStateFile) })
	if !errors.Is(err, ErrUnsafe) {
		t.Errorf("fifo: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "zero"), MaxStateFile); !errors.Is(err, ErrUnsafe) {
		t.Errorf("/dev/zero link: %v", err)
	}
	d, _ := OpenDir(dir, false)
	defer d.Close()
	if _, err := d.OpenLock("fifo"); !errors.Is(err, ErrUnsafe) {
		t.Errorf("lock on a FIFO: %v", err)
	}
	if _, err := ReadRegular(fifo, 1<<20); !errors.Is(err, ErrUnsafe) {
		t.Errorf("ReadRegular fifo: %v", err)
	}
	if _, err := ReadRegular("/dev/zero", 1<<20); !errors.Is(err, ErrUnsafe) {
		t.Errorf("ReadRegular /dev/zero: %v", err)
	}
}

func TestHugeFileCostsNothing(t *testing.T) {
	dir := private(t)
	p := filepath.Join(dir, "settings.json")
	f, _ := os.Create(p)
	f.Truncate(200 << 20) // sparse: 200 MB that take no disk
	f.Close()
	if _, err := ReadFile(p, MaxStateFile); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("200 MB settings.json: %v", err)
	}
}

// TestHostileSettingsFile: whatever sits at settings.json, reading it
// returns at once, and anything but a small regular file of the user's is
// an error (which callers treat as opted out).
func TestHostileSettingsFile(t *testing.T) {
	cases := map[string]func(p string) error{
		"link to a file": func(p string) error {
			target := filepath.Join(filepath.Dir(filepath.Dir(p)), "target.json")
			os.WriteFile(target, []byte(`{"enabled":true}`), 0o600)
			return os.Symlink(target, p)
		},
		"link to /dev/zero": func(p string) error { return os.Symlink("/dev/zero", p) },
		"fifo":              func(p string) error { return syscall.Mkfifo(p, 0o600) },
		"directory":         func(p string) error { return os.Mkdir(p, 0o700) },
		"8 MB of valid JSON": func(p string) error {
			b := make([]byte, 8<<20)
			for i := range b {
				b[i] = ' '
			}
			return os.WriteFile(p, append([]byte(`{"enabled":true}`), b...), 0o600)
		},
	}
	for name, plant := range cases {
		for _, prepared := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/prepared=%v", name, prepared), func(t *testing.T) {
				base := private(t)
				d := Dirs{Config: filepath.Join(base, "config"), Cache: filepath.Join(base, "cache")}
				if prepared {
					d = d.Prepared()
				}
				os.Mkdir(d.Config, 0o700)
				if err := plant(filepath.Join(d.Config, settingsFile)); err != nil {
					t.Skip(err)
				}
				var err error
				e2e.Within(t, 10*time.Second, "reading the settings", func() { _, _, err = ReadSettings(d) })
				if err == nil {
					t.Fatal("accepted")
				}
			})
		}
	}
}

// TestConfigDirChangedMidRun: a run reads its config dir again long after
// the start (the end's consent check, the hashing key when a value is
// first hashed); a dir made unsafe meanwhile is refused then too.
func TestConfigDirChangedMidRun(t *testing.T) {
	base := private(t)
	d := Dirs{Config: filepath.Join(base, "config"), Cache: filepath.Join(base, "cache")}.Prepared()
	os.Mkdir(d.Config, 0o700)
	if _, _, err := ReadSettings(d); err != nil {
		t.Fatal(err)
	}
	if _, err := InstallID(d); err != nil {
		t.Fatal(err)
	}
	os.Chmod(d.Config, 0o777)
	if _, _, err := ReadSettings(d); err == nil {
		t.Error("settings read from a config dir widened mid-run")
	}
	if _, err := HashKey(d); err == nil {
		t.Error("hash key read from a config dir widened mid-run")
	}
	os.Chmod(d.Config, 0o700)
	other := filepath.Join(base, "other")
	os.Rename(d.Config, other)
	os.WriteFile(filepath.Join(other, settingsFile), []byte(`{"enabled":false}`), 0o600)
	os.Symlink(other, d.Config)
	if _, _, err := ReadSettings(d); !errors.Is(err, ErrUnsafe) {
		t.Errorf("settings read through a config dir swapped for a link mid-run: %v", err)
	}
	if _, err := InstallID(d); !errors.Is(err, ErrUnsafe) {
		t.Errorf("install id read through a config dir swapped for a link mid-run: %v", err)
	}
}

func TestUnsafeDirectories(t *testing.T) {
	base := private(t)
	wide := filepath.Join(base, "wide")
	os.Mkdir(wide, 0o700)
	os.Chmod(wide, 0o777)
	os.WriteFile(filepath.Join(wide, "settings.json"), []byte("{}"), 0o600)
	if _, err := OpenDir(wide, false); !errors.Is(err, ErrUnsafe) {
		t.Errorf("mode 0777: %v", err)
	}
	if _, _, err := ReadSettings(Dirs{Config: wide}); err == nil {
		t.Error("settings read from a world-writable directory")
	}
	if _, _, err := ReadSettings(Dirs{Config: wide, Cache: wide}.Prepared()); err == nil {
		t.Error("settings read from a world-writable directory (prepared dirs)")
	}
	if _, err := InstallID(Dirs{Config: wide, Cache: wide}.Prepared()); err == nil {
		t.Error("install id read from a world-writable directory (prepared dirs)")
	}
	linked := Dirs{Config: filepath.Join(base, "linked"), Cache: base}.Prepared()
	os.Mkdir(filepath.Join(base, "target"), 0o700)
	os.WriteFile(filepath.Join(base, "target", installFile), []byte(NewUUID()), 0o600)
	os.Symlink(filepath.Join(base, "target"), linked.Config)
	if _, err := InstallID(linked); !errors.Is(err, ErrUnsafe) {
		t.Errorf("install id read through a linked config dir (prepared dirs): %v", err)
	}
	if err := Put(filepath.Join(wide, "x"), nil, PutOptions{}); !errors.Is(err, ErrUnsafe) {
		t.Errorf("write in a world-writable directory: %v", err)
	}

	real := filepath.Join(base, "real")
	os.Mkdir(real, 0o700)
	os.Symlink(real, filepath.Join(base, "link"))
	if _, err := OpenDir(filepath.Join(base, "link"), true); !errors.Is(err, ErrUnsafe) {
		t.Errorf("directory that is a link: %v", err)
	}

	if os.Geteuid() != 0 {
		t.Log("not root: a directory of another user cannot be made here")
		return
	}
	foreign := filepath.Join(base, "foreign")
	os.Mkdir(foreign, 0o700)
	os.Chown(foreign, 65534, 65534)
	if _, err := OpenDir(foreign, false); !errors.Is(err, ErrUnsafe) {
		t.Errorf("directory of another user: %v", err)
	}
	own := filepath.Join(base, "own")
	os.Mkdir(own, 0o700)
	os.WriteFile(filepath.Join(own, "install-id"), []byte(NewUUID()), 0o600)
	os.Chown(filepath.Join(own, "install-id"), 65534, 65534)
	if _, err := InstallID(Dirs{Config: own}); !errors.Is(err, ErrUnsafe) {
		t.Errorf("install id of another user: %v", err)
	}
}

func TestPutExclusiveAndLink(t *testing.T) {
	dir := private(t)
	d, err := OpenDir(filepath.Join(dir, "a", "b"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if fi, _ := os.Stat(filepath.Join(dir, "a", "b")); fi.Mode().Perm() != 0o700 {
		t.Fatalf("created with mode %#o", fi.Mode().Perm())
	}
	var wg sync.WaitGroup
	wins := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d.Put("id", []byte{byte('a' + i)}, PutOptions{Exclusive: true}) == nil {
				wins <- "x"
			}
		}()
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("%d exclusive creations won", len(wins))
	}
	if err := d.Put("id", []byte("new"), PutOptions{Exclusive: true}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("exclusive over an existing file: %v", err)
	}
	if err := d.Put("copy", []byte("fallback"), PutOptions{LinkFrom: "id"}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(filepath.Join(d.Path(), "id"))
	b, _ := os.Stat(filepath.Join(d.Path(), "copy"))
	if !os.SameFile(a, b) {
		t.Fatal("LinkFrom did not link")
	}
	if err := d.Put("../escape", []byte("x"), PutOptions{}); err == nil {
		t.Fatal("a name with a separator was accepted")
	}
	if des, _, _ := d.ReadNames(0); len(des) != 2 {
		t.Fatalf("temporary files left: %v", des)
	}
}

func TestReadDirBound(t *testing.T) {
	dir := private(t)
	for i := range 50 {
		os.WriteFile(filepath.Join(dir, string(rune('A'+i))), nil, 0o600)
	}
	d, _ := OpenDir(dir, false)
	defer d.Close()
	des, more, err := d.ReadNames(10)
	if err != nil || len(des) != 10 || !more {
		t.Fatalf("bounded: %d entries, more %v, %v", len(des), more, err)
	}
	des, more, _ = d.ReadNames(50)
	if len(des) != 50 || more {
		t.Fatalf("exact: %d entries, more %v", len(des), more)
	}
}

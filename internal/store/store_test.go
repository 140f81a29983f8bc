package store

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

func dirs(t *testing.T) Dirs {
	d := t.TempDir()
	return Dirs{Config: filepath.Join(d, "config"), Cache: filepath.Join(d, "cache")}
}

func TestInstallIDIsStableAndShared(t *testing.T) {
	d := dirs(t)
	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := InstallID(d)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || !isUUID(id) {
			t.Fatalf("concurrent first runs disagree: %v", ids)
		}
	}
	if again, _ := InstallID(d); again != ids[0] {
		t.Fatal("install id changed")
	}
}

func TestSettings(t *testing.T) {
	d := dirs(t)
	if s, st, err := ReadSettings(d); err != nil || s.Enabled != nil || st != (Stamp{}) || SettingsStamp(d) != st {
		t.Fatalf("no file: %+v %v %v", s, st, err)
	}
	off := false
	if err := WriteSettings(d, Settings{Enabled: &off, Changed: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s, st, err := ReadSettings(d)
	if err != nil || s.Enabled == nil || *s.Enabled {
		t.Fatalf("round trip: %+v %v", s, err)
	}
	// The stamp of what was read is the file's, and a rewrite changes it.
	if st == (Stamp{}) || SettingsStamp(d) != st {
		t.Fatalf("stamp of the read file %v, of the file %v", st, SettingsStamp(d))
	}
	if err := WriteSettings(d, Settings{Enabled: &off, Changed: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if SettingsStamp(d) == st {
		t.Fatal("rewritten settings keep their stamp")
	}
	os.WriteFile(filepath.Join(d.Config, settingsFile), []byte("{"), 0o600)
	if _, _, err := ReadSettings(d); err == nil {
		t.Fatal("damaged settings accepted")
	}
	if entries, _ := os.ReadDir(d.Config); len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

func TestNoticeAndHashKey(t *testing.T) {
	d := dirs(t)
	if NoticeShown(d) {
		t.Fatal("shown before")
	}
	if err := MarkNoticeShown(d, time.Now()); err != nil || !NoticeShown(d) {
		t.Fatal("marker")
	}
	k1, err := HashKey(d)
	k2, _ := HashKey(d)
	if err != nil || len(k1) != 32 || string(k1) != string(k2) {
		t.Fatalf("hash key: %x %x %v", k1, k2, err)
	}
	if u := NewUUID(); !isUUID(u) || u[14] != '4' {
		t.Fatalf("uuid %s", u)
	}
}

func TestUnwritable(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	d := Dirs{Config: filepath.Join(f, "x")}
	if _, err := InstallID(d); err == nil {
		t.Fatal("install id under a file")
	}
	if err := MarkNoticeShown(d, time.Now()); err == nil {
		t.Fatal("marker under a file")
	}
}

// TestPreparedPaths holds the paths Prepared makes in one string to what
// joining gives, and leaves dirs it cannot prepare to be joined at use.
func TestPreparedPaths(t *testing.T) {
	d := Dirs{Config: "/home/bob/.config/app/telemetry", Cache: "/home/bob/.cache/app/telemetry"}
	p := d.Prepared()
	if p.Config != d.Config || p.Cache != d.Cache || !p.prepared() {
		t.Fatalf("prepared %+v from %+v", p, d)
	}
	for _, name := range []string{settingsFile, installFile, noticeFile, keyFile, "other"} {
		if got, want := p.file(name), filepath.Join(d.Config, name); got != want {
			t.Errorf("file(%q) = %q, want %q", name, got, want)
		}
	}
	if got, want := p.SpoolDir(), filepath.Join(d.Cache, "spool"); got != want || d.SpoolDir() != want {
		t.Errorf("SpoolDir = %q (unprepared %q), want %q", got, d.SpoolDir(), want)
	}
	if got, want := p.LastFile(), filepath.Join(d.Cache, "last-invocation.pb"); got != want || d.LastFile() != want {
		t.Errorf("LastFile = %q (unprepared %q), want %q", got, d.LastFile(), want)
	}
	// Dirs that are not clean, not absolute or a root are joined at use.
	unprepared := []Dirs{
		{Config: "/a/b/", Cache: "/c"}, {Config: "/a/../b", Cache: "/c"}, {Config: "/a", Cache: "c/./d"},
		{Config: "/a"}, {}, {Config: "/", Cache: "/c"}, {Config: "/a", Cache: "/"}, {Config: ".", Cache: "/c"},
		{Config: "rel/dir", Cache: "/c"}, {Config: "/a/b:", Cache: "/c"}, {Config: "/a", Cache: "/c:"},
	}
	if filepath.Separator == '\\' {
		unprepared = append(unprepared, Dirs{Config: `C:\`, Cache: `C:\c`}, Dirs{Config: `\\host\share\`, Cache: `C:\c`},
			Dirs{Config: `\\?\C:`, Cache: `C:\c`}, Dirs{Config: `C:\a\b:`, Cache: `C:\c`})
	}
	for _, u := range unprepared {
		p := u.Prepared()
		if p.prepared() {
			t.Errorf("prepared %+v", u)
		}
		if got, want := p.file(settingsFile), filepath.Join(u.Config, settingsFile); got != want {
			t.Errorf("%+v: file = %q, want %q", u, got, want)
		}
	}
	// Paths made for other dirs are not used.
	moved := p
	moved.Config, moved.Cache = "/elsewhere/config", "/elsewhere/cache"
	if got := moved.file(installFile); got != filepath.Join(moved.Config, installFile) {
		t.Errorf("moved config: %q", got)
	}
	if got := moved.SpoolDir(); got != filepath.Join(moved.Cache, "spool") {
		t.Errorf("moved cache: %q", got)
	}
}

// TestDefaultDirsJoined: the default dirs and their files' paths, made in
// one string when they can be, are what filepath.Join makes, for any name.
func TestDefaultDirsJoined(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the user dirs are set by variables here on Linux")
	}
	for _, env := range [][2]string{{"/home/bob/.config", "/home/bob/.cache"}, {"/home/bob/.config/", "/home/bob//.cache"}, {"/", "/"}} {
		t.Setenv("XDG_CONFIG_HOME", env[0])
		t.Setenv("XDG_CACHE_HOME", env[1])
		for _, app := range []string{"clusterctl", "my app", "a/b", "..", ".", "x.", "日本"} {
			d, err := DefaultDirs(app)
			if err != nil {
				t.Fatal(err)
			}
			cfg, cache := filepath.Join(env[0], app, "telemetry"), filepath.Join(env[1], app, "telemetry")
			if d.Config != cfg || d.Cache != cache {
				t.Errorf("%q %q: %+v, want %q %q", env, app, d, cfg, cache)
			}
			for _, name := range []string{settingsFile, installFile, noticeFile, keyFile} {
				if got, want := d.file(name), filepath.Join(cfg, name); got != want {
					t.Errorf("%q %q: file(%q) = %q, want %q", env, app, name, got, want)
				}
			}
			if d.SpoolDir() != filepath.Join(cache, "spool") || d.LastFile() != filepath.Join(cache, "last-invocation.pb") {
				t.Errorf("%q %q: %q %q", env, app, d.SpoolDir(), d.LastFile())
			}
			if app == "clusterctl" && env[0] == "/home/bob/.config" && !d.prepared() {
				t.Error("the usual dirs are not prepared")
			}
		}
	}
}

package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/otlp"
	"github.com/cli-telemetry/otelcli/internal/store"
)

func invocation(name string) []otlp.ResourceSpans {
	return []otlp.ResourceSpans{{ScopeSpans: []otlp.ScopeSpans{{Spans: []otlp.Span{{Name: name, TraceID: [16]byte{1}, SpanID: [8]byte{1}}}}}}}
}

// private is a new directory of the user's, mode 0700 (t.TempDir's are
// 0755 under the usual umask, which the spool refuses).
func private(t *testing.T) string {
	d := t.TempDir()
	os.Chmod(d, 0o700)
	return d
}

func TestWriteReadTrim(t *testing.T) {
	sp := New(filepath.Join(private(t), "spool"))
	if err := sp.Ensure(); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(-10 * time.Minute)
	sp.Now = func() time.Time { return now }
	c := &Exporter{Spool: sp, ID: "a"}
	for i := range 5 {
		now = now.Add(time.Second)
		c.ID = fmt.Sprint("id", i)
		if err := c.write(invocation(fmt.Sprint("span", i))); err != nil {
			t.Fatal(err)
		}
		// Times are what is on disk: date the file as the fake clock.
		files, _ := sp.Files()
		for _, f := range files {
			if strings.Contains(f.Name, c.ID) {
				os.Chtimes(f.Path, now, now)
			}
		}
	}
	files, _ := sp.Files()
	if len(files) != 5 {
		t.Fatalf("%d files", len(files))
	}
	rs, err := Read(files[0].Path)
	if err != nil || rs[0].ScopeSpans[0].Spans[0].Name != "span0" {
		t.Fatalf("oldest first: %v %v", rs, err)
	}

	// Size cap: the oldest go first, down to 90% of the cap (3 files' worth
	// here: 2 are left).
	sp.MaxBytes = 3 * files[0].Size
	if n := sp.Trim(); n != 3 {
		t.Fatalf("trimmed %d for size", n)
	}
	files, _ = sp.Files()
	if rs, _ := Read(files[0].Path); rs[0].ScopeSpans[0].Spans[0].Name != "span3" {
		t.Fatal("size cap did not drop the oldest")
	}
	// Age cap.
	sp.MaxBytes, sp.MaxAge = DefaultMaxBytes, 500*time.Millisecond
	if n := sp.Trim(); n != 1 {
		t.Fatalf("trimmed %d for age", n)
	}
	if err := sp.Clear(); err != nil {
		t.Fatal(err)
	}
	if files, _ := sp.Files(); len(files) != 0 {
		t.Fatal("clear left files")
	}
}

func TestDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"empty.pb": "", "junk.pb": "\xff\xff\xff\x07garbage"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		if _, err := Read(p); err == nil {
			t.Errorf("%s decoded", name)
		}
	}
	good := Encode(invocation("x"))
	p := filepath.Join(dir, "trunc.pb")
	os.WriteFile(p, good[:len(good)-2], 0o600)
	if _, err := Read(p); err == nil {
		t.Error("truncated file decoded")
	}
}

func TestConcurrentWriters(t *testing.T) {
	sp := New(private(t))
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &Exporter{Spool: sp, ID: fmt.Sprint("w", i)}
			if err := c.write(invocation(fmt.Sprint(i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	files, _ := sp.Files()
	if len(files) != 50 {
		t.Fatalf("%d files after 50 writers", len(files))
	}
	for _, f := range files {
		if _, err := Read(f.Path); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRetireKeepsNewest: what leaves the spool for good is removed, and the
// newest of it is kept at Last, whatever order the batch is in.
func TestRetireKeepsNewest(t *testing.T) {
	base := private(t)
	sp := New(filepath.Join(base, "spool"))
	sp.Last = filepath.Join(base, "last.pb")
	now := time.Unix(1700000000, 0)
	sp.Now = func() time.Time { now = now.Add(time.Second); return now }
	for _, name := range []string{"first", "second", "third"} {
		if _, err := sp.Write(Encode(invocation(name)), name); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := sp.Files()
	batch := []Entry{files[1], files[0]} // "second", "first"
	if err := sp.Retire(batch); err != nil {
		t.Fatal(err)
	}
	if left, _ := sp.Files(); len(left) != 1 || left[0].Name != files[2].Name {
		t.Fatalf("left in the spool: %v", left)
	}
	rs, err := Read(sp.Last)
	if err != nil || rs[0].ScopeSpans[0].Spans[0].Name != "second" {
		t.Fatalf("last: %v %v", rs, err)
	}
	if err := sp.Retire(files[2:]); err != nil {
		t.Fatal(err)
	}
	if rs, _ := Read(sp.Last); rs[0].ScopeSpans[0].Spans[0].Name != "third" {
		t.Fatalf("last after the next upload: %v", rs)
	}
}

func TestUnwritable(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if err := New(filepath.Join(f, "spool")).Ensure(); err == nil {
		t.Fatal("spool under a file")
	}
}

func TestStaleTemporaryFiles(t *testing.T) {
	sp := New(private(t))
	stale, fresh := filepath.Join(sp.Dir, store.TempPrefix+"killed"), filepath.Join(sp.Dir, store.TempPrefix+"writing")
	os.WriteFile(stale, []byte("half"), 0o600)
	os.WriteFile(fresh, []byte("half"), 0o600)
	old := time.Now().Add(-2 * time.Minute)
	os.Chtimes(stale, old, old)
	sp.Trim()
	if _, err := os.Stat(stale); err == nil {
		t.Error("a killed writer's temporary file was kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a write in progress was removed")
	}
	if files, _ := sp.Files(); len(files) != 0 {
		t.Errorf("temporary files listed as invocations: %v", files)
	}
}

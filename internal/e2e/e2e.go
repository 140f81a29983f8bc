// Package e2e holds what the end-to-end tests of the examples and the
// network tests of the internal packages share: building an example CLI
// with and without otelcli, loopback listeners (a hung one among them),
// polling, and a buffer a running process can write to. Only tests import
// it.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BuildPair builds the package in the current directory twice into dir:
// name (instrumented) and name-plain (-tags notelemetry, the same CLI
// without the library), with -race when the tests run with it.
func BuildPair(dir, name string, race bool) (instrumented, plain string, err error) {
	instrumented, plain = filepath.Join(dir, name), filepath.Join(dir, name+"-plain")
	args := []string{"build"}
	if race {
		args = append(args, "-race")
	}
	for _, b := range []struct{ out, tags string }{{instrumented, ""}, {plain, "notelemetry"}} {
		cmd := exec.Command("go", append(args, "-tags="+b.tags, "-o", b.out, ".")...)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return "", "", fmt.Errorf("build %s: %w", b.out, err)
		}
	}
	return instrumented, plain, nil
}

// Main is an example's TestMain: it builds the pair (see BuildPair) into a
// temporary directory, sets *instrumented and *plain, runs the tests and
// removes the binaries.
func Main(m *testing.M, name string, race bool, instrumented, plain *string) {
	dir, err := os.MkdirTemp("", name+"-e2e")
	if err != nil {
		panic(err)
	}
	if *instrumented, *plain, err = BuildPair(dir, name, race); err != nil {
		os.RemoveAll(dir)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ErrTimeout is Run's error for a process killed at its time limit.
var ErrTimeout = errors.New("e2e: process killed at its time limit")

// Run runs cmd to its end, or kills it after limit (0: no limit), and
// returns what it wrote and its exit code. err is a failure to run it or
// ErrTimeout, never a non-zero exit; cmd.ProcessState is set afterwards.
func Run(cmd *exec.Cmd, limit time.Duration) (stdout, stderr string, code int, err error) {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return "", "", 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var timeout <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case err = <-done:
	case <-timeout:
		cmd.Process.Kill()
		<-done
		return out.String(), errb.String(), 0, ErrTimeout
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode(), nil
	}
	return out.String(), errb.String(), 0, err
}

// Within runs f and fails the test as "<what> hangs" when f has not returned
// after d: for the calls that must stay bounded whatever they meet (a FIFO,
// a hung backend, a hostile variable).
func Within(t testing.TB, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s hangs", what)
	}
}

// WaitFor polls cond every 50 ms for up to d.
func WaitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}

// Listen binds addr ("127.0.0.1:0" for any port), retrying for a while: a
// test may take a port back from a server it just stopped.
func Listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	var l net.Listener
	var err error
	for range 50 {
		if l, err = net.Listen("tcp", addr); err == nil {
			return l
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal(err)
	return nil
}

// Hang accepts connections on l and never answers them, until l is
// closed; it counts what it accepted.
func Hang(l net.Listener) *atomic.Int64 {
	accepted := &atomic.Int64{}
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			held = append(held, c)
		}
	}()
	return accepted
}

// SyncBuffer is a buffer safe to read while a process writes to it.
type SyncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

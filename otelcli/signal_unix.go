//go:build unix

package otelcli

import (
	"bytes"
	"errors"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var errInterrupted = errors.New("interrupted")

// signalDelay is how long a command runs before its signals are watched.
// Registering a handler costs a few hundred microseconds (the runtime
// starts a thread for it), which most commands, done in milliseconds, need
// not pay; nobody interrupts a command within its first 50 ms.
const signalDelay = 50 * time.Millisecond

// watchedBefore is set once otelcli registered for signals in this process:
// from then on, os/signal's watcher goroutine may be otelcli's own.
var watchedBefore atomic.Bool

// watchSignals records SIGINT and SIGTERM as an interrupted outcome
// (error.type "interrupted", exit code 130 or 143) and spools it, then lets
// the signal do what it would have done: the handler is removed and the
// signal raised again, so the process dies of it as before.
//
// That is only right for a CLI that does not handle the signal itself: one
// that does (a first Ctrl-C cancels its context and cleans up, a second
// force-quits) would receive the signal twice. So signals are watched only
// when the process has not registered for any signal by the time watching
// would start; otherwise the CLI's own handling decides how the process
// ends, and the exit code it chooses is what [Run.End] records. A CLI that
// registers later than that says so with WithOwnSignalHandling. A signal the
// process ignores (nohup, background jobs) is left ignored.
func (s *session) watchSignals() {
	if s.cfg.ownSignals {
		return
	}
	w := &s.signals
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.s = s
		w.timer = time.AfterFunc(signalDelay, w.start)
	}
}

// stopWatchingSignals ends the watch, or keeps it from starting.
func (s *session) stopWatchingSignals() { s.signals.stop() }

// signalWatch is the state of one run's watch, held in the session: no
// allocation of its own, only the timer's.
type signalWatch struct {
	s       *session
	timer   *time.Timer
	mu      sync.Mutex
	stopped bool
	ch      chan os.Signal
	quit    chan struct{}
}

func (w *signalWatch) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || appHandlesSignals() {
		return
	}
	var sigs []os.Signal
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		if !signal.Ignored(sig) {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return
	}
	w.ch, w.quit = make(chan os.Signal, 1), make(chan struct{})
	watchedBefore.Store(true)
	signal.Notify(w.ch, sigs...)
	go w.s.onSignal(w.ch, w.quit)
}

func (w *signalWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.ch != nil {
		signal.Stop(w.ch)
		close(w.quit)
		w.ch = nil
	}
}

func (s *session) onSignal(ch chan os.Signal, quit chan struct{}) {
	select {
	case sig := <-ch:
		code := 130
		if sig == syscall.SIGTERM {
			code = 143
		}
		s.finish(s.runningCommand(), errInterrupted, code, ErrTypeInterrupted)
		signal.Stop(ch)
		syscall.Kill(os.Getpid(), sig.(syscall.Signal))
	case <-quit:
	}
}

// appHandlesSignals reports whether something in the process registered
// for signals with os/signal (signal.Notify, signal.NotifyContext): the
// package then runs its watcher goroutine, os/signal.loop. Go offers no
// way to ask which signals are wanted, so any registration counts, which
// errs on the side of leaving the CLI's signals alone.
func appHandlesSignals() bool {
	if watchedBefore.Load() {
		// otelcli's own registration started the watcher; a second run in
		// the same process cannot tell.
		return false
	}
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Contains(buf[:n], []byte("os/signal.loop")) ||
				bytes.Contains(buf[:n], []byte("os/signal.signal_recv"))
		}
		if len(buf) >= 8<<20 {
			return true
		}
		buf = make([]byte, 2*len(buf))
	}
}

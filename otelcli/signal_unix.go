//go:build unix

package otelcli

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var errInterrupted = errors.New("interrupted")

// signalDelay is how long a command runs before its signals are watched.
// Registering a handler costs a few hundred microseconds (the runtime
// starts a thread for it), which most commands, done in milliseconds, need
// not pay; nobody interrupts a command within its first 50 ms.
const signalDelay = 50 * time.Millisecond

// watchSignals records SIGINT and SIGTERM as an interrupted outcome
// (error.type "interrupted", exit code 130 or 143) and spools it, then lets
// the signal do what it would have done: the handler is removed and the
// signal raised again. A signal the process ignores (nohup, background jobs)
// is left ignored. If the CLI handles the signal itself, it receives it as
// before.
func (s *session) watchSignals() (stop func()) {
	var (
		mu      sync.Mutex
		stopped bool
		ch      chan os.Signal
		quit    = make(chan struct{})
	)
	timer := time.AfterFunc(signalDelay, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
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
		ch = make(chan os.Signal, 1)
		signal.Notify(ch, sigs...)
		go s.onSignal(ch, quit)
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		timer.Stop()
		if ch != nil {
			signal.Stop(ch)
			close(quit)
		}
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

//go:build unix

package otelcli

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
)

var errInterrupted = errors.New("interrupted")

// watchSignals records SIGINT and SIGTERM as an interrupted outcome
// (error.type "interrupted", exit code 130 or 143) and spools it, then lets
// the signal do what it would have done: the handler is removed and the
// signal raised again. A signal the process ignores (nohup, background jobs)
// is left ignored. If the CLI handles the signal itself, it receives it as
// before.
func (s *session) watchSignals() (stop func()) {
	var sigs []os.Signal
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		if !signal.Ignored(sig) {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return func() {}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	quit := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			code := 130
			if sig == syscall.SIGTERM {
				code = 143
			}
			s.finish(executingCommand(s.r.root), errInterrupted, code, ErrTypeInterrupted)
			signal.Stop(ch)
			syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		case <-quit:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(quit)
	}
}

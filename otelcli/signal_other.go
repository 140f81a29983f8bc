//go:build !unix

package otelcli

// watchSignals does nothing where signals cannot be re-raised after
// recording them.
func (s *session) watchSignals() {}

func (s *session) stopWatchingSignals() {}

type signalWatch struct{}

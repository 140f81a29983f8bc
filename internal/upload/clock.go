package upload

import (
	"context"
	"time"
)

// Clock is the time an uploader runs on: its lifetime, its backoff, its
// lingering. Tests give a fake one, so that no test sleeps through a
// backoff.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx is done (then it returns false).
	Sleep(ctx context.Context, d time.Duration) bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// before reports whether now is before t on both the monotonic and the wall
// clock: the monotonic clock does not move while a machine sleeps, the wall
// clock can be set back; a lifetime is over when either says so.
func before(now, t time.Time) bool {
	return now.Before(t) && now.Round(0).Before(t.Round(0))
}

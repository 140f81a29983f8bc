//go:build unix

package otelcli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

func TestAppHandlesSignalsChild(t *testing.T) {
	if !inChild() {
		t.Skip("run by TestAppHandlesSignals")
	}
	switch os.Getenv("OTELCLI_TEST_SIGNALS") {
	case "notify":
		signal.Notify(make(chan os.Signal, 1), syscall.SIGINT)
	case "context":
		_, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
	}
	fmt.Printf("handles=%v\n", appHandlesSignals())
}

// The check behind leaving a CLI's own signal handling alone: it sees a
// registration made with signal.Notify or signal.NotifyContext, and nothing
// when there is none.
func TestAppHandlesSignals(t *testing.T) {
	h := newHome(t, "app", false)
	for mode, want := range map[string]string{"none": "handles=false", "notify": "handles=true", "context": "handles=true"} {
		t.Setenv("OTELCLI_TEST_SIGNALS", mode)
		if _, out := child(t, "TestAppHandlesSignalsChild", h); !strings.Contains(out, want) {
			t.Errorf("%s: %s", mode, out)
		}
	}
}

package collector

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	"github.com/cli-telemetry/otelcli/collector/internal/load"
)

// TestShedsLoad floods a collector whose backend hangs, with a small memory
// limit: it refuses with 503 (which the uploader keeps and retries) instead
// of growing until killed, answers every request, and takes data again once
// the backend is back. `make collector-load` measures the same at scale.
func TestShedsLoad(t *testing.T) {
	c := startCollector(t, "exporters:\n  otlp_http/vendor:\n    timeout: 1s\n",
		"OTELCLI_MEMORY_LIMIT_MIB=48", "OTELCLI_MEMORY_SPIKE_MIB=12", "GOMEMLIMIT=48MiB")
	c.be.hang.Store(true)
	proc := load.Proc{PID: c.cmd.Process.Pid}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	res := load.Flood(ctx, "http://"+c.http+"/v1/traces", load.Body(500), 500, 8)
	_, peak, _ := proc.RSS()
	t.Logf("backend hanging, 48 MiB limit: %v; peak RSS %d MiB", res, peak>>20)
	if res.Status[http.StatusServiceUnavailable]+res.Status[http.StatusTooManyRequests] == 0 {
		t.Errorf("no request refused: %v", res)
	}
	if res.Errors > 0 {
		t.Errorf("%d requests got no answer", res.Errors)
	}
	for code := range res.Status {
		if code != http.StatusOK && code != http.StatusServiceUnavailable && code != http.StatusTooManyRequests {
			t.Errorf("answered %d: clients drop data on it", code)
		}
	}
	if err := c.cmd.Process.Signal(syscall.Signal(0)); err != nil || !c.healthy() {
		t.Fatalf("collector gone or unhealthy: %v\n%s", err, c.log())
	}

	c.be.hang.Store(false)
	if !e2e.WaitFor(20*time.Second, func() bool {
		return c.post(t, request(cliResource(), nil, cliSpan(0x40, 1, "clusterctl cluster list"))) == http.StatusOK
	}) {
		t.Fatalf("collector does not take data again after the backend is back:\n%.3000s", c.log())
	}
	if !e2e.WaitFor(10*time.Second, func() bool { return len(c.be.byTrace(0x40)) > 0 }) {
		t.Error("data accepted after recovery did not arrive")
	}
}

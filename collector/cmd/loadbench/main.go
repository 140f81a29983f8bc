// Command loadbench measures what one bundled collector holds: spans per
// second on one core with the configuration's every check and the memory
// limiter on, its memory, and how it sheds load when its backend hangs.
//
//	make collector-load
//
// The collector runs pinned to one core (taskset -c 0); the load generator
// and the loopback backend run on the others. The load is the collector's
// own generator, telemetrygen, sending spans shaped like clusterctl's (its
// resource and span attributes), and loadbench's own client sending
// clusterctl's runs as the uploader does.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cli-telemetry/otelcli/collector/internal/load"
)

func main() {
	var (
		bin      = flag.String("collector", "../bin/otelcol-otelcli", "collector binary")
		tgen     = flag.String("telemetrygen", "", "telemetrygen binary (skipped if empty)")
		dir      = flag.String("config-dir", ".", "directory of config.yaml and vendor.yaml")
		core     = flag.String("cpu", "0", "the core the collector is pinned to (taskset -c)")
		loadCPUs = flag.String("load-cpu", "1", "the cores the load runs on")
		dur      = flag.Duration("duration", 20*time.Second, "length of each phase")
		workers  = flag.Int("workers", 8, "concurrent clients")
		memLimit = flag.String("gomemlimit", "256MiB", "the collector's GOMEMLIMIT (docker-compose.yml sets the same)")
	)
	flag.Func("config", "more collector configuration, merged last (repeatable)", func(s string) error {
		extraConfig = append(extraConfig, "--config", s)
		return nil
	})
	flag.Parse()
	goMemLimit = *memLimit
	if err := run(*bin, *tgen, *dir, *core, *loadCPUs, *dur, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

var (
	extraConfig []string
	goMemLimit  string
)

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type collector struct {
	cmd        *exec.Cmd
	http, ping string
	proc       load.Proc
	log        string
}

func start(bin, dir, core, sink string, env ...string) (*collector, error) {
	c := &collector{http: freePort(), ping: freePort()}
	args := []string{"--config", filepath.Join(dir, "config.yaml"), "--config", filepath.Join(dir, "vendor.yaml"),
		"--feature-gates=ottl.functions.enableLambda"}
	args = append(args, extraConfig...)
	name := bin
	if _, err := exec.LookPath("taskset"); err == nil && core != "" {
		args = append([]string{"-c", core, bin}, args...)
		name = "taskset"
	}
	c.cmd = exec.Command(name, args...)
	c.cmd.Env = append(os.Environ(), "OTELCLI_OTLP_HTTP_ENDPOINT="+c.http, "OTELCLI_OTLP_GRPC_ENDPOINT="+freePort(),
		"OTELCLI_HEALTH_ENDPOINT="+c.ping, "OTELCLI_METRICS_ENDPOINT="+freePort(), "OTELCLI_LOG_LEVEL=error",
		"OTLP_VENDOR_ENDPOINT=http://"+sink, "OTLP_VENDOR_HEADERS={}", "JAEGER_ENDPOINT=127.0.0.1:1", "GOMEMLIMIT="+goMemLimit)
	c.cmd.Env = append(c.cmd.Env, env...)
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Its log (exports failing while the backend hangs) goes to a file.
	logf, err := os.CreateTemp("", "loadbench-collector-*.log")
	if err != nil {
		return nil, err
	}
	c.log = logf.Name()
	c.cmd.Stderr = logf
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	// taskset execs the collector: same pid.
	c.proc = load.Proc{PID: c.cmd.Process.Pid}
	for range 300 {
		if resp, err := http.Get("http://" + c.ping); err == nil {
			resp.Body.Close()
			return c, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	logs, _ := os.ReadFile(c.log)
	c.stop()
	return nil, fmt.Errorf("collector not healthy:\n%s", logs[max(0, len(logs)-4096):])
}

func (c *collector) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
	os.Remove(c.log)
}

// measure runs f while sampling the collector, and reports spans the sink
// got per second, the collector's CPU use and its memory.
func measure(name string, c *collector, sink *load.Sink, d time.Duration, f func(context.Context)) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan struct{})
	var maxRSS int64
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if rss, _, err := c.proc.RSS(); err == nil && rss > maxRSS {
				maxRSS = rss
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	// Warm up for a second, then count.
	warm, stopWarm := context.WithTimeout(ctx, time.Second)
	go f(ctx)
	<-warm.Done()
	stopWarm()
	spans0, cpu0, t0 := sink.Spans.Load(), cpuOf(c), time.Now()
	<-ctx.Done()
	<-done
	spans1, cpu1, t1 := sink.Spans.Load(), cpuOf(c), time.Now()
	time.Sleep(500 * time.Millisecond)
	wall := t1.Sub(t0).Seconds()
	spans, cpu := float64(spans1-spans0), (cpu1 - cpu0).Seconds()
	// Spans per CPU-second is what a core holds when the collector has it
	// all; on a shared machine the load or a neighbour may keep it below.
	fmt.Printf("%-52s %7.0f spans/s  collector CPU %3.0f%%  %7.0f spans per CPU-second  RSS max %3d MiB\n",
		name, spans/wall, 100*cpu/wall, spans/max(cpu, 0.001), maxRSS>>20)
}

func cpuOf(c *collector) time.Duration {
	d, _ := c.proc.CPU()
	return d
}

func run(bin, tgen, dir, core, loadCPUs string, d time.Duration, workers int) error {
	sink, err := load.NewSink()
	if err != nil {
		return err
	}
	defer sink.Close()
	c, err := start(bin, dir, core, sink.Addr)
	if err != nil {
		return err
	}
	fmt.Printf("collector pinned to core %s (taskset), %d clients on core %s, %v a phase, memory limiter %s MiB, GOMEMLIMIT %q\n\n",
		core, workers, loadCPUs, d, cmp.Or(os.Getenv("OTELCLI_MEMORY_LIMIT_MIB"), "256"), goMemLimit)
	url := "http://" + c.http + "/v1/traces"
	for _, runs := range []int{1, 50} {
		body := load.Body(runs)
		measure(fmt.Sprintf("loadbench: %d run(s) a request (%d bytes)", runs, len(body)), c, sink, d, func(ctx context.Context) {
			load.Flood(ctx, url, body, runs, workers)
		})
	}
	if tgen != "" {
		// One span a request, as a CLI's upload usually is (telemetrygen's
		// batching exporter drops spans under this load rather than send
		// them, so batches are measured with loadbench's own client).
		args := telemetrygenArgs(c.http, workers, d)
		measure("telemetrygen: one span a request", c, sink, d, func(ctx context.Context) {
			cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", loadCPUs, tgen}, args...)...)
			cmd.Run()
		})
	}
	c.stop()

	// Shedding: the backend hangs, clients keep sending.
	sink.Hang.Store(true)
	c, err = start(bin, dir, core, sink.Addr)
	if err != nil {
		return err
	}
	defer c.stop()
	url = "http://" + c.http + "/v1/traces"
	ctx, cancel := context.WithTimeout(context.Background(), d)
	var maxRSS int64
	go func() {
		for ctx.Err() == nil {
			if rss, _, err := c.proc.RSS(); err == nil && rss > maxRSS {
				maxRSS = rss
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	res := load.Flood(ctx, url, load.Body(50), 50, workers)
	cancel()
	alive := c.cmd.Process.Signal(syscall.Signal(0)) == nil
	fmt.Printf("\nbackend hanging, %d clients sending 50 runs a request for %v:\n  %v\n  collector alive: %v, RSS max %d MiB\n", workers, d, res, alive, maxRSS>>20)
	sink.Hang.Store(false)
	t0 := time.Now()
	for time.Since(t0) < 60*time.Second {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		r := load.Flood(ctx, url, load.Body(1), 1, 1)
		cancel()
		if r.Status[http.StatusOK] > 0 {
			fmt.Printf("  backend back: data accepted again after %.1f s\n", time.Since(t0).Seconds())
			return nil
		}
	}
	return fmt.Errorf("collector did not take data again within 60 s")
}

// telemetrygenArgs make telemetrygen send spans with clusterctl's resource
// and span attributes (its span names are its own, and become "_OTHER").
func telemetrygenArgs(endpoint string, workers int, d time.Duration) []string {
	args := []string{"traces", "--otlp-http", "--otlp-insecure", "--otlp-endpoint", endpoint, "--batch=false",
		"--workers", fmt.Sprint(workers), "--rate", "0", "--duration", (d + time.Second).String(), "--child-spans", "0",
		"--allow-export-failures", "--interval", "1h"}
	for _, a := range []string{`service.name="clusterctl"`, `service.version="0.3.1"`, `os.type="linux"`, `os.version="6.18.44"`,
		`host.arch="amd64"`, `process.runtime.name="go"`, `process.runtime.version="go1.26.8"`,
		`cli.install.id="e3092f60-29be-42e1-af6a-c0e045d8f18e"`, `cli.execution.id="85965c5e-e1cc-4a7e-bae8-f3e37743618d"`} {
		args = append(args, "--otlp-attributes", a)
	}
	for _, a := range []string{`cli.command.path="clusterctl cluster create"`, `cli.flag.provider="AWS"`, `cli.flag.region="US_EAST_1"`,
		`cli.flag.tier="M20"`, `process.executable.name="clusterctl"`, `process.exit.code=0`, `process.pid=4796`,
		`cli.command.args.count=0`, `cli.command.flags=["name","provider","region","tier"]`} {
		args = append(args, "--telemetry-attributes", a)
	}
	return append(args, "--service", "clusterctl")
}

package otelcli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// child runs this test binary again, running only the named test with
// OTELCLI_TEST_CHILD set: for behaviour that ends or changes the process
// (panics, a global provider set by the author).
func child(t *testing.T, name string, h home) (code int, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), "OTELCLI_TEST_CHILD=1", "HOME="+h.dir, "XDG_CONFIG_HOME="+h.config, "XDG_CACHE_HOME="+h.cache)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	cmd.Stdout = &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, errb.String()
}

func inChild() bool { return os.Getenv("OTELCLI_TEST_CHILD") == "1" }

func panickingTree() *cobra.Command {
	root := &cobra.Command{Use: "app"}
	root.AddCommand(&cobra.Command{Use: "crash", Run: func(*cobra.Command, []string) { explode("boom secret-panic-value") }})
	return root
}

//go:noinline
func explode(msg string) { panic(msg) }

func TestPanicChild(t *testing.T) {
	if !inChild() {
		t.Skip("run by TestPanic")
	}
	root := panickingTree()
	root.SetArgs([]string{"crash"})
	if os.Getenv("OTELCLI_TEST_PLAIN") == "1" {
		root.Execute()
		return
	}
	Execute(root, WithDelivery(DeliveryNone), withArgs([]string{"crash"}))
}

func TestPanic(t *testing.T) {
	h := newHome(t, "app", false)
	t.Setenv("OTELCLI_TEST_PLAIN", "1")
	plainCode, plainErr := child(t, "TestPanicChild", h)
	t.Setenv("OTELCLI_TEST_PLAIN", "0")
	code, stderr := child(t, "TestPanicChild", h)
	panicLine := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "panic: ") {
				return l
			}
		}
		return ""
	}
	if code != plainCode || panicLine(stderr) != panicLine(plainErr) || panicLine(stderr) == "" {
		t.Fatalf("the panic changed: exit %d (plain %d)\n%s\nplain:\n%s", code, plainCode, stderr, plainErr)
	}
	s, _ := commandSpan(t, h, "app")
	if s.Name != "app crash" || s.Attributes["error.type"] != "panic" || s.Status != "error" {
		t.Fatalf("span %+v", s)
	}
	if len(s.Events) != 1 || s.Events[0].Name != "exception" {
		t.Fatalf("events %+v", s.Events)
	}
	stack, _ := s.Events[0].Attributes["exception.stacktrace"].(string)
	if !strings.Contains(stack, "otelcli.explode") || strings.Contains(stack, "/") && !strings.Contains(stack, "github.com/") {
		t.Fatalf("stack %q", stack)
	}
	if strings.Contains(stack, ".go:") || strings.Contains(stack, "secret-panic-value") || strings.Contains(stack, "0x") {
		t.Fatalf("stack holds paths, lines, arguments or the message: %q", stack)
	}
}

func TestAuthorGlobalProviderChild(t *testing.T) {
	if !inChild() {
		t.Skip("run by TestAuthorGlobalProvider")
	}
	rec := tracetest.NewSpanRecorder()
	theirs := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	otel.SetTracerProvider(theirs)
	root := &cobra.Command{Use: "app", Run: func(cmd *cobra.Command, _ []string) {
		_, s := otel.Tracer("mine").Start(cmd.Context(), "their child")
		s.End()
	}}
	root.SetArgs(nil)
	if code := Execute(root, WithDelivery(DeliveryNone), withArgs(nil)); code != 0 {
		t.Fatalf("code %d", code)
	}
	if otel.GetTracerProvider() != theirs {
		t.Fatal("the author's provider was replaced")
	}
	if n := len(rec.Ended()); n != 1 {
		t.Fatalf("their provider got %d spans", n)
	}
	theirs.Shutdown(context.Background())
}

func TestAuthorGlobalProvider(t *testing.T) {
	h := newHome(t, "app", false)
	if code, out := child(t, "TestAuthorGlobalProviderChild", h); code != 0 {
		t.Fatalf("child failed:\n%s", out)
	}
	if s, _ := commandSpan(t, h, "app"); s.Name != "app" {
		t.Fatalf("command span %q", s.Name)
	}
}

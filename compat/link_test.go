package compat

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/cli-telemetry/otelcli/otelcli"
)

// This test binary links otelcli with otlptracehttp and the canonical OTLP
// packages (gRPC included): that it starts at all is the first check, since
// two registrations of one protobuf file panic at start.
//
// With WithExporter, the standard exporter sends the run, filtered by the
// same allowlist.
func TestWithStandardExporter(t *testing.T) {
	var mu sync.Mutex
	var names []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					names = append(names, s.Name)
					for _, kv := range s.Attributes {
						if kv.Key == "secret" {
							t.Errorf("undeclared attribute sent")
						}
					}
				}
			}
		}
	}))
	defer srv.Close()

	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	os.MkdirAll(filepath.Join(home, "config", "app", "telemetry"), 0o700)
	os.WriteFile(filepath.Join(home, "config", "app", "telemetry", "notice-shown"), []byte("x"), 0o600)
	for _, k := range []string{"DO_NOT_TRACK", "OTEL_SDK_DISABLED", "CI", "GITHUB_ACTIONS"} {
		t.Setenv(k, "")
	}

	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	root := &cobra.Command{Use: "app"}
	root.AddCommand(&cobra.Command{Use: "hello", Run: func(cmd *cobra.Command, _ []string) {
		otelcli.SetAttributes(cmd.Context())
	}})
	root.SetArgs([]string{"hello"})
	os.Args = []string{"app", "hello"}
	if code := otelcli.Execute(root, otelcli.WithExporter(exp)); code != 0 {
		t.Fatalf("exit %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(names) != 1 || names[0] != "app hello" {
		t.Fatalf("received %v", names)
	}
}

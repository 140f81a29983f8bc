package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cli-telemetry/otelcli/report"
)

func TestFromSavedTraces(t *testing.T) {
	dir := t.TempDir()
	out, js := filepath.Join(dir, "r", "usage.html"), filepath.Join(dir, "usage.json")
	var stdout, stderr bytes.Buffer
	err := run([]string{"--traces", "../../testdata/demo/traces.json", "--service", "clusterctl", "--out", out, "--json", js}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, s := range []string{"14 runs (14 recorded)", "clusterctl cluster create", "Report: " + out} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
		}
	}
	page, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(page, []byte(`id="report-data"`)) {
		t.Fatalf("page: %v", err)
	}
	var r report.Report
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil || r.RecordedRuns != 14 || r.Installs != 2 {
		t.Errorf("json: %v, %d runs, %d installs", err, r.RecordedRuns, r.Installs)
	}
}

func TestFromJaegerAndMetrics(t *testing.T) {
	traces, err := os.ReadFile("../../testdata/demo/traces.json")
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := os.ReadFile("../../testdata/demo/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/traces":
			if r.FormValue("service") != "clusterctl" || r.FormValue("start") == "" || r.FormValue("end") == "" {
				http.Error(w, "bad query", http.StatusBadRequest)
				return
			}
			w.Write(traces)
		case "/metrics":
			w.Write(metrics)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	out := filepath.Join(t.TempDir(), "usage.html")
	// The fixture's spans are older than --since: a wide window.
	err = run([]string{"--jaeger", srv.URL, "--service", "clusterctl", "--since", "87600h", "--metrics", srv.URL + "/metrics", "--out", out}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "COLLECTOR") || !strings.Contains(stdout.String(), "14 runs") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
}

func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"--service", "x"}, &stdout, &stderr); err == nil || !strings.Contains(stderr.String(), "usage:") {
		t.Errorf("err %v, stderr %q", err, stderr.String())
	}
}

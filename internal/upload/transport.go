package upload

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// recorder is a RoundTripper that remembers the status and Retry-After of
// the last response: otlptracehttp does not expose them, and the uploader
// needs them to tell "drop" from "retry" and to honour Retry-After.
type recorder struct {
	base       http.RoundTripper
	mu         sync.Mutex
	status     int
	retryAfter time.Duration
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		r.status = resp.StatusCode
		r.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		r.mu.Unlock()
	}
	return resp, err
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.status, r.retryAfter = 0, 0
	r.mu.Unlock()
}

func (r *recorder) get() (int, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status, r.retryAfter
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// newHTTPClient builds the client otlptracehttp uses. Handing the exporter
// our own client is what lets the recorder see responses, but it also means
// the exporter no longer applies OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT and the
// TLS file variables to it, so they are read here with the same precedence
// (signal-specific first).
func newHTTPClient(env func(string) (string, bool), rec *recorder) (*http.Client, time.Duration, error) {
	get := func(name string) string {
		if v, ok := env("OTEL_EXPORTER_OTLP_TRACES_" + name); ok && v != "" {
			return v
		}
		v, _ := env("OTEL_EXPORTER_OTLP_" + name)
		return v
	}
	timeout := DefaultTimeout
	if v := get("TIMEOUT"); v != "" {
		if ms, err := strconv.Atoi(v); err == nil && ms > 0 {
			timeout = time.Duration(ms) * time.Millisecond
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	var tlsCfg *tls.Config
	if ca := get("CERTIFICATE"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, 0, fmt.Errorf("upload: read CA certificate: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, 0, fmt.Errorf("upload: no certificate in %s", ca)
		}
		tlsCfg = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if cert, key := get("CLIENT_CERTIFICATE"), get("CLIENT_KEY"); cert != "" && key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, 0, fmt.Errorf("upload: client certificate: %w", err)
		}
		if tlsCfg == nil {
			tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tlsCfg.Certificates = []tls.Certificate{pair}
	}
	if tlsCfg != nil {
		tr.TLSClientConfig = tlsCfg
	}
	rec.base = tr
	return &http.Client{Transport: rec, Timeout: timeout}, timeout, nil
}

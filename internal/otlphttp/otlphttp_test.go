package otlphttp

import (
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	"github.com/cli-telemetry/otelcli/internal/otlp"
)

// request is what the loopback receiver saw.
type request struct {
	path   string
	header http.Header
	spans  []string
	tls    *tls.ConnectionState
}

// receiver is a real OTLP/HTTP endpoint on 127.0.0.1 that decodes each
// body as TracesData (the wire form of ExportTraceServiceRequest).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func (rc *receiver) handle(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Errorf("gzip: %v", err)
				return
			}
			body = zr
		}
		b, _ := io.ReadAll(body)
		rss, err := otlp.Unmarshal(b)
		if err != nil {
			t.Errorf("receiver: %v", err)
		}
		req := request{path: r.URL.Path, header: r.Header.Clone(), tls: r.TLS}
		for _, rs := range rss {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					req.spans = append(req.spans, s.Name)
				}
			}
		}
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, req)
		rc.mu.Unlock()
	}
}

func (rc *receiver) got() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(rc.handle(t))
	t.Cleanup(rc.Close)
	return rc
}

func body(t *testing.T, names ...string) []byte {
	var spans []otlp.Span
	for _, n := range names {
		spans = append(spans, otlp.Span{Name: n, TraceID: [16]byte{1}, SpanID: [8]byte{1}})
	}
	return otlp.Marshal([]otlp.ResourceSpans{{ScopeSpans: []otlp.ScopeSpans{{Spans: spans}}}})
}

func env(kv map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

// export resolves the configuration from vars and sends one request.
func export(t *testing.T, vars map[string]string, endpoint string) (Config, Response) {
	t.Helper()
	cfg, err := FromEnv(env(vars), endpoint)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	c := New(cfg)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return cfg, c.Export(ctx, body(t, "one"))
}

func TestEnvEndpoint(t *testing.T) {
	rc := newReceiver(t)
	t.Run("OTEL_EXPORTER_OTLP_ENDPOINT", func(t *testing.T) {
		// A base URL: /v1/traces is appended to its path.
		_, r := export(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rc.URL + "/otlp/"}, "")
		if r.Status != 200 || rc.got()[len(rc.got())-1].path != "/otlp/v1/traces" {
			t.Fatalf("%+v %+v", r, rc.got())
		}
	})
	t.Run("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", func(t *testing.T) {
		// Used as is, and wins over the generic one.
		_, r := export(t, map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://127.0.0.1:9",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": rc.URL + "/custom/path",
		}, "")
		if r.Status != 200 || rc.got()[len(rc.got())-1].path != "/custom/path" {
			t.Fatalf("%+v %+v", r, rc.got())
		}
		_, r = export(t, map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": rc.URL}, "")
		if r.Status != 200 || rc.got()[len(rc.got())-1].path != "/" {
			t.Fatal("an empty path is /")
		}
	})
	t.Run("explicit endpoint", func(t *testing.T) {
		_, r := export(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}, rc.URL+"/v1/traces")
		if r.Status != 200 || rc.got()[len(rc.got())-1].path != "/v1/traces" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("default", func(t *testing.T) {
		cfg, err := FromEnv(env(nil), "")
		if err != nil || cfg.URL.String() != DefaultEndpoint {
			t.Fatalf("%v %v", cfg.URL, err)
		}
	})
}

func TestEnvHeaders(t *testing.T) {
	rc := newReceiver(t)
	t.Run("OTEL_EXPORTER_OTLP_HEADERS", func(t *testing.T) {
		export(t, map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": rc.URL,
			"OTEL_EXPORTER_OTLP_HEADERS":  "x-api-key=se%20cret , x-team = a,",
		}, "")
		h := rc.got()[len(rc.got())-1].header
		if h.Get("X-Api-Key") != "se cret" || h.Get("X-Team") != "a" {
			t.Fatalf("headers %v", h)
		}
	})
	t.Run("OTEL_EXPORTER_OTLP_TRACES_HEADERS", func(t *testing.T) {
		// The signal's variable replaces the generic one entirely.
		export(t, map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":       rc.URL,
			"OTEL_EXPORTER_OTLP_HEADERS":        "x-api-key=generic,x-other=1",
			"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-api-key=traces",
		}, "")
		h := rc.got()[len(rc.got())-1].header
		if h.Get("X-Api-Key") != "traces" || h.Get("X-Other") != "" {
			t.Fatalf("headers %v", h)
		}
	})
}

func TestEnvTimeout(t *testing.T) {
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	e2e.Hang(hung)
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"} {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + hung.Addr().String(), name: "200"}
			if name == "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT" {
				vars["OTEL_EXPORTER_OTLP_TIMEOUT"] = "600000" // the signal's wins
			}
			cfg, r := export(t, vars, "")
			if cfg.Timeout != 200*time.Millisecond || r.Status != 0 || r.Err == nil {
				t.Fatalf("timeout %s: %+v", cfg.Timeout, r)
			}
		})
	}
}

func TestEnvCompression(t *testing.T) {
	rc := newReceiver(t)
	for _, name := range []string{"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"} {
		t.Run(name, func(t *testing.T) {
			_, r := export(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rc.URL, name: "gzip"}, "")
			got := rc.got()[len(rc.got())-1]
			if r.Status != 200 || got.header.Get("Content-Encoding") != "gzip" || len(got.spans) != 1 {
				t.Fatalf("%+v %v", r, got.header)
			}
		})
	}
}

// pki is a CA with a server certificate for 127.0.0.1 and a client
// certificate, as PEM files.
type pki struct {
	dir                                  string
	caPool                               *x509.CertPool
	serverCert                           tls.Certificate
	caFile, clientCert, clientKey, other string
}

func newPKI(t *testing.T) *pki {
	p := &pki{dir: t.TempDir()}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	p.caPool = x509.NewCertPool()
	p.caPool.AddCert(ca)
	leaf := func(serial int64, client bool) ([]byte, []byte) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		if client {
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		kb, _ := x509.MarshalECPrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	}
	sc, sk := leaf(2, false)
	p.serverCert, _ = tls.X509KeyPair(sc, sk)
	cc, ck := leaf(3, true)
	write := func(name string, b []byte) string {
		f := filepath.Join(p.dir, name)
		os.WriteFile(f, b, 0o600)
		return f
	}
	p.caFile = write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	p.clientCert, p.clientKey = write("client.pem", cc), write("client-key.pem", ck)
	// A certificate from no CA the server knows.
	selfKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	selfDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &selfKey.PublicKey, selfKey)
	p.other = write("other.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: selfDER}))
	return p
}

func (p *pki) serve(t *testing.T, mutual bool) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewUnstartedServer(rc.handle(t))
	rc.TLS = &tls.Config{Certificates: []tls.Certificate{p.serverCert}}
	if mutual {
		rc.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		rc.TLS.ClientCAs = p.caPool
	}
	rc.StartTLS()
	t.Cleanup(rc.Close)
	return rc
}

func TestEnvCertificate(t *testing.T) {
	p := newPKI(t)
	rc := p.serve(t, false)
	for _, name := range []string{"OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"} {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rc.URL, name: p.caFile}
			if name == "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE" {
				vars["OTEL_EXPORTER_OTLP_CERTIFICATE"] = p.other // the signal's wins
			}
			if _, r := export(t, vars, ""); r.Status != 200 {
				t.Fatalf("%+v", r)
			}
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		_, r := export(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rc.URL, "OTEL_EXPORTER_OTLP_CERTIFICATE": p.other}, "")
		if r.Status != 0 || r.Err == nil {
			t.Fatalf("sent to a server the CA does not vouch for: %+v", r)
		}
	})
}

func TestEnvClientCertificate(t *testing.T) {
	p := newPKI(t)
	rc := p.serve(t, true)
	for _, prefix := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_TRACES_"} {
		t.Run(prefix+"CLIENT_CERTIFICATE and "+prefix+"CLIENT_KEY", func(t *testing.T) {
			_, r := export(t, map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT":    rc.URL,
				"OTEL_EXPORTER_OTLP_CERTIFICATE": p.caFile,
				prefix + "CLIENT_CERTIFICATE":    p.clientCert,
				prefix + "CLIENT_KEY":            p.clientKey,
			}, "")
			got := rc.got()
			if r.Status != 200 || len(got) == 0 || len(got[len(got)-1].tls.PeerCertificates) == 0 {
				t.Fatalf("%+v", r)
			}
		})
	}
	t.Run("without", func(t *testing.T) {
		_, r := export(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rc.URL, "OTEL_EXPORTER_OTLP_CERTIFICATE": p.caFile}, "")
		if r.Status == 200 {
			t.Fatal("mTLS server accepted a client without a certificate")
		}
	})
}

func TestEnvInsecure(t *testing.T) {
	rc := newReceiver(t) // plain HTTP
	host := strings.TrimPrefix(rc.URL, "http://")
	for _, name := range []string{"OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_TRACES_INSECURE"} {
		t.Run(name, func(t *testing.T) {
			// An https URL made plain by the variable, as otlptracehttp does.
			cfg, r := export(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://" + host, name: "TRUE"}, "")
			if cfg.URL.Scheme != "http" || r.Status != 200 {
				t.Fatalf("%s %+v", cfg.URL, r)
			}
		})
	}
	cfg, _ := FromEnv(env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + host, "OTEL_EXPORTER_OTLP_INSECURE": "false"}), "")
	if cfg.URL.Scheme != "https" {
		t.Fatal("INSECURE=false did not make the endpoint secure")
	}
}

// TestCredentialsInURL: user:pass@ in the endpoint is sent as Basic
// authentication, not lost, and never on the request line.
func TestCredentialsInURL(t *testing.T) {
	rc := newReceiver(t)
	u := strings.Replace(rc.URL, "http://", "http://alice:s3cr%40t@", 1)
	cfg, r := export(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": u}, "")
	if r.Status != 200 || strings.Contains(cfg.URL.String(), "s3cr") {
		t.Fatalf("%+v %s", r, cfg.URL)
	}
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header = rc.got()[0].header
	if user, pass, ok := req.BasicAuth(); !ok || user != "alice" || pass != "s3cr@t" {
		t.Fatalf("basic auth %q %q %v", user, pass, ok)
	}
	for _, n := range cfg.Notes {
		if strings.Contains(n, "s3cr") {
			t.Fatal("note holds the password")
		}
	}
}

// TestMalformedIsAnErrorWithoutSecrets: each malformed value is refused
// (no upload), and the error names the variable, never the value.
func TestMalformedIsAnErrorWithoutSecrets(t *testing.T) {
	const secret = "SECRET-hunter2"
	cases := map[string]map[string]string{
		"header without =":     {"OTEL_EXPORTER_OTLP_HEADERS": "x-api-key: " + secret},
		"header bad name":      {"OTEL_EXPORTER_OTLP_HEADERS": "x api key=" + secret},
		"header bad escape":    {"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-api-key=" + secret + "%zz"},
		"header control chars": {"OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=" + secret + "%0d%0aX-Evil: 1"},
		"endpoint ::::":        {"OTEL_EXPORTER_OTLP_ENDPOINT": "::::"},
		"endpoint no scheme":   {"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"},
		"endpoint bad port":    {"OTEL_EXPORTER_OTLP_ENDPOINT": "https://user:" + secret + "@host:99999"},
		"endpoint bad url":     {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://user:" + secret + "@host/%zz"},
		"endpoint ftp":         {"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://" + secret + "@host"},
		"timeout word":         {"OTEL_EXPORTER_OTLP_TIMEOUT": secret},
		"timeout negative":     {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "-5"},
		"certificate missing":  {"OTEL_EXPORTER_OTLP_CERTIFICATE": "/nonexistent/" + secret},
		"certificate fifo":     {"OTEL_EXPORTER_OTLP_CERTIFICATE": "/dev/zero"},
		"client cert missing":  {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/nonexistent/" + secret, "OTEL_EXPORTER_OTLP_CLIENT_KEY": "/nonexistent"},
	}
	for name, vars := range cases {
		t.Run(name, func(t *testing.T) {
			var err error
			e2e.Within(t, 10*time.Second, "reading the configuration", func() { _, err = FromEnv(env(vars), "") })
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("accepted: %v", err)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "::::") {
				t.Fatalf("error shows the value: %v", err)
			}
		})
	}
	if _, err := FromEnv(env(nil), "::::"); err == nil {
		t.Fatal("a malformed explicit endpoint was accepted")
	}
	p := newPKI(t)
	if _, err := FromEnv(env(map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": p.caFile}), "http://127.0.0.1:1/v1/traces"); err == nil {
		t.Fatal("certificate with an http endpoint accepted (otlptracehttp refuses it at Start)")
	}
}

// TestHostileBackend: what a backend can answer. None of it is followed,
// read without bound or waited on past the timeout.
func TestHostileBackend(t *testing.T) {
	var mu sync.Mutex
	var elsewhere []http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere = append(elsewhere, r.Header.Clone())
		mu.Unlock()
	}))
	defer other.Close()
	handlers := map[string]http.HandlerFunc{
		"redirect 307": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/v1/traces", 307) },
		"redirect 308": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/v1/traces", 308) },
		"redirect 301": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/v1/traces", 301) },
		"redirect 302": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/v1/traces", 302) },
		"huge body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			chunk := make([]byte, 1<<20)
			for range 64 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		},
		"endless body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte(strings.Repeat(" ", 4096))
			for end := time.Now().Add(30 * time.Second); r.Context().Err() == nil && time.Now().Before(end); {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		},
		"slow drip": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.WriteHeader(200)
			for end := time.Now().Add(30 * time.Second); r.Context().Err() == nil && time.Now().Before(end); {
				w.Write([]byte{0x0a})
				w.(http.Flusher).Flush()
				time.Sleep(50 * time.Millisecond)
			}
		},
		"no headers ever": func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // then the server notices the client leave
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		},
		"huge headers": func(w http.ResponseWriter, r *http.Request) {
			for i := range 200 {
				w.Header().Set("X-Junk-"+strings.Repeat("a", i%50)+string(rune('a'+i%26)), strings.Repeat("x", 1000))
			}
		},
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			cfg, err := FromEnv(env(map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL,
				"OTEL_EXPORTER_OTLP_HEADERS":  "x-api-key=secret",
				"OTEL_EXPORTER_OTLP_TIMEOUT":  "1000",
			}), "")
			if err != nil {
				t.Fatal(err)
			}
			c := New(cfg)
			defer c.Close()
			b := body(t, "x")
			var r Response
			e2e.Within(t, 15*time.Second, "an export the timeout bounds", func() { r = c.Export(context.Background(), b) })
			if strings.HasPrefix(name, "redirect") && r.Status/100 != 3 {
				t.Fatalf("redirect followed: %+v", r)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(elsewhere) > 0 {
		t.Fatalf("a redirect took the request (and its API key) to another server: %v", elsewhere)
	}
}

func TestPartialSuccess(t *testing.T) {
	// ExportTraceServiceResponse{partial_success: {rejected_spans: 3,
	// error_message: "too old…"}}, written out.
	msg := "too old\x1b[31m"
	inner := append([]byte{0x08, 3, 0x12, byte(len(msg))}, msg...)
	resp := append([]byte{0x0a, byte(len(inner))}, inner...)
	for name, h := range map[string]http.HandlerFunc{
		"protobuf": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.Write(resp)
		},
		"json": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"partialSuccess":{"rejectedSpans":"3","errorMessage":"too old\u001b[31m"}}`))
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			_, r := export(t, nil, srv.URL+"/v1/traces")
			if r.Status != 200 || r.RejectedSpans != 3 || r.Message != "too old[31m" {
				t.Fatalf("%+v", r)
			}
		})
	}
	if _, _, err := parsePartialSuccess([]byte{0x0a, 0xff}); err == nil {
		t.Fatal("truncated response decoded")
	}
}

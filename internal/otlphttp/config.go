// Package otlphttp is a small OTLP/HTTP traces client: it posts encoded
// ExportTraceServiceRequest bodies (the spool's TracesData bytes have the
// same wire form) with net/http, and reads the response's partial success
// with protowire. It links no gRPC: the standard exporter, otlptracehttp,
// pulls gRPC and grpc-gateway in through the generated collector service
// package although it never speaks gRPC (opentelemetry-go issue 2579).
//
// FromEnv reads every OTEL_EXPORTER_OTLP_* and OTEL_EXPORTER_OTLP_TRACES_*
// variable otlptracehttp v1.47 honours, with its precedence and meaning,
// with three deliberate differences: a malformed value is an error (no
// upload at all) instead of a message on the terminal and a fallback;
// credentials in the endpoint URL are sent as Basic authentication instead
// of being dropped; and no error or note ever carries a header value, a
// password or a query string.
package otlphttp

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/cli-telemetry/otelcli/internal/store"
)

// Defaults, as otlptracehttp's.
const (
	DefaultEndpoint = "https://localhost:4318/v1/traces"
	DefaultTimeout  = 10 * time.Second
	tracesPath      = "/v1/traces"
	maxPEMBytes     = 1 << 20
	envPrefix       = "OTEL_EXPORTER_OTLP_"
)

// Config is what a Client needs, resolved.
type Config struct {
	// URL is where requests go: scheme, host and path only.
	URL *url.URL
	// Header is sent with every request (custom headers, and Basic
	// authentication from credentials in the endpoint URL).
	Header http.Header
	// Timeout bounds each request, the response body included; zero means
	// no bound but the caller's context.
	Timeout time.Duration
	Gzip    bool
	// TLS is nil for the system's roots and no client certificate.
	TLS *tls.Config
	// Notes are things a person debugging should know (a setting ignored,
	// as the standard exporter ignores it). They never hold a secret.
	Notes []string
}

// ConfigError is a malformed variable: nothing is uploaded. Its text names
// the variable and what is wrong, never the value.
type ConfigError struct {
	Var    string
	Reason string
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Reason }

// FromEnv resolves the configuration from env. endpoint, when set, is a
// full URL chosen by the caller (the CLI's own variable or its author's
// default): like otlptracehttp.WithEndpointURL it is used as is and decides
// the scheme, and the endpoint and insecure variables are not read.
func FromEnv(env func(string) (string, bool), endpoint string) (Config, error) {
	r := reader{env: env}
	cfg := Config{Header: http.Header{}, Timeout: DefaultTimeout}

	u, err := r.endpoint(endpoint)
	if err != nil {
		return Config{}, err
	}
	var user *url.Userinfo
	user, u.User = u.User, nil
	if u.RawQuery != "" || u.Fragment != "" {
		cfg.Notes = append(cfg.Notes, "the endpoint's query string and fragment are ignored, as by the standard exporter")
		u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	}
	cfg.URL = u

	// Headers: the signal's variable replaces the generic one entirely.
	for _, name := range []string{"HEADERS", "TRACES_HEADERS"} {
		if v, ok := r.get(name); ok {
			h, err := parseHeaders(envPrefix+name, v)
			if err != nil {
				return Config{}, err
			}
			cfg.Header = h
		}
	}
	if user != nil {
		if cfg.Header.Get("Authorization") != "" {
			cfg.Notes = append(cfg.Notes, "credentials in the endpoint URL are not used: an Authorization header is set")
		} else {
			pass, _ := user.Password()
			cfg.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user.Username()+":"+pass)))
			cfg.Notes = append(cfg.Notes, "credentials in the endpoint URL are sent as Basic authentication")
		}
	}

	for _, name := range []string{"TIMEOUT", "TRACES_TIMEOUT"} {
		if v, ok := r.get(name); ok {
			ms, err := strconv.Atoi(v)
			if err != nil || ms < 0 {
				return Config{}, &ConfigError{envPrefix + name, "not a whole, non-negative number of milliseconds"}
			}
			cfg.Timeout = time.Duration(ms) * time.Millisecond
		}
	}
	for _, name := range []string{"COMPRESSION", "TRACES_COMPRESSION"} {
		if v, ok := r.get(name); ok {
			cfg.Gzip = v == "gzip"
			if v != "gzip" && v != "none" {
				cfg.Notes = append(cfg.Notes, envPrefix+name+": unknown compression, none used (as by the standard exporter)")
			}
		}
	}
	for _, name := range []string{"PROTOCOL", "TRACES_PROTOCOL"} {
		if v, ok := r.get(name); ok && v != "http/protobuf" {
			cfg.Notes = append(cfg.Notes, envPrefix+name+": only http/protobuf is sent (every OTLP/HTTP receiver accepts it)")
		}
	}

	tlsCfg, err := r.tls()
	if err != nil {
		return Config{}, err
	}
	if tlsCfg != nil && u.Scheme == "http" {
		// otlptracehttp's Start fails the same way.
		return Config{}, &ConfigError{envPrefix + "CERTIFICATE", "a certificate is configured for an insecure (http) endpoint"}
	}
	cfg.TLS = tlsCfg
	return cfg, nil
}

type reader struct {
	env func(string) (string, bool)
}

// get reads OTEL_EXPORTER_OTLP_<name>, trimmed; empty is unset.
func (r reader) get(name string) (string, bool) {
	v, ok := r.env(envPrefix + name)
	if !ok {
		return "", false
	}
	v = strings.TrimSpace(v)
	return v, v != ""
}

// endpoint resolves the URL. Like otlptracehttp: the generic variable is a
// base URL to which /v1/traces is appended, the signal's is used as is (an
// empty path meaning /); http means insecure, anything else TLS, and the
// insecure variables, read after, override the scheme.
func (r reader) endpoint(explicit string) (*url.URL, error) {
	if explicit != "" {
		u, err := parseURL("endpoint", explicit)
		if err != nil {
			return nil, err
		}
		if u.Path == "" {
			u.Path = "/"
		}
		u.Path = cleanPath(u.Path)
		return u, nil
	}
	u, _ := url.Parse(DefaultEndpoint)
	insecure := false
	if v, ok := r.get("ENDPOINT"); ok {
		p, err := parseURL(envPrefix+"ENDPOINT", v)
		if err != nil {
			return nil, err
		}
		u, insecure = p, p.Scheme == "http"
		u.Path = path.Join(p.Path, tracesPath)
	}
	if v, ok := r.get("TRACES_ENDPOINT"); ok {
		p, err := parseURL(envPrefix+"TRACES_ENDPOINT", v)
		if err != nil {
			return nil, err
		}
		u, insecure = p, p.Scheme == "http"
		if u.Path == "" {
			u.Path = "/"
		}
	}
	for _, name := range []string{"INSECURE", "TRACES_INSECURE"} {
		if v, ok := r.get(name); ok {
			insecure = strings.EqualFold(v, "true")
		}
	}
	u.Scheme = "https"
	if insecure {
		u.Scheme = "http"
	}
	u.Path = cleanPath(u.Path)
	return u, nil
}

func cleanPath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" || p == "." {
		return tracesPath
	}
	if !path.IsAbs(p) {
		p = "/" + p
	}
	return p
}

// parseURL accepts an absolute http or https URL with a host. Its errors
// never repeat the value: it may hold a password.
func parseURL(name, v string) (*url.URL, error) {
	u, err := url.Parse(v)
	if err != nil {
		return nil, &ConfigError{name, "not a valid URL"}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &ConfigError{name, "not an absolute http:// or https:// URL"}
	}
	if u.Host == "" || u.Opaque != "" {
		return nil, &ConfigError{name, "no host in the URL"}
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, &ConfigError{name, "bad port in the URL"}
		}
	}
	return u, nil
}

// parseHeaders reads "k1=v1,k2=v2" with otlptracehttp's rules (names are
// tokens, values are URL-decoded and trimmed) but refuses a malformed entry
// instead of skipping it: a request without the key it was meant to carry
// is not sent. Errors name the entry by position, and the header name only
// when it is a valid one, never a value.
func parseHeaders(name, v string) (http.Header, error) {
	h := http.Header{}
	for i, entry := range strings.Split(v, ",") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		k, val, ok := strings.Cut(entry, "=")
		if !ok {
			return nil, &ConfigError{name, fmt.Sprintf("entry %d is not name=value", i+1)}
		}
		k = strings.TrimSpace(k)
		if !validName(k) {
			return nil, &ConfigError{name, fmt.Sprintf("entry %d has an invalid header name", i+1)}
		}
		dec, err := url.PathUnescape(val)
		if err != nil {
			return nil, &ConfigError{name, fmt.Sprintf("the value of %s has a bad %%-escape", k)}
		}
		dec = strings.TrimSpace(dec)
		if !validValue(dec) {
			return nil, &ConfigError{name, fmt.Sprintf("the value of %s has control characters", k)}
		}
		h.Set(k, dec)
	}
	return h, nil
}

func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// tls reads the certificate variables: the signal's CA replaces the
// generic one; a client certificate needs both its certificate and its key
// variable, the signal's pair replacing the generic pair. A file that
// cannot be read or parsed is an error (the standard exporter would fall
// back to the system's roots, and send to a server it was told not to
// trust).
func (r reader) tls() (*tls.Config, error) {
	var cfg tls.Config
	set := false
	ca, caName := "", ""
	for _, name := range []string{"CERTIFICATE", "TRACES_CERTIFICATE"} {
		if v, ok := r.get(name); ok {
			ca, caName = v, envPrefix+name
		}
	}
	if ca != "" {
		b, err := store.ReadRegular(ca, maxPEMBytes)
		if err != nil {
			return nil, &ConfigError{caName, "cannot read the certificate file"}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, &ConfigError{caName, "no PEM certificate in the file"}
		}
		cfg.RootCAs, set = pool, true
	}
	var cert, key, pairName string
	for _, p := range []string{"", "TRACES_"} {
		c, okc := r.get(p + "CLIENT_CERTIFICATE")
		k, okk := r.get(p + "CLIENT_KEY")
		if okc && okk {
			cert, key, pairName = c, k, envPrefix+p+"CLIENT_CERTIFICATE"
		}
	}
	if cert != "" {
		cb, err1 := store.ReadRegular(cert, maxPEMBytes)
		kb, err2 := store.ReadRegular(key, maxPEMBytes)
		if err1 != nil || err2 != nil {
			return nil, &ConfigError{pairName, "cannot read the client certificate or key file"}
		}
		pair, err := tls.X509KeyPair(cb, kb)
		if err != nil {
			return nil, &ConfigError{pairName, "the client certificate and key do not form a pair"}
		}
		cfg.Certificates, set = []tls.Certificate{pair}, true
	}
	if !set {
		return nil, nil
	}
	cfg.MinVersion = tls.VersionTLS12
	return &cfg, nil
}

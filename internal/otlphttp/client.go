package otlphttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cli-telemetry/otelcli/internal/otlp"
)

// MaxResponseBytes bounds what is read of a response body: an
// ExportTraceServiceResponse is a few bytes, an endless or huge body is
// cut there (and its connection closed).
const MaxResponseBytes = 64 << 10

// maxMessage bounds the partial-success message kept for debug output.
const maxMessage = 256

// Client posts OTLP/HTTP protobuf requests. It never follows a redirect: a
// 3xx is returned as it is, so that neither the body nor a header (an API
// key) goes anywhere the configuration did not name.
type Client struct {
	cfg Config
	url string
	hc  *http.Client
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		TLSClientConfig:        cfg.TLS,
	}
	return &Client{
		cfg: cfg,
		url: cfg.URL.String(),
		hc: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
}

// Close releases idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Response is what came back from one request.
type Response struct {
	// Status is the HTTP status, 0 when there was no response (refused,
	// reset, timed out, TLS failure): Err says why.
	Status int
	Err    error
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// RejectedSpans and Message are a 2xx response's partial success.
	RejectedSpans int64
	Message       string
}

// Export posts body, an encoded ExportTraceServiceRequest (or TracesData:
// the same wire form).
func (c *Client) Export(ctx context.Context, body []byte) Response {
	payload := body
	if c.cfg.Gzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		payload = b.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		return Response{Err: err}
	}
	req.Header.Set("User-Agent", "otelcli")
	for k, v := range c.cfg.Header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if c.cfg.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return Response{Err: err}
	}
	defer resp.Body.Close()
	r := Response{Status: resp.StatusCode}
	r.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Nothing in the body changes what happens next; read a little so
		// that a short error page lets the connection be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return r
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes))
	if err != nil || len(b) == 0 {
		// Accepted: what follows the status cannot undo that.
		return r
	}
	switch ct := strings.ToLower(resp.Header.Get("Content-Type")); {
	case strings.HasPrefix(ct, "application/x-protobuf"):
		r.RejectedSpans, r.Message, _ = parsePartialSuccess(b)
	case strings.HasPrefix(ct, "application/json"):
		r.RejectedSpans, r.Message = parsePartialSuccessJSON(b)
	}
	r.Message = printable(r.Message)
	return r
}

// parsePartialSuccess reads ExportTraceServiceResponse.partial_success.
func parsePartialSuccess(b []byte) (int64, string, error) {
	ps, err := otlp.UnmarshalPartialSuccess(b)
	return ps.RejectedSpans, ps.ErrorMessage, err
}

// parsePartialSuccessJSON reads the OTLP/JSON form of the response (int64
// as a string or a number, camelCase or snake_case names).
func parsePartialSuccessJSON(b []byte) (int64, string) {
	var resp map[string]json.RawMessage
	if json.Unmarshal(b, &resp) != nil {
		return 0, ""
	}
	ps := resp["partialSuccess"]
	if ps == nil {
		ps = resp["partial_success"]
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(ps, &fields) != nil {
		return 0, ""
	}
	var rejected int64
	for _, k := range []string{"rejectedSpans", "rejected_spans"} {
		if raw, ok := fields[k]; ok {
			s := strings.Trim(string(raw), `"`)
			rejected, _ = strconv.ParseInt(s, 10, 64)
		}
	}
	var msg string
	for _, k := range []string{"errorMessage", "error_message"} {
		if raw, ok := fields[k]; ok {
			json.Unmarshal(raw, &msg)
		}
	}
	return rejected, msg
}

// printable bounds a server's message and removes control characters, for
// debug output on a terminal.
func printable(s string) string {
	if len(s) > maxMessage {
		s = s[:maxMessage]
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == 0xfffd {
			return -1
		}
		return r
	}, s)
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && s >= 0 {
		if s > int64(24*time.Hour/time.Second) {
			return 24 * time.Hour
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

package report

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MetricSeries is one series of the collector's span metrics counter
// (cli_calls_total): the calls the collector counted for one command and
// error kind since it started. These are spans received, not re-weighted
// for sampling.
type MetricSeries struct {
	Service   string  `json:"service"`
	Version   string  `json:"version,omitempty"`
	Command   string  `json:"command"`
	ErrorType string  `json:"error_type,omitempty"`
	Calls     float64 `json:"calls"`
}

// CallsMetric is the name of the span metrics counter on the collector's
// Prometheus endpoint (namespace "cli" in collector/config.yaml).
const CallsMetric = "cli_calls_total"

// ParseSpanMetrics reads the Prometheus text exposition of the collector's
// metrics endpoint and returns the command series of cli_calls_total: those
// with a cli_command_path label (child spans have none). service, when not
// empty, keeps only that service's series.
func ParseSpanMetrics(r io.Reader, service string) ([]MetricSeries, error) {
	var out []MetricSeries
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, CallsMetric+"{") {
			continue
		}
		end := strings.LastIndexByte(line, '}')
		if end < 0 {
			continue
		}
		labels, err := parseLabels(line[len(CallsMetric)+1 : end])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", CallsMetric, err)
		}
		fields := strings.Fields(line[end+1:])
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: value %q: %w", CallsMetric, fields[0], err)
		}
		cmd := labels["cli_command_path"]
		if cmd == "" || (service != "" && labels["service_name"] != service) {
			continue
		}
		out = append(out, MetricSeries{
			Service:   labels["service_name"],
			Version:   labels["service_version"],
			Command:   cmd,
			ErrorType: labels["error_type"],
			Calls:     v,
		})
	}
	return out, sc.Err()
}

// parseLabels parses `a="x",b="y\"z"`.
func parseLabels(s string) (map[string]string, error) {
	m := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 || eq+1 >= len(s) || s[eq+1] != '"' {
			return nil, fmt.Errorf("malformed labels near %q", s)
		}
		name := strings.TrimSpace(s[:eq])
		s = s[eq+2:]
		var b strings.Builder
		i := 0
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				default:
					b.WriteByte(s[i])
				}
				continue
			}
			b.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, fmt.Errorf("unterminated label %s", name)
		}
		m[name] = b.String()
		s = strings.TrimLeft(s[i+1:], ", ")
	}
	return m, nil
}

// FetchSpanMetrics reads the span metrics from a Prometheus endpoint URL
// (the collector's, e.g. http://127.0.0.1:8889/metrics).
func FetchSpanMetrics(ctx context.Context, url, service string) ([]MetricSeries, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return ParseSpanMetrics(resp.Body, service)
}

package main

import (
	"regexp"
	"testing"

	"github.com/cli-telemetry/otelcli/processors"
)

func TestMayContain(t *testing.T) {
	pat := map[string]string{}
	for _, p := range processors.SanitizerPatterns() {
		pat[p.Name] = p.Expr
	}
	for _, tt := range []struct {
		whole, part string
		want        bool
	}{
		{`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, pat["long-hex"], false},
		{`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, pat["ipv6"], false},
		{`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, pat["email"], false},
		{`[0-9a-f]{40}`, pat["long-hex"], true},
		{`[A-Z0-9_]{2,32}`, pat["aws-key"], true},
		{`[A-Z0-9_]{2,32}`, pat["email"], false},
		{`AWS|AZURE|GCP`, pat["aws-key"], false},
		{`AKIAIOSFODNN7EXAMPLE`, pat["aws-key"], true},
		{`[A-Za-z][ \-.0-9:A-Z_a-z]{0,127}`, pat["ipv6"], true},
		{`[A-Za-z][ \-.0-9:A-Z_a-z]{0,127}`, pat["path"], false},
		{`[0-9A-Za-z][+\-.0-9A-Z_a-z]{0,63}`, pat["ipv4"], true},
		{`h:[0-9a-f]{24}`, pat["ipv6"], false},
		{`tok`, `(?i)TOK`, true},
		{`password`, pat["secret-assignment"], false},
		{`password=x`, pat["secret-assignment"], true},
		{`x`, `a*`, true},
	} {
		if got := mayContain(tt.whole, tt.part); got != tt.want {
			t.Errorf("mayContain(%q, %q) = %v, want %v", tt.whole, tt.part, got, tt.want)
		}
	}
}

// TestMayContainEnums cross-checks the proof on finite languages, where
// matching every value decides: it may say "maybe" where a word boundary
// rules a match out, never "no" where there is one.
func TestMayContainEnums(t *testing.T) {
	values := []string{"AWS", "GCP", "linux", "amd64", "go1.26.8", "10.0.0.1", "a@b.io", "fe80::1", "/usr", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "token abcdefgh123"}
	for _, p := range processors.SanitizerPatterns() {
		re := regexp.MustCompile(p.Expr)
		for _, v := range values {
			if re.MatchString(v) && !mayContain(regexp.QuoteMeta(v), p.Expr) {
				t.Errorf("%s in %q: proved impossible, but it matches", p.Name, v)
			}
		}
	}
}

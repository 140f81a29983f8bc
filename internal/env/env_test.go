package env

import "testing"

func fake(kv ...string) Lookup {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseBool(t *testing.T) {
	for _, v := range []string{"1", "t", "T", "true", "TRUE", "y", "yes", "On", " on "} {
		if b, ok := ParseBool(v); !b || !ok {
			t.Errorf("%q: %v %v", v, b, ok)
		}
	}
	for _, v := range []string{"0", "f", "false", "N", "no", "off"} {
		if b, ok := ParseBool(v); b || !ok {
			t.Errorf("%q: %v %v", v, b, ok)
		}
	}
	for _, v := range []string{"", "2", "nope", "enabled"} {
		if _, ok := ParseBool(v); ok {
			t.Errorf("%q parsed", v)
		}
	}
}

func TestReaders(t *testing.T) {
	l := fake("A", "yes", "B", "garbage", "C", "0", "R", "0.25", "R2", "2", "R3", "NaN", "D", "3s", "D2", "-1s")
	if !l.SaysOff("A") || !l.SaysOff("B") || l.SaysOff("C") || l.SaysOff("unset") {
		t.Fatal("SaysOff")
	}
	if !l.Bool("A") || l.Bool("B") || l.Bool("C") {
		t.Fatal("Bool")
	}
	if r, ok := l.Rate("R"); !ok || r != 0.25 {
		t.Fatal("Rate")
	}
	for _, n := range []string{"R2", "R3", "unset"} {
		if _, ok := l.Rate(n); ok {
			t.Fatalf("Rate(%s)", n)
		}
	}
	if d, ok := l.Duration("D"); !ok || d.Seconds() != 3 {
		t.Fatal("Duration")
	}
	if _, ok := l.Duration("D2"); ok {
		t.Fatal("negative duration")
	}
	if Prefixed("CLUSTERCTL_", TelemetryDisabled) != "CLUSTERCTL_TELEMETRY_DISABLED" || Prefixed("X", Endpoint) != "X_OTEL_EXPORTER_OTLP_ENDPOINT" {
		t.Fatal("Prefixed")
	}
}

package report

import (
	"fmt"
	"io"
	"testing"
	"time"
)

// synthetic is n runs of 12 commands by 500 installs over 30 days.
func synthetic(n int) []Span {
	spans := make([]Span, n)
	for i := range spans {
		var attrs map[string]any
		exit := int64(0)
		if i%9 == 0 {
			exit, attrs = 1, map[string]any{keyErrorType: fmt.Sprintf("kind_%d", i%4)}
		}
		res := map[string]any{keyInstallID: fmt.Sprintf("install-%d", i%500), keyVersion: fmt.Sprintf("1.%d.0", i%5)}
		if i%5 == 0 {
			res[keyCI] = "github_actions"
		}
		spans[i] = cmdSpan(fmt.Sprint(i), fmt.Sprintf("cli cmd%d", i%12), t0.Add(time.Duration(i)*30*24*time.Hour/time.Duration(n)), exit, attrs, res)
		spans[i].Attributes[keyFlags] = []string{"output", "verbose"}
	}
	return spans
}

func BenchmarkAggregate10k(b *testing.B) {
	spans := synthetic(10000)
	for b.Loop() {
		Aggregate(spans, Options{Service: "clusterctl"})
	}
}

func BenchmarkWriteHTML10k(b *testing.B) {
	r := Aggregate(synthetic(10000), Options{Service: "clusterctl"})
	for b.Loop() {
		if err := r.WriteHTML(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

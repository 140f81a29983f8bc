package processors

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestConsentGate(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	sw := NewConsentSwitch(true)
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(ConsentSampler(sw, sdktrace.AlwaysSample())),
		sdktrace.WithSpanProcessor(NewConsentGate(sw, rec)),
	)
	tr := tp.Tracer("t")

	_, s := tr.Start(context.Background(), "kept")
	s.End()

	// Withdrawn while running: the span was recorded but is not forwarded.
	_, s = tr.Start(context.Background(), "withdrawn mid-run")
	sw.Set(false)
	s.End()

	// Withdrawn before start: not even recorded.
	_, s = tr.Start(context.Background(), "not recorded")
	if s.IsRecording() {
		t.Error("span recorded without consent")
	}
	s.End()

	if got := rec.Ended(); len(got) != 1 || got[0].Name() != "kept" {
		t.Fatalf("forwarded %d spans", len(got))
	}
	g, ended := NewConsentGate(sw, rec), rec.Ended()[0]
	if n := testing.AllocsPerRun(100, func() { g.OnEnd(ended) }); n != 0 {
		t.Errorf("disabled gate allocates %v", n)
	}
}

package compat

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/cli-telemetry/otelcli/internal/otlp"
)

// captureClient is an otlptrace client that keeps what the standard
// exporter's own conversion made of the spans.
type captureClient struct{ got []*tracepb.ResourceSpans }

func (c *captureClient) Start(context.Context) error { return nil }
func (c *captureClient) Stop(context.Context) error  { return nil }
func (c *captureClient) UploadTraces(_ context.Context, rs []*tracepb.ResourceSpans) error {
	c.got = append(c.got, rs...)
	return nil
}

func spans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	res := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "app"), attribute.Bool("b", false), attribute.Int("zero", 0))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(res))
	ts, _ := trace.ParseTraceState("vendor=v")
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{9}, SpanID: [8]byte{8}, TraceFlags: trace.FlagsSampled, TraceState: ts, Remote: true})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
	tr := tp.Tracer("scope", trace.WithInstrumentationVersion("1.2"), trace.WithInstrumentationAttributes(attribute.String("sa", "1")))
	ctx, s := tr.Start(ctx, "root", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithLinks(trace.Link{SpanContext: parent, Attributes: []attribute.KeyValue{attribute.Int("l", 1)}}))
	s.SetAttributes(attribute.String("s", "x"), attribute.String("empty", ""), attribute.Bool("f", false), attribute.Int64("i", -3),
		attribute.Float64("d", 1.5), attribute.StringSlice("ss", []string{"a", "b"}), attribute.Int64Slice("is", []int64{0, 7}),
		attribute.BoolSlice("bs", []bool{false}), attribute.Float64Slice("fs", []float64{-0.25}))
	s.AddEvent("exception", trace.WithAttributes(attribute.String("exception.type", "panic")), trace.WithTimestamp(time.Unix(1, 2)))
	s.SetStatus(codes.Error, "boom")
	_, c := tp.Tracer("other").Start(ctx, "child")
	c.End()
	s.End()
	return rec.Ended()
}

// canonical is what the standard exporter's conversion makes of the spans.
func canonical(t *testing.T, ss []sdktrace.ReadOnlySpan) *tracepb.TracesData {
	t.Helper()
	c := &captureClient{}
	exp := otlptrace.NewUnstarted(c)
	if err := exp.ExportSpans(context.Background(), ss); err != nil {
		t.Fatal(err)
	}
	return &tracepb.TracesData{ResourceSpans: c.got}
}

// otelcli's bytes, read by the canonical generated code, are what the
// standard exporter would have sent.
func TestOurBytesAreCanonical(t *testing.T) {
	ss := spans(t)
	var got tracepb.TracesData
	if err := proto.Unmarshal(otlp.Marshal(otlp.FromSDK(ss)), &got); err != nil {
		t.Fatal(err)
	}
	want := canonical(t, ss)
	// The standard exporter writes an empty status message for "unset";
	// otelcli leaves the field out. Both mean the same.
	for _, td := range []*tracepb.TracesData{&got, want} {
		for _, rs := range td.ResourceSpans {
			for _, sc := range rs.ScopeSpans {
				for _, s := range sc.Spans {
					if s.Status != nil && s.Status.Code == tracepb.Status_STATUS_CODE_UNSET && s.Status.Message == "" {
						s.Status = nil
					}
				}
			}
		}
	}
	if !proto.Equal(&got, want) {
		t.Fatalf("differs from the standard exporter:\notelcli:  %v\nstandard: %v", &got, want)
	}
}

// Canonical bytes read by otelcli's decoder re-encode to the same message.
func TestCanonicalBytesDecode(t *testing.T) {
	want := canonical(t, spans(t))
	b, err := proto.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := otlp.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var got tracepb.TracesData
	if err := proto.Unmarshal(otlp.Marshal(rs), &got); err != nil {
		t.Fatal(err)
	}
	for _, r := range want.ResourceSpans {
		for _, sc := range r.ScopeSpans {
			for _, s := range sc.Spans {
				if s.Status != nil && s.Status.Code == tracepb.Status_STATUS_CODE_UNSET && s.Status.Message == "" {
					s.Status = nil
				}
			}
		}
	}
	if !proto.Equal(&got, want) {
		t.Fatalf("decoding lost something:\ngot  %v\nwant %v", &got, want)
	}
}

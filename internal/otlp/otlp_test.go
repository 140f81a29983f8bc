package otlp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// sdkSpans records spans with every feature OTLP carries.
func sdkSpans(t testing.TB) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	res := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "app"), attribute.Int("n", 0), attribute.Bool("b", false))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(res))
	ts, _ := trace.ParseTraceState("vendor=value")
	parent := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: [16]byte{1, 2, 3}, SpanID: [8]byte{4, 5}, TraceFlags: trace.FlagsSampled, TraceState: ts, Remote: true,
	})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
	tr := tp.Tracer("scope/a", trace.WithInstrumentationVersion("1.0"), trace.WithInstrumentationAttributes(attribute.String("sa", "x")))
	ctx, s := tr.Start(ctx, "root", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithLinks(trace.Link{SpanContext: parent, Attributes: []attribute.KeyValue{attribute.String("l", "v")}}))
	s.SetAttributes(
		attribute.String("s", ""), attribute.String("s2", "text"), attribute.Bool("t", true), attribute.Bool("f", false),
		attribute.Int64("i", -7), attribute.Int64("zero", 0), attribute.Float64("d", 3.5),
		attribute.StringSlice("ss", []string{"a", ""}), attribute.BoolSlice("bs", []bool{true, false}),
		attribute.Int64Slice("is", []int64{1, -2}), attribute.Float64Slice("fs", []float64{0.5}),
	)
	s.AddEvent("exception", trace.WithAttributes(attribute.String("exception.type", "panic")), trace.WithTimestamp(time.Unix(5, 6)))
	s.SetStatus(codes.Error, "message")
	_, c := tp.Tracer("scope/b").Start(ctx, "child")
	c.End()
	s.End()
	return rec.Ended()
}

// TestFromSDKWithResource: the given resource replaces the spans' own, and
// the rest is FromSDK's.
func TestFromSDKWithResource(t *testing.T) {
	spans := sdkSpans(t)
	attrs := []attribute.KeyValue{attribute.String("service.name", "other"), attribute.Int("k", 2)}
	got := FromSDKWithResource(spans, attrs, "https://example.com/schema")
	want := FromSDK(spans)
	want[0].Resource = Resource{Attributes: keyValues(attrs)}
	want[0].SchemaURL = "https://example.com/schema"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	want := FromSDK(sdkSpans(t))
	if len(want) != 1 || len(want[0].ScopeSpans) != 2 || Len(want) != 2 {
		t.Fatalf("grouping: %+v", want)
	}
	got, err := Unmarshal(Marshal(want))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(got), normalize(want)) {
		t.Fatalf("round trip changed the spans:\ngot  %+v\nwant %+v", got, want)
	}
	root := want[0].ScopeSpans[1].Spans[0] // ended last
	if root.Name != "root" {
		root = want[0].ScopeSpans[0].Spans[0]
	}
	if root.Flags != 0x301 || root.TraceState != "vendor=value" || root.Status != (Status{Code: StatusError, Message: "message"}) ||
		root.Kind != KindServer || len(root.ParentSpanID) != 8 || len(root.Links) != 1 || len(root.Events) != 1 {
		t.Fatalf("root span %+v", root)
	}
}

// normalize makes nil and empty slices equal, as they are on the wire.
func normalize(rs []ResourceSpans) []ResourceSpans {
	b := Marshal(rs)
	out, _ := Unmarshal(b)
	return out
}

// Zero values inside a value are written: false, 0 and "" are values, not
// unset.
func TestZeroValuesKept(t *testing.T) {
	rs := []ResourceSpans{{Resource: Resource{Attributes: []KeyValue{
		{Key: "f", Value: Value{Kind: Bool}}, {Key: "z", Value: Value{Kind: Int}}, {Key: "e", Value: Value{Kind: String}},
		{Key: "a", Value: Value{Kind: Array}},
	}}}}
	got, err := Unmarshal(Marshal(rs))
	if err != nil {
		t.Fatal(err)
	}
	for i, kv := range got[0].Resource.Attributes {
		if kv.Value.Kind != rs[0].Resource.Attributes[i].Value.Kind {
			t.Errorf("%s: kind %d, want %d", kv.Key, kv.Value.Kind, rs[0].Resource.Attributes[i].Value.Kind)
		}
	}
}

// A long message gets a multi-byte length prefix.
func TestLongMessage(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 70000)
	rs := []ResourceSpans{{ScopeSpans: []ScopeSpans{{Spans: []Span{{Name: string(long), SpanID: [8]byte{1}}}}}}}
	got, err := Unmarshal(Marshal(rs))
	if err != nil || got[0].ScopeSpans[0].Spans[0].Name != string(long) {
		t.Fatalf("%v", err)
	}
}

// Two marshalled batches appended are one batch with both.
func TestConcatenation(t *testing.T) {
	a := []ResourceSpans{{SchemaURL: "a"}}
	b := []ResourceSpans{{SchemaURL: "b"}, {SchemaURL: "c"}}
	got, err := Unmarshal(append(Marshal(a), Marshal(b)...))
	if err != nil || len(got) != 3 || got[2].SchemaURL != "c" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestAttributeConversion(t *testing.T) {
	for _, v := range []attribute.Value{
		attribute.StringValue("x"), attribute.BoolValue(false), attribute.Int64Value(-1), attribute.Float64Value(2.5),
		attribute.StringSliceValue([]string{"a"}), attribute.Int64SliceValue([]int64{1}),
		attribute.BoolSliceValue([]bool{true}), attribute.Float64SliceValue([]float64{1}),
	} {
		got, ok := FromAttribute(v).Attribute()
		if !ok || got != v {
			t.Errorf("%v: got %v %v", v.Emit(), got.Emit(), ok)
		}
	}
	for _, v := range []Value{
		{Kind: KVList}, {Kind: Bytes, Str: "x"}, {Kind: Empty},
		{Kind: Array, Array: []Value{{Kind: String}, {Kind: Int}}},
		{Kind: Array, Array: []Value{{Kind: Array}}},
	} {
		if _, ok := v.Attribute(); ok {
			t.Errorf("%+v has no attribute form", v)
		}
	}
}

// nest builds a value nested n lists deep.
func nest(n int) []byte {
	inner := []byte{}
	for range n {
		// AnyValue{array_value: ArrayValue{values: [inner]}}
		arr := appendMessage(nil, 1, func(b []byte) []byte { return append(b, inner...) })
		inner = appendMessage(nil, 5, func(b []byte) []byte { return append(b, arr...) })
	}
	kv := appendString(nil, 1, "k")
	kv = appendMessage(kv, 2, func(b []byte) []byte { return append(b, inner...) })
	res := appendMessage(nil, 1, func(b []byte) []byte { return append(b, kv...) })
	rs := appendMessage(nil, 1, func(b []byte) []byte { return append(b, res...) })
	return appendMessage(nil, 1, func(b []byte) []byte { return append(b, rs...) })
}

func TestHostileInput(t *testing.T) {
	if _, err := Unmarshal(nest(MaxDepth - 1)); err != nil {
		t.Fatalf("depth %d refused: %v", MaxDepth-1, err)
	}
	many := Marshal([]ResourceSpans{{Resource: Resource{Attributes: make([]KeyValue, MaxItems+1)}}})
	for name, b := range map[string][]byte{
		"deep":            nest(20000),
		"too many":        many,
		"truncated":       Marshal(FromSDK(sdkSpans(t)))[:50],
		"group wire type": {0x0b},
		"huge length":     append([]byte{0x0a}, binary.AppendUvarint(nil, 1<<40)...),
		"field zero":      {0x02, 0x00},
		"bad varint":      bytes.Repeat([]byte{0xff}, 11),
		"short trace id":  Marshal([]ResourceSpans{{ScopeSpans: []ScopeSpans{{Spans: []Span{{}}}}}})[:0],
		"wrong type":      appendTag(nil, 1, wireVarint),
	} {
		if name == "short trace id" {
			span := appendBytes(nil, 1, []byte{1, 2, 3})
			ss := appendMessage(nil, 2, func(b []byte) []byte { return append(b, span...) })
			rs := appendMessage(nil, 2, func(b []byte) []byte { return append(b, ss...) })
			b = appendMessage(nil, 1, func(b []byte) []byte { return append(b, rs...) })
		}
		if name == "wrong type" {
			b = binary.AppendUvarint(b, 1)
		}
		if _, err := Unmarshal(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPartialSuccess(t *testing.T) {
	body := appendMessage(nil, 1, func(b []byte) []byte {
		b = appendUint(b, 1, 3)
		return appendString(b, 2, "3 spans rejected")
	})
	ps, err := UnmarshalPartialSuccess(body)
	if err != nil || ps != (PartialSuccess{RejectedSpans: 3, ErrorMessage: "3 spans rejected"}) {
		t.Fatalf("%+v %v", ps, err)
	}
	if ps, err := UnmarshalPartialSuccess(nil); err != nil || ps != (PartialSuccess{}) {
		t.Fatalf("empty body: %+v %v", ps, err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(Marshal(FromSDK(sdkSpans(f))))
	f.Add(nest(3))
	f.Add([]byte{0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := Unmarshal(b)
		if err != nil {
			return
		}
		// What decodes re-encodes to something that decodes the same.
		again, err := Unmarshal(Marshal(rs))
		if err != nil || !reflect.DeepEqual(normalize(again), normalize(rs)) {
			t.Fatalf("re-encoding changed the message: %v", err)
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	rs := FromSDK(sdkSpans(b))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Marshal(rs)
	}
}

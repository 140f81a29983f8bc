package otlp

// ResourceSpans are the spans of one resource (one process).
type ResourceSpans struct {
	Resource   Resource
	ScopeSpans []ScopeSpans
	SchemaURL  string
}

// Resource describes the process.
type Resource struct {
	Attributes             []KeyValue
	DroppedAttributesCount uint32
}

// ScopeSpans are the spans of one instrumentation scope.
type ScopeSpans struct {
	Scope     Scope
	Spans     []Span
	SchemaURL string
}

// Scope is the instrumentation scope.
type Scope struct {
	Name                   string
	Version                string
	Attributes             []KeyValue
	DroppedAttributesCount uint32
}

// SpanKind is OTLP's span kind.
type SpanKind int32

// Span kinds.
const (
	KindUnspecified SpanKind = iota
	KindInternal
	KindServer
	KindClient
	KindProducer
	KindConsumer
)

// StatusCode is OTLP's status code.
type StatusCode int32

// Status codes.
const (
	StatusUnset StatusCode = iota
	StatusOK
	StatusError
)

// Span is one span.
type Span struct {
	TraceID                [16]byte
	SpanID                 [8]byte
	TraceState             string
	ParentSpanID           []byte // empty, or 8 bytes
	Flags                  uint32
	Name                   string
	Kind                   SpanKind
	StartTimeUnixNano      uint64
	EndTimeUnixNano        uint64
	Attributes             []KeyValue
	DroppedAttributesCount uint32
	Events                 []Event
	DroppedEventsCount     uint32
	Links                  []Link
	DroppedLinksCount      uint32
	Status                 Status
}

// Event is a span event.
type Event struct {
	TimeUnixNano           uint64
	Name                   string
	Attributes             []KeyValue
	DroppedAttributesCount uint32
}

// Link is a span link.
type Link struct {
	TraceID                [16]byte
	SpanID                 [8]byte
	TraceState             string
	Attributes             []KeyValue
	DroppedAttributesCount uint32
	Flags                  uint32
}

// Status is a span's status.
type Status struct {
	Message string
	Code    StatusCode
}

// KeyValue is one attribute.
type KeyValue struct {
	Key   string
	Value Value
}

// ValueKind says which of a Value's fields holds it.
type ValueKind uint8

// Value kinds; Empty is a value that was not set.
const (
	Empty ValueKind = iota
	String
	Bool
	Int
	Double
	Array
	KVList
	Bytes
)

// Value is OTLP's AnyValue: one of a string, bool, int, double, bytes, a
// list of values or a list of key-values.
type Value struct {
	Kind   ValueKind
	Str    string // String; Bytes holds its bytes here too
	Bool   bool
	Int    int64
	Double float64
	Array  []Value
	KVList []KeyValue
}

// Len counts the spans in rs.
func Len(rs []ResourceSpans) int {
	n := 0
	for _, r := range rs {
		for _, ss := range r.ScopeSpans {
			n += len(ss.Spans)
		}
	}
	return n
}

// PartialSuccess is what a backend says it rejected of an accepted export.
type PartialSuccess struct {
	RejectedSpans int64
	ErrorMessage  string
}

package otlp

import (
	"encoding/binary"
	"math"
)

// Protobuf wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// Marshal encodes rs as a TracesData message: the spool's file format, and
// the body of an OTLP/HTTP ExportTraceServiceRequest (same wire form:
// repeated ResourceSpans, field 1). Since a protobuf message's encodings
// concatenate into the merge of the messages, two marshalled batches
// appended are one batch holding both.
func Marshal(rs []ResourceSpans) []byte {
	var b []byte
	for i := range rs {
		b = appendMessage(b, 1, func(b []byte) []byte { return appendResourceSpans(b, &rs[i]) })
	}
	return b
}

func appendResourceSpans(b []byte, r *ResourceSpans) []byte {
	b = appendMessage(b, 1, func(b []byte) []byte {
		b = appendKeyValues(b, 1, r.Resource.Attributes)
		return appendUint(b, 2, uint64(r.Resource.DroppedAttributesCount))
	})
	for i := range r.ScopeSpans {
		b = appendMessage(b, 2, func(b []byte) []byte { return appendScopeSpans(b, &r.ScopeSpans[i]) })
	}
	return appendString(b, 3, r.SchemaURL)
}

func appendScopeSpans(b []byte, ss *ScopeSpans) []byte {
	b = appendMessage(b, 1, func(b []byte) []byte {
		b = appendString(b, 1, ss.Scope.Name)
		b = appendString(b, 2, ss.Scope.Version)
		b = appendKeyValues(b, 3, ss.Scope.Attributes)
		return appendUint(b, 4, uint64(ss.Scope.DroppedAttributesCount))
	})
	for i := range ss.Spans {
		b = appendMessage(b, 2, func(b []byte) []byte { return appendSpan(b, &ss.Spans[i]) })
	}
	return appendString(b, 3, ss.SchemaURL)
}

func appendSpan(b []byte, s *Span) []byte {
	b = appendBytes(b, 1, s.TraceID[:])
	b = appendBytes(b, 2, s.SpanID[:])
	b = appendString(b, 3, s.TraceState)
	b = appendBytes(b, 4, s.ParentSpanID)
	b = appendString(b, 5, s.Name)
	b = appendUint(b, 6, uint64(s.Kind))
	b = appendFixed64(b, 7, s.StartTimeUnixNano)
	b = appendFixed64(b, 8, s.EndTimeUnixNano)
	b = appendKeyValues(b, 9, s.Attributes)
	b = appendUint(b, 10, uint64(s.DroppedAttributesCount))
	for i := range s.Events {
		e := &s.Events[i]
		b = appendMessage(b, 11, func(b []byte) []byte {
			b = appendFixed64(b, 1, e.TimeUnixNano)
			b = appendString(b, 2, e.Name)
			b = appendKeyValues(b, 3, e.Attributes)
			return appendUint(b, 4, uint64(e.DroppedAttributesCount))
		})
	}
	b = appendUint(b, 12, uint64(s.DroppedEventsCount))
	for i := range s.Links {
		l := &s.Links[i]
		b = appendMessage(b, 13, func(b []byte) []byte {
			b = appendBytes(b, 1, l.TraceID[:])
			b = appendBytes(b, 2, l.SpanID[:])
			b = appendString(b, 3, l.TraceState)
			b = appendKeyValues(b, 4, l.Attributes)
			b = appendUint(b, 5, uint64(l.DroppedAttributesCount))
			return appendFixed32(b, 6, l.Flags)
		})
	}
	b = appendUint(b, 14, uint64(s.DroppedLinksCount))
	if s.Status != (Status{}) {
		b = appendMessage(b, 15, func(b []byte) []byte {
			b = appendString(b, 2, s.Status.Message)
			return appendUint(b, 3, uint64(s.Status.Code))
		})
	}
	return appendFixed32(b, 16, s.Flags)
}

func appendKeyValues(b []byte, field int, kvs []KeyValue) []byte {
	for i := range kvs {
		kv := &kvs[i]
		b = appendMessage(b, field, func(b []byte) []byte {
			b = appendString(b, 1, kv.Key)
			return appendMessage(b, 2, func(b []byte) []byte { return appendValue(b, &kv.Value) })
		})
	}
	return b
}

// appendValue writes an AnyValue. A oneof member is written even when it is
// its zero value (false, 0, ""), or the value would read back as unset.
func appendValue(b []byte, v *Value) []byte {
	switch v.Kind {
	case String:
		b = appendTag(b, 1, wireBytes)
		b = binary.AppendUvarint(b, uint64(len(v.Str)))
		return append(b, v.Str...)
	case Bool:
		b = appendTag(b, 2, wireVarint)
		if v.Bool {
			return append(b, 1)
		}
		return append(b, 0)
	case Int:
		b = appendTag(b, 3, wireVarint)
		return binary.AppendUvarint(b, uint64(v.Int))
	case Double:
		b = appendTag(b, 4, wireFixed64)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Double))
	case Array:
		return appendMessage(b, 5, func(b []byte) []byte {
			for i := range v.Array {
				b = appendMessage(b, 1, func(b []byte) []byte { return appendValue(b, &v.Array[i]) })
			}
			return b
		})
	case KVList:
		return appendMessage(b, 6, func(b []byte) []byte { return appendKeyValues(b, 1, v.KVList) })
	case Bytes:
		b = appendTag(b, 7, wireBytes)
		b = binary.AppendUvarint(b, uint64(len(v.Str)))
		return append(b, v.Str...)
	}
	return b
}

func appendTag(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field)<<3|uint64(wire))
}

// appendMessage writes a length-delimited field whose content fn appends:
// the content is written in place, then shifted right by the size of its
// length prefix, so that no message is built in a buffer of its own.
func appendMessage(b []byte, field int, fn func([]byte) []byte) []byte {
	b = appendTag(b, field, wireBytes)
	start := len(b)
	b = fn(b)
	n := len(b) - start
	var pre [binary.MaxVarintLen64]byte
	l := binary.PutUvarint(pre[:], uint64(n))
	b = append(b, pre[:l]...)
	copy(b[start+l:], b[start:start+n])
	copy(b[start:], pre[:l])
	return b
}

// The scalar appenders leave out zero values, as proto3 does.

func appendString(b []byte, field int, s string) []byte {
	if s == "" {
		return b
	}
	b = appendTag(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, field int, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = appendTag(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendUint(b []byte, field int, v uint64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendUvarint(appendTag(b, field, wireVarint), v)
}

func appendFixed64(b []byte, field int, v uint64) []byte {
	if v == 0 {
		return b
	}
	return binary.LittleEndian.AppendUint64(appendTag(b, field, wireFixed64), v)
}

func appendFixed32(b []byte, field int, v uint32) []byte {
	if v == 0 {
		return b
	}
	return binary.LittleEndian.AppendUint32(appendTag(b, field, wireFixed32), v)
}

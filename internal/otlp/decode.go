package otlp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Bounds on what Unmarshal accepts: a spool file or a request is a few KiB
// of one CLI's runs, so anything near these is hostile.
const (
	// MaxDepth bounds the nesting of values (lists in lists, maps in maps).
	MaxDepth = 8
	// MaxItems bounds the spans, events, links, attributes and values of one
	// message, counted together.
	MaxItems = 1 << 16
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("otlp: malformed protobuf")

// Unmarshal decodes a TracesData message (or an ExportTraceServiceRequest,
// which has the same wire form). Unknown fields are skipped, as protobuf
// readers do; anything else that does not decode is an error.
func Unmarshal(b []byte) ([]ResourceSpans, error) {
	d := &decoder{}
	var out []ResourceSpans
	err := d.fields(b, func(num int, typ int, _ uint64, data []byte) error {
		if num != 1 {
			return nil
		}
		if typ != wireBytes {
			return d.fail("resource_spans has wire type %d", typ)
		}
		var rs ResourceSpans
		if err := d.resourceSpans(data, &rs); err != nil {
			return err
		}
		out = append(out, rs)
		return nil
	})
	return out, err
}

// UnmarshalPartialSuccess reads the partial_success of an
// ExportTraceServiceResponse; an empty body is a full success.
func UnmarshalPartialSuccess(b []byte) (PartialSuccess, error) {
	d := &decoder{}
	var ps PartialSuccess
	err := d.fields(b, func(num, typ int, _ uint64, data []byte) error {
		if num != 1 || typ != wireBytes {
			return nil
		}
		return d.fields(data, func(num, typ int, v uint64, data []byte) error {
			switch {
			case num == 1 && typ == wireVarint:
				ps.RejectedSpans = int64(v)
			case num == 2 && typ == wireBytes:
				ps.ErrorMessage = string(data)
			}
			return nil
		})
	})
	return ps, err
}

type decoder struct {
	items int
}

func (d *decoder) fail(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// count charges one item against MaxItems.
func (d *decoder) count() error {
	if d.items++; d.items > MaxItems {
		return d.fail("more than %d items", MaxItems)
	}
	return nil
}

// fields walks the fields of one message, calling fn with each field's
// number, wire type, and its value (varint and fixed) or data (bytes).
func (d *decoder) fields(b []byte, fn func(num, typ int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return d.fail("bad tag")
		}
		b = b[n:]
		num, typ := int(tag>>3), int(tag&7)
		if num <= 0 || tag>>3 > math.MaxInt32 {
			return d.fail("bad field number")
		}
		var v uint64
		var data []byte
		switch typ {
		case wireVarint:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				return d.fail("bad varint")
			}
			b = b[n:]
		case wireFixed64:
			if len(b) < 8 {
				return d.fail("truncated fixed64")
			}
			v, b = binary.LittleEndian.Uint64(b), b[8:]
		case wireFixed32:
			if len(b) < 4 {
				return d.fail("truncated fixed32")
			}
			v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		case wireBytes:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return d.fail("bad length")
			}
			data, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return d.fail("wire type %d", typ)
		}
		if err := fn(num, typ, v, data); err != nil {
			return err
		}
	}
	return nil
}

// want checks that field num has the wire type its declaration says.
func (d *decoder) want(num, typ, want int) error {
	if typ != want {
		return d.fail("field %d has wire type %d, want %d", num, typ, want)
	}
	return nil
}

func (d *decoder) resourceSpans(b []byte, rs *ResourceSpans) error {
	return d.fields(b, func(num, typ int, _ uint64, data []byte) error {
		switch num {
		case 1:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			return d.fields(data, func(num, typ int, v uint64, data []byte) error {
				switch num {
				case 1:
					return d.keyValue(num, typ, data, &rs.Resource.Attributes)
				case 2:
					rs.Resource.DroppedAttributesCount = uint32(v)
					return d.want(num, typ, wireVarint)
				}
				return nil
			})
		case 2:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			var ss ScopeSpans
			if err := d.scopeSpans(data, &ss); err != nil {
				return err
			}
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		case 3:
			rs.SchemaURL = string(data)
			return d.want(num, typ, wireBytes)
		}
		return nil
	})
}

func (d *decoder) scopeSpans(b []byte, ss *ScopeSpans) error {
	return d.fields(b, func(num, typ int, _ uint64, data []byte) error {
		switch num {
		case 1:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			return d.fields(data, func(num, typ int, v uint64, data []byte) error {
				switch num {
				case 1:
					ss.Scope.Name = string(data)
					return d.want(num, typ, wireBytes)
				case 2:
					ss.Scope.Version = string(data)
					return d.want(num, typ, wireBytes)
				case 3:
					return d.keyValue(num, typ, data, &ss.Scope.Attributes)
				case 4:
					ss.Scope.DroppedAttributesCount = uint32(v)
					return d.want(num, typ, wireVarint)
				}
				return nil
			})
		case 2:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			if err := d.count(); err != nil {
				return err
			}
			var s Span
			if err := d.span(data, &s); err != nil {
				return err
			}
			ss.Spans = append(ss.Spans, s)
		case 3:
			ss.SchemaURL = string(data)
			return d.want(num, typ, wireBytes)
		}
		return nil
	})
}

func (d *decoder) span(b []byte, s *Span) error {
	return d.fields(b, func(num, typ int, v uint64, data []byte) error {
		switch num {
		case 1:
			return d.id(num, typ, data, s.TraceID[:])
		case 2:
			return d.id(num, typ, data, s.SpanID[:])
		case 3:
			s.TraceState = string(data)
			return d.want(num, typ, wireBytes)
		case 4:
			if len(data) != 0 && len(data) != 8 {
				return d.fail("parent span id of %d bytes", len(data))
			}
			s.ParentSpanID = append([]byte(nil), data...)
			return d.want(num, typ, wireBytes)
		case 5:
			s.Name = string(data)
			return d.want(num, typ, wireBytes)
		case 6:
			s.Kind = SpanKind(v)
			return d.want(num, typ, wireVarint)
		case 7:
			s.StartTimeUnixNano = v
			return d.want(num, typ, wireFixed64)
		case 8:
			s.EndTimeUnixNano = v
			return d.want(num, typ, wireFixed64)
		case 9:
			return d.keyValue(num, typ, data, &s.Attributes)
		case 10:
			s.DroppedAttributesCount = uint32(v)
			return d.want(num, typ, wireVarint)
		case 11:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			if err := d.count(); err != nil {
				return err
			}
			var e Event
			err := d.fields(data, func(num, typ int, v uint64, data []byte) error {
				switch num {
				case 1:
					e.TimeUnixNano = v
					return d.want(num, typ, wireFixed64)
				case 2:
					e.Name = string(data)
					return d.want(num, typ, wireBytes)
				case 3:
					return d.keyValue(num, typ, data, &e.Attributes)
				case 4:
					e.DroppedAttributesCount = uint32(v)
					return d.want(num, typ, wireVarint)
				}
				return nil
			})
			s.Events = append(s.Events, e)
			return err
		case 12:
			s.DroppedEventsCount = uint32(v)
			return d.want(num, typ, wireVarint)
		case 13:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			if err := d.count(); err != nil {
				return err
			}
			var l Link
			err := d.fields(data, func(num, typ int, v uint64, data []byte) error {
				switch num {
				case 1:
					return d.id(num, typ, data, l.TraceID[:])
				case 2:
					return d.id(num, typ, data, l.SpanID[:])
				case 3:
					l.TraceState = string(data)
					return d.want(num, typ, wireBytes)
				case 4:
					return d.keyValue(num, typ, data, &l.Attributes)
				case 5:
					l.DroppedAttributesCount = uint32(v)
					return d.want(num, typ, wireVarint)
				case 6:
					l.Flags = uint32(v)
					return d.want(num, typ, wireFixed32)
				}
				return nil
			})
			s.Links = append(s.Links, l)
			return err
		case 14:
			s.DroppedLinksCount = uint32(v)
			return d.want(num, typ, wireVarint)
		case 15:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			return d.fields(data, func(num, typ int, v uint64, data []byte) error {
				switch num {
				case 2:
					s.Status.Message = string(data)
					return d.want(num, typ, wireBytes)
				case 3:
					s.Status.Code = StatusCode(v)
					return d.want(num, typ, wireVarint)
				}
				return nil
			})
		case 16:
			s.Flags = uint32(v)
			return d.want(num, typ, wireFixed32)
		}
		return nil
	})
}

// id reads a trace or span id, which must have exactly its size.
func (d *decoder) id(num, typ int, data, dst []byte) error {
	if err := d.want(num, typ, wireBytes); err != nil {
		return err
	}
	if len(data) != len(dst) {
		return d.fail("field %d: id of %d bytes, want %d", num, len(data), len(dst))
	}
	copy(dst, data)
	return nil
}

// keyValue appends one KeyValue message to kvs.
func (d *decoder) keyValue(num, typ int, data []byte, kvs *[]KeyValue) error {
	if err := d.want(num, typ, wireBytes); err != nil {
		return err
	}
	kv, err := d.kv(data, 0)
	if err != nil {
		return err
	}
	*kvs = append(*kvs, kv)
	return nil
}

func (d *decoder) kv(b []byte, depth int) (KeyValue, error) {
	if err := d.count(); err != nil {
		return KeyValue{}, err
	}
	var kv KeyValue
	err := d.fields(b, func(num, typ int, _ uint64, data []byte) error {
		switch num {
		case 1:
			kv.Key = string(data)
			return d.want(num, typ, wireBytes)
		case 2:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			v, err := d.value(data, depth)
			kv.Value = v
			return err
		}
		return nil
	})
	return kv, err
}

func (d *decoder) value(b []byte, depth int) (Value, error) {
	if depth >= MaxDepth {
		return Value{}, d.fail("values nested deeper than %d", MaxDepth)
	}
	var v Value
	err := d.fields(b, func(num, typ int, x uint64, data []byte) error {
		switch num {
		case 1:
			v = Value{Kind: String, Str: string(data)}
			return d.want(num, typ, wireBytes)
		case 2:
			v = Value{Kind: Bool, Bool: x != 0}
			return d.want(num, typ, wireVarint)
		case 3:
			v = Value{Kind: Int, Int: int64(x)}
			return d.want(num, typ, wireVarint)
		case 4:
			v = Value{Kind: Double, Double: math.Float64frombits(x)}
			return d.want(num, typ, wireFixed64)
		case 5:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			v = Value{Kind: Array}
			return d.fields(data, func(num, typ int, _ uint64, data []byte) error {
				if num != 1 {
					return nil
				}
				if err := d.want(num, typ, wireBytes); err != nil {
					return err
				}
				if err := d.count(); err != nil {
					return err
				}
				e, err := d.value(data, depth+1)
				v.Array = append(v.Array, e)
				return err
			})
		case 6:
			if err := d.want(num, typ, wireBytes); err != nil {
				return err
			}
			v = Value{Kind: KVList}
			return d.fields(data, func(num, typ int, _ uint64, data []byte) error {
				if num != 1 {
					return nil
				}
				if err := d.want(num, typ, wireBytes); err != nil {
					return err
				}
				kv, err := d.kv(data, depth+1)
				v.KVList = append(v.KVList, kv)
				return err
			})
		case 7:
			v = Value{Kind: Bytes, Str: string(data)}
			return d.want(num, typ, wireBytes)
		}
		return nil
	})
	return v, err
}

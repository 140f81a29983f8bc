package otelcli

import (
	"context"
	"encoding/binary"
	"math/rand/v2"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cli-telemetry/otelcli/internal/store"
)

// idGenerator makes trace and span ids from math/rand/v2's generator, which
// the runtime seeds from the system's randomness: the SDK's default seeds a
// generator of its own with a system call on every provider, which a CLI
// pays on every run for the one or few spans it makes.
type idGenerator struct{}

var _ sdktrace.IDGenerator = idGenerator{}

func (idGenerator) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	var tid trace.TraceID
	for !tid.IsValid() {
		binary.LittleEndian.PutUint64(tid[:8], rand.Uint64())
		binary.LittleEndian.PutUint64(tid[8:], rand.Uint64())
	}
	return tid, newSpanID()
}

func (idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

func newSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		binary.LittleEndian.PutUint64(sid[:], rand.Uint64())
	}
	return sid
}

// newExecID is the execution id: a version 4 UUID from the same generator.
// It groups one run's spans and names its spool file, so it must be unique,
// not secret; crypto/rand's first use in a process sets up the system's
// random state, which every command would pay for one id.
func newExecID() string {
	var u [16]byte
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	return store.FormatUUID(u)
}

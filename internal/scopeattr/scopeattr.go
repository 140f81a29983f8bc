// Package scopeattr reads and writes the attributes of an instrumentation
// scope. instrumentation.Scope has an Attributes field from OpenTelemetry Go
// 1.32 on; otelcli works with releases from 1.20, so the field is reached by
// name: where it does not exist, a scope has no attributes and none can be
// set (none could have been recorded either).
package scopeattr

import (
	"reflect"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
)

const field = "Attributes"

var setType = reflect.TypeOf(attribute.Set{})

// Get returns s's attributes.
func Get(s instrumentation.Scope) []attribute.KeyValue {
	f := reflect.ValueOf(s).FieldByName(field)
	if !f.IsValid() || f.Type() != setType {
		return nil
	}
	set := f.Interface().(attribute.Set)
	return set.ToSlice()
}

// Set replaces s's attributes with kvs, where scopes have attributes.
func Set(s *instrumentation.Scope, kvs []attribute.KeyValue) {
	f := reflect.ValueOf(s).Elem().FieldByName(field)
	if !f.IsValid() || f.Type() != setType || !f.CanSet() {
		return
	}
	f.Set(reflect.ValueOf(attribute.NewSet(kvs...)))
}

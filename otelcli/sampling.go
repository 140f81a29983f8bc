package otelcli

import (
	"hash/fnv"
	"math"
)

// sampled decides from the execution id alone, so the decision is the same
// for every span of the invocation, child spans included, and uniform
// across invocations (the id is random).
func sampled(execID string, rate float64) bool {
	if rate >= 1 || math.IsNaN(rate) {
		return true
	}
	if rate <= 0 {
		return false
	}
	h := fnv.New64a()
	h.Write([]byte(execID))
	return float64(h.Sum64()) < rate*math.MaxUint64
}

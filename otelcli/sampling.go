package otelcli

import (
	"hash/fnv"
	"math"
	"strconv"
)

// effectiveSampleRate is the author's rate, unless the user set
// <PREFIX>_TELEMETRY_SAMPLE_RATE to a number in [0, 1].
func (c *config) effectiveSampleRate() float64 {
	rate := c.sampleRate
	if v := c.env(c.envPrefix + "TELEMETRY_SAMPLE_RATE"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
			rate = f
		}
	}
	return rate
}

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

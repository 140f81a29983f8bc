package processors

import (
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// TestAllSharesElements: All hands a string slice's elements, copied once,
// to its element rules; what it returns is what applying each rule in turn
// returns.
func TestAllSharesElements(t *testing.T) {
	masked := Sanitized(SanitizerFunc(func(s string) string {
		if s == "secret" {
			return "****"
		}
		return s
	}))
	rules := []Rule{
		All(MaxItems(3), EachOf(OneOf("a", "b", "c", "****"))),
		All(EachOf(masked), MaxItems(2), EachOf(OneOf("a", "****"))),
		All(masked, MaxItems(4), Describe(EachOf(MaxLen(3)), "short")),
		All(Describe(MaxItems(2), "at most 2 items"), EachOf(LowCardinalityName())),
		All(MaxLen(4), MaxItems(3)),
		All(Describe(Describe(MaxItems(3), "x"), "y"), Describe(OneOf("a"), "only a"), Describe(EachOf(masked), "masked")),
	}
	words := []string{"a", "b", "c", "secret", "toolong", "x y", ""}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		var v attribute.Value
		switch rng.IntN(3) {
		case 0:
			elems := make([]string, rng.IntN(6))
			for i := range elems {
				elems[i] = words[rng.IntN(len(words))]
			}
			v = attribute.StringSliceValue(elems)
		case 1:
			v = attribute.StringValue(words[rng.IntN(len(words))])
		default:
			v = attribute.Int64SliceValue(make([]int64, rng.IntN(5)))
		}
		for i, r := range rules {
			want, wantOK := v, true
			for _, sub := range r.(all) {
				if want, wantOK = sub.Apply(want); !wantOK {
					want = attribute.Value{}
					break
				}
			}
			got, ok := r.Apply(v)
			if ok != wantOK || got.Emit() != want.Emit() || got.Type() != want.Type() {
				t.Fatalf("rule %d on %s: got %s %v, want %s %v", i, v.Emit(), got.Emit(), ok, want.Emit(), wantOK)
			}
		}
	}
}

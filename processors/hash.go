package processors

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"

	"go.opentelemetry.io/otel/attribute"
)

// MinHashKeyLen is the shortest key [KeyedHash] accepts.
const MinHashKeyLen = 16

// KeyedHash returns a sanitizer that replaces a value with a truncated
// HMAC-SHA256 of it under key, so that an author can count distinct values
// (projects, clusters) without learning them. Plain hashes of names are
// reversible by dictionary; an HMAC with a key that never leaves the user's
// machine is not, and two installs produce unrelated hashes for one value.
func KeyedHash(key []byte) (Sanitizer, error) {
	if len(key) < MinHashKeyLen {
		return nil, errors.New("processors: KeyedHash needs a key of at least 16 bytes")
	}
	h := &keyedHasher{}
	if len(key) > sha256.BlockSize {
		sum := sha256.Sum256(key)
		key = sum[:]
	}
	copy(h.inner[:], key)
	copy(h.outer[:], key)
	for i := range h.inner {
		h.inner[i] ^= 0x36
		h.outer[i] ^= 0x5c
	}
	return h, nil
}

// keyedHasher holds the key's padded blocks: one allocation, where a
// closure over two arrays made three.
type keyedHasher struct{ inner, outer [sha256.BlockSize]byte }

func (h *keyedHasher) Sanitize(s string) string { return hmacHex(&h.inner, &h.outer, s) }

// hmacHex is "h:" and the first hashBytes of HMAC-SHA256(key, s) in hex,
// given the key's padded blocks: crypto/hmac's result (a test holds them
// equal) in one allocation, the string returned, where crypto/hmac makes
// eight. A value is hashed on every command that sends one.
func hmacHex(inner, outer *[sha256.BlockSize]byte, s string) string {
	var buf [sha256.BlockSize + 192]byte
	msg := append(append(buf[:0], inner[:]...), s...)
	sum := sha256.Sum256(msg)
	msg = append(append(buf[:0], outer[:]...), sum[:]...)
	sum = sha256.Sum256(msg)
	var out [len(hashPrefix) + 2*hashBytes]byte
	copy(out[:], hashPrefix)
	hex.Encode(out[len(hashPrefix):], sum[:hashBytes])
	return string(out[:])
}

// A keyed hash is "h:" and 12 bytes of the HMAC in lower-case hex.
const (
	hashPrefix = "h:"
	hashBytes  = 12
)

// KeyedHashValue accepts exactly the values [KeyedHash] produces, under any
// key: the rule of a field whose values are hashed on the user's machine.
func KeyedHashValue() Rule { return keyedHashRule{} }

type keyedHashRule struct{}

func (keyedHashRule) Apply(v attribute.Value) (attribute.Value, bool) {
	if v.Type() != attribute.STRING {
		return attribute.Value{}, false
	}
	s := v.AsString()
	if len(s) != len(hashPrefix)+2*hashBytes || s[:len(hashPrefix)] != hashPrefix {
		return attribute.Value{}, false
	}
	for i := len(hashPrefix); i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return attribute.Value{}, false
		}
	}
	return v, true
}

func (keyedHashRule) describe() string { return "a keyed hash" }

// KeyedHashing is the rule of a field whose values leave the process only
// as keyed hashes: a string value is replaced by its [KeyedHash] under the key
// key returns (asked on first use, so that the key is read only when a value
// needs it); a value that is such a hash already passes as it is, so that
// applying the rule again changes nothing. Without a key (key is nil or
// returns an unusable key) only hashes pass.
func KeyedHashing(key func() []byte) Rule {
	return &keyedHashingRule{key: key}
}

// keyedHashingRule makes its hasher on first use, once: one allocation for
// the rule, where sync.OnceValues would add a closure and its state.
type keyedHashingRule struct {
	key  func() []byte // nil without a key
	once sync.Once
	hash Sanitizer // nil until made, or when the key is unusable
}

func (r *keyedHashingRule) Apply(v attribute.Value) (attribute.Value, bool) {
	if out, ok := (keyedHashRule{}).Apply(v); ok {
		return out, true
	}
	if v.Type() != attribute.STRING || r.key == nil {
		return attribute.Value{}, false
	}
	r.once.Do(func() {
		if h, err := KeyedHash(r.key()); err == nil {
			r.hash = h
		}
	})
	if r.hash == nil {
		return attribute.Value{}, false
	}
	return attribute.StringValue(r.hash.Sanitize(v.AsString())), true
}

func (*keyedHashingRule) describe() string { return "a keyed hash" }

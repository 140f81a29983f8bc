package processors

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
	k := append([]byte(nil), key...)
	return SanitizerFunc(func(s string) string {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		sum := m.Sum(nil)
		return "h:" + hex.EncodeToString(sum[:12])
	}), nil
}

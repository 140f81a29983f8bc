package otelcli

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/processors"
)

// Account declares the identifier of the account a user is logged in with,
// for CLIs whose authors count usage per account (Ariga's Atlas CLI does,
// for logged-in users). Runs stay anonymous while nobody is logged in; while
// someone is, every span carries the id under Key, and `telemetry status`
// says so.
type Account struct {
	// Key is the attribute ("clusterctl.account.id").
	Key string
	// Purpose says why the id is collected; `telemetry status` and the
	// README's table show it. It is required.
	Purpose string
	// HashKey is the author's key: the id is sent as an HMAC-SHA256 under
	// it (at least 16 bytes), the same on every install, so that an account
	// counts once across machines and the id itself never leaves. Leave it
	// nil and set Raw to send the id as it is.
	HashKey []byte
	Raw     bool
	// ID returns the id of the logged-in account; ok is false when nobody is
	// logged in. It is called once a run, after the command.
	ID func() (id string, ok bool)
}

// WithAccount attaches the logged-in user's account id to every span; see
// [Account]. A declaration that is incomplete (no key, no purpose, no ID, a
// short hash key without Raw) attaches nothing, and debug output says why.
func WithAccount(a Account) Option {
	return optionFunc(func(c *config) { c.account = &a })
}

func (a *Account) validate() error {
	switch {
	case a.Key == "" || a.ID == nil:
		return errors.New("account: Key and ID are required")
	case a.Purpose == "":
		return errors.New("account: Purpose is required")
	case a.Raw && a.HashKey != nil:
		return errors.New("account: HashKey and Raw exclude each other")
	case !a.Raw && len(a.HashKey) < processors.MinHashKeyLen:
		return fmt.Errorf("account: HashKey needs %d bytes or more (or Raw)", processors.MinHashKeyLen)
	}
	return nil
}

// field declares the account attribute to the allowlist.
func (a *Account) field() processors.Field {
	rule := processors.KeyedHashValue()
	how := "a keyed hash under the author's key"
	if a.Raw {
		rule, how = processors.MaxLen(256), "as it is"
	}
	return processors.Field{
		Key: a.Key, Type: attribute.STRING, Rule: rule, Class: processors.Identifier,
		Purpose: a.Purpose + " (only while logged in; " + how + ")",
	}
}

// attribute is the account attribute for this run, if someone is logged in.
func (a *Account) attribute() (attribute.KeyValue, bool) {
	id, ok := a.ID()
	if !ok || id == "" {
		return attribute.KeyValue{}, false
	}
	if !a.Raw {
		h, err := processors.KeyedHash(a.HashKey)
		if err != nil {
			return attribute.KeyValue{}, false
		}
		id = h.Sanitize(id)
	}
	return attribute.String(a.Key, id), true
}

// statusLine says plainly whether this user's runs carry an account id.
func (a *Account) statusLine() string {
	if _, ok := a.ID(); !ok {
		return "You are not logged in: runs are anonymous."
	}
	how := "as a keyed hash"
	if a.Raw {
		how = "as it is"
	}
	return fmt.Sprintf("You are logged in: each run carries your account id (%s, %s), %s.", a.Key, how, a.Purpose)
}

package otelcli

import (
	"fmt"
	"strings"
	"testing"
)

func TestAccount(t *testing.T) {
	loggedIn := ""
	account := func(a Account) Option {
		a.ID = func() (string, bool) { return loggedIn, loggedIn != "" }
		return WithAccount(a)
	}
	hashed := account(Account{Key: "app.account.id", Purpose: "usage per account", HashKey: []byte("author-key-0123456789")})
	for _, tt := range []struct {
		name   string
		opt    Option
		user   string
		want   string // "" none, "hash", or the raw id
		status string
	}{
		{"logged out", hashed, "", "", "not logged in"},
		{"logged in, hashed", hashed, "acct-secret-77", "hash", "as a keyed hash"},
		{"raw", account(Account{Key: "app.account.id", Purpose: "support", Raw: true}), "acct-77", "acct-77", "as it is"},
		{"no purpose", account(Account{Key: "app.account.id", HashKey: []byte("author-key-0123456789")}), "acct-secret-77", "", ""},
		{"short key", account(Account{Key: "app.account.id", Purpose: "p", HashKey: []byte("short")}), "acct-secret-77", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t, "app", false)
			loggedIn = tt.user
			opts := append(appOpts, tt.opt, WithTelemetryCommand())
			execute(t, testTree(), []string{"cluster", "create"}, nil, opts...)
			s, _ := commandSpan(t, h, "app")
			v, has := s.Attributes["app.account.id"].(string)
			switch {
			case tt.want == "" && has:
				t.Fatalf("account sent: %q", v)
			case tt.want == "hash" && (!strings.HasPrefix(v, "h:") || len(v) != 26):
				t.Fatalf("account %q, want a keyed hash", v)
			case tt.want != "" && tt.want != "hash" && v != tt.want:
				t.Fatalf("account %q, want %q", v, tt.want)
			}
			if tt.user != "" && tt.want != tt.user && strings.Contains(fmt.Sprint(spooled(t, h, "app")), tt.user) {
				t.Fatal("the raw id left")
			}
			r := execute(t, testTree(), []string{"telemetry", "status"}, nil, opts...)
			if !strings.Contains(r.stdout, tt.status) {
				t.Fatalf("status %q lacks %q", r.stdout, tt.status)
			}
		})
	}
	// The same account hashes the same on two installs.
	loggedIn = "acct-1"
	var got []string
	for range 2 {
		h := newHome(t, "app", false)
		execute(t, testTree(), []string{"cluster", "create"}, nil, append(appOpts, hashed)...)
		s, _ := commandSpan(t, h, "app")
		got = append(got, fmt.Sprint(s.Attributes["app.account.id"]))
	}
	if got[0] != got[1] {
		t.Fatalf("one account, two hashes: %v", got)
	}
}

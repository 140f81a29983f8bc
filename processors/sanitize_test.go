package processors

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizers(t *testing.T) {
	tests := []struct {
		name string
		s    Sanitizer
		in   string
		want string
	}{
		{"email", RedactEmails(), "mail bob.smith+x@example.co.uk now", "mail <email> now"},
		{"email twice", RedactEmails(), "a@b.io,c@d.org", "<email>,<email>"},
		{"no email", RedactEmails(), "user@localhost", "user@localhost"},
		{"url creds", RedactURLs(), "git clone https://bob:hunter2@git.example.com/repo.git", "git clone https://<redacted>@git.example.com/repo.git"},
		{"url query", RedactURLs(), "GET https://api.example.com/v1/x?token=abc&u=1", "GET https://api.example.com/v1/x?<redacted>"},
		{"url fragment", RedactURLs(), "https://e.com/p#access_token=x", "https://e.com/p#<redacted>"},
		{"url plain", RedactURLs(), "https://api.example.com/v1/clusters", "https://api.example.com/v1/clusters"},
		{"ipv4", RedactIPs(), "connect 10.1.2.3:5432 failed", "connect <ip>:5432 failed"},
		{"ipv6", RedactIPs(), "dial [2001:db8::1]:443", "dial [<ip>]:443"},
		{"ipv6 loopback", RedactIPs(), "at ::1 now", "at <ip> now"},
		{"not ip", RedactIPs(), "version 1.2.3 at 12:30:45", "version 1.2.3 at 12:30:45"},
		{"jwt", RedactSecrets(), "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "<jwt>"},
		{"aws", RedactSecrets(), "key AKIAIOSFODNN7EXAMPLE", "key <aws-key>"},
		{"github", RedactSecrets(), "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "<github-token>"},
		{"github pat", RedactSecrets(), "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "<github-token>"},
		{"slack", RedactSecrets(), "xoxb-123456789012-abcdefghij", "<slack-token>"},
		{"bearer", RedactSecrets(), "Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer <token>"},
		{"assignment", RedactSecrets(), "password=hunter2 user=bob", "password=<redacted> user=bob"},
		{"api key", RedactSecrets(), "--api-key: s3cr3t", "--api-key: <redacted>"},
		{"pem", RedactSecrets(), "x -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- y", "x <pem> y"},
		{"pem open", RedactSecrets(), "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA", "<pem>"},
		{"hex", RedactSecrets(), "sha 0123456789abcdef0123456789abcdef01", "sha <hex>"},
		{"base64", RedactSecrets(), "tok dGhpcyBpcyBhIHNlY3JldCB0b2tlbiB2YWx1ZTEyMw==", "tok <secret>"},
		{"words", RedactSecrets(), "clusterctl cluster create", "clusterctl cluster create"},
		{"abs path", RedactPaths(), "open /home/bob/projects/acme/main.tf: no such file", "open <path>: no such file"},
		{"home path", RedactPaths(), "read ~/secrets/key.pem", "read <path>"},
		{"windows path", RedactPaths(), `open C:\Users\bob\file.txt`, "open <path>"},
		{"quoted path", RedactPaths(), `file "/etc/passwd"`, `file "<path>"`},
		{"relative kept", RedactPaths(), "and/or either", "and/or either"},
		{"all", Redact(), "bob@example.com at https://u:p@h.io/x?y=1 from 1.2.3.4 in /home/bob", "<email> at https://<redacted>@h.io/x?<redacted> from <ip> in <path>"},
		{"functions", FunctionsOnly(), "goroutine 1 [running]:\nmain.run(0xc000012345, {0x1, 0x2})\n\t/home/bob/x/main.go:10 +0x1d\nmain.main()\n\t/home/bob/x/main.go:3 +0x5", "main.run\nmain.main"},
		{"functions methods", FunctionsOnly(), "github.com/acme/cli.(*Cmd).Run(...)\n\t/x.go:1", "github.com/acme/cli.(*Cmd).Run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestKeyedHash(t *testing.T) {
	if _, err := KeyedHash([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
	k1, _ := KeyedHash([]byte("0123456789abcdef"))
	k2, _ := KeyedHash([]byte("fedcba9876543210"))
	a, b := k1.Sanitize("prod-cluster"), k1.Sanitize("prod-cluster")
	if a != b || !strings.HasPrefix(a, "h:") || len(a) != 26 {
		t.Fatalf("not a stable keyed hash: %q %q", a, b)
	}
	if a == k2.Sanitize("prod-cluster") {
		t.Fatal("two keys give the same hash")
	}
	if strings.Contains(a, "prod") {
		t.Fatal("hash shows the value")
	}
}

// TestKeyedHashIsHMAC holds the hand-made HMAC to crypto/hmac's, for keys
// shorter and longer than a SHA-256 block and values on both sides of the
// stack buffer.
func TestKeyedHashIsHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		key := make([]byte, MinHashKeyLen+rng.IntN(150))
		msg := make([]byte, rng.IntN(400))
		for j := range key {
			key[j] = byte(rng.Uint32())
		}
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		checkHMAC(t, key, string(msg))
	}
}

// FuzzKeyedHash: any key and value give crypto/hmac's result.
func FuzzKeyedHash(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), "prod-cluster")
	f.Add(make([]byte, 65), strings.Repeat("x", 300))
	f.Fuzz(func(t *testing.T, key []byte, value string) {
		if len(key) < MinHashKeyLen {
			return
		}
		checkHMAC(t, key, value)
	})
}

func checkHMAC(t *testing.T, key []byte, value string) {
	t.Helper()
	h, err := KeyedHash(key)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	want := "h:" + hex.EncodeToString(m.Sum(nil)[:12])
	if got := h.Sanitize(value); got != want {
		t.Fatalf("key %x value %q: %s, crypto/hmac says %s", key, value, got, want)
	}
}

// detectors are what each sanitizer promises never to leave in its output.
var detectors = map[string][]func(string) bool{
	"emails": {emailRe().MatchString},
	"ips":    {ipv4Re().MatchString, hasIPv6},
	"secrets": {pemRe().MatchString, jwtRe().MatchString, awsKeyRe().MatchString, githubRe().MatchString,
		slackRe().MatchString, longHexRe().MatchString},
	"paths": {absPathRe().MatchString, homePathRe().MatchString, windowsPathRe().MatchString},
	"urls":  {urlWithSecrets},
}

func hasIPv6(s string) bool {
	for _, c := range ipv6Re().FindAllString(s, -1) {
		if maskIPv6(c) != c {
			return true
		}
	}
	return false
}

func urlWithSecrets(s string) bool {
	for _, u := range urlRe().FindAllString(s, -1) {
		if maskURL(u) != u {
			return true
		}
	}
	return false
}

// checkSanitizer is the property every sanitizer must have, for any input:
// no panic, valid UTF-8 out, idempotent, and nothing its detectors find.
func checkSanitizer(t *testing.T, s Sanitizer, kinds []string, in string) {
	t.Helper()
	out := s.Sanitize(in)
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
	}
	if again := s.Sanitize(out); again != out {
		t.Fatalf("not idempotent on %q: %q then %q", in, out, again)
	}
	for _, k := range kinds {
		for _, d := range detectors[k] {
			if d(out) {
				t.Fatalf("%s left in %q (from %q)", k, out, in)
			}
		}
	}
}

var fuzzSeeds = []string{
	"", "plain words", "bob@example.com", "https://u:p@h.io/x?y=1#f", "10.0.0.1", "fe80::1%eth0",
	"AKIAIOSFODNN7EXAMPLE", "Bearer abcdefghijkl", "password=x", "/home/bob/.ssh/id_rsa",
	"C:\\Users\\bob", "-----BEGIN PRIVATE KEY-----\nabc", "eyJhbGciOi.eyJzdWIiOi.sig", "\xff\xfe",
	"a@b@example.com", "goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1",
}

func fuzzSanitizer(f *testing.F, s Sanitizer, kinds ...string) {
	for _, seed := range fuzzSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) { checkSanitizer(t, s, kinds, in) })
}

func FuzzRedact(f *testing.F) {
	fuzzSanitizer(f, Redact(), "emails", "ips", "secrets", "paths", "urls")
}
func FuzzRedactEmails(f *testing.F)  { fuzzSanitizer(f, RedactEmails(), "emails") }
func FuzzRedactURLs(f *testing.F)    { fuzzSanitizer(f, RedactURLs(), "urls") }
func FuzzRedactIPs(f *testing.F)     { fuzzSanitizer(f, RedactIPs(), "ips") }
func FuzzRedactSecrets(f *testing.F) { fuzzSanitizer(f, RedactSecrets(), "secrets") }
func FuzzRedactPaths(f *testing.F)   { fuzzSanitizer(f, RedactPaths(), "paths") }

func FuzzFunctionsOnly(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := FunctionsOnly().Sanitize(in)
		if again := FunctionsOnly().Sanitize(out); again != out {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
		for _, line := range strings.Split(out, "\n") {
			if line != "" && !funcNameRe().MatchString(line) {
				t.Fatalf("line %q is not a function name", line)
			}
		}
		if strings.Count(out, "\n") >= MaxStackFrames {
			t.Fatalf("more than %d frames", MaxStackFrames)
		}
	})
}

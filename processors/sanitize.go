package processors

import (
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// A Sanitizer rewrites a string so that the secrets and personal data it
// recognizes are masked, keeping the rest readable. Sanitizers are
// idempotent: sanitizing their output again changes nothing.
type Sanitizer interface {
	Sanitize(string) string
}

// SanitizerFunc adapts a function to a [Sanitizer].
type SanitizerFunc func(string) string

// Sanitize calls f.
func (f SanitizerFunc) Sanitize(s string) string { return f(s) }

// replacement is one pattern a sanitizer masks and what it puts instead.
type replacement struct {
	re func() *regexp.Regexp
	// with builds the replacement for one match; nil means mask.
	with func(match string) string
	mask string
}

// patternSanitizer applies its replacements in order, then again until
// nothing changes, so that no pattern it knows can be found in its output
// (a replacement can complete a new match: "a@b@example.com"). Input that
// does not settle within a few passes is masked whole: the guarantee that
// nothing recognizable gets through matters more than readability.
type patternSanitizer struct {
	name string
	reps []replacement
}

const maxPasses = 4

func (p *patternSanitizer) Sanitize(s string) string {
	if !utf8.ValidString(s) {
		// Invalid UTF-8 cannot be matched reliably; keep what is valid.
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for range maxPasses {
		out := p.once(s)
		if out == s {
			return s
		}
		s = out
	}
	if p.once(s) == s {
		return s
	}
	return "<redacted>"
}

func (p *patternSanitizer) once(s string) string {
	for _, r := range p.reps {
		if !r.re().MatchString(s) {
			continue
		}
		if r.with != nil {
			s = r.re().ReplaceAllStringFunc(s, r.with)
		} else {
			s = r.re().ReplaceAllLiteralString(s, r.mask)
		}
	}
	return s
}

func chain(name string, parts ...*patternSanitizer) *patternSanitizer {
	c := &patternSanitizer{name: name}
	for _, p := range parts {
		c.reps = append(c.reps, p.reps...)
	}
	return c
}

// The patterns the sanitizers look for: the one source of these rules, from
// which the bundled collector's blocked values are generated too
// ([SanitizerPatterns]).
const (
	emailPattern = `[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`
	urlPattern   = `[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>\x60]+`
	ipv4Pattern  = `\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b`
	// ipv6Pattern finds candidates; netip decides.
	ipv6Pattern        = `[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%[0-9A-Za-z]+)?`
	pemPattern         = `-----BEGIN [A-Z0-9 ]{1,40}-----(?s:.*?)-----END [A-Z0-9 ]{1,40}-----`
	pemOpenPattern     = `-----BEGIN [A-Z0-9 ]{0,40}(?:KEY|CERTIFICATE)[A-Z0-9 ]{0,20}-----(?s:.*)`
	jwtPattern         = `eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*`
	awsKeyPattern      = `\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b`
	githubPattern      = `\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})\b`
	slackPattern       = `\bxox[abposr]-[A-Za-z0-9\-]{8,}`
	bearerPattern      = `(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/\-]{8,}=*`
	keyValuePattern    = `(?i)\b([a-z0-9_\-]*(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|credentials?|auth))(\s*[=:]\s*)([^\s"'<>,;&]+)`
	longHexPattern     = `\b[0-9A-Fa-f]{32,}\b`
	longBase64Pattern  = `[A-Za-z0-9+/_\-]{32,}={0,2}`
	absPathPattern     = `(^|[\s"'=(,\[{])(/[^\s"'<>:,;)\]}]+)`
	homePathPattern    = `(^|[\s"'=(,\[{])~[/\\][^\s"'<>:,;)\]}]*`
	windowsPathPattern = `\b[A-Za-z]:\\[^\s"'<>,;)\]}]*`
	uncPathPattern     = `\\\\[A-Za-z0-9._\-]+\\[^\s"'<>,;)\]}]*`
)

var (
	emailRe       = lazyRegexp(emailPattern)
	urlRe         = lazyRegexp(urlPattern)
	ipv4Re        = lazyRegexp(ipv4Pattern)
	ipv6Re        = lazyRegexp(ipv6Pattern)
	pemRe         = lazyRegexp(pemPattern)
	pemOpenRe     = lazyRegexp(pemOpenPattern)
	jwtRe         = lazyRegexp(jwtPattern)
	awsKeyRe      = lazyRegexp(awsKeyPattern)
	githubRe      = lazyRegexp(githubPattern)
	slackRe       = lazyRegexp(slackPattern)
	bearerRe      = lazyRegexp(bearerPattern)
	keyValueRe    = lazyRegexp(keyValuePattern)
	longHexRe     = lazyRegexp(longHexPattern)
	longBase64Re  = lazyRegexp(longBase64Pattern)
	absPathRe     = lazyRegexp(absPathPattern)
	homePathRe    = lazyRegexp(homePathPattern)
	windowsPathRe = lazyRegexp(windowsPathPattern)
	uncPathRe     = lazyRegexp(uncPathPattern)
)

func maskURL(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	// User info: everything before the last '@' of the authority.
	authEnd := strings.IndexAny(rest, "/?#")
	if authEnd < 0 {
		authEnd = len(rest)
	}
	if at := strings.LastIndex(rest[:authEnd], "@"); at >= 0 {
		rest = "<redacted>@" + rest[at+1:]
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 && i < len(rest)-1 {
		rest = rest[:i] + string(rest[i]) + "<redacted>"
	}
	return scheme + "://" + rest
}

func maskIPv6(c string) string {
	if strings.Count(c, ":") < 2 {
		return c
	}
	if _, err := netip.ParseAddr(c); err != nil {
		return c
	}
	return "<ip>"
}

func maskBase64(c string) string {
	var digit, letter bool
	for i := 0; i < len(c); i++ {
		switch b := c[i]; {
		case b >= '0' && b <= '9':
			digit = true
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z':
			letter = true
		}
	}
	if digit && letter {
		return "<secret>"
	}
	return c
}

var (
	emailSanitizer = &patternSanitizer{name: "emails", reps: []replacement{{re: emailRe, mask: "<email>"}}}
	urlSanitizer   = &patternSanitizer{name: "urls", reps: []replacement{{re: urlRe, with: maskURL}}}
	ipSanitizer    = &patternSanitizer{name: "ips", reps: []replacement{
		{re: ipv4Re, mask: "<ip>"},
		{re: ipv6Re, with: maskIPv6},
	}}
	secretSanitizer = &patternSanitizer{name: "secrets", reps: []replacement{
		{re: pemRe, mask: "<pem>"},
		{re: pemOpenRe, mask: "<pem>"},
		{re: jwtRe, mask: "<jwt>"},
		{re: awsKeyRe, mask: "<aws-key>"},
		{re: githubRe, mask: "<github-token>"},
		{re: slackRe, mask: "<slack-token>"},
		{re: bearerRe, with: func(m string) string {
			sub := bearerRe().FindStringSubmatch(m)
			return sub[1] + sub[2] + "<token>"
		}},
		{re: keyValueRe, with: func(m string) string {
			sub := keyValueRe().FindStringSubmatch(m)
			if sub[3] == "<redacted>" {
				return m
			}
			return sub[1] + sub[2] + "<redacted>"
		}},
		{re: longHexRe, mask: "<hex>"},
		{re: longBase64Re, with: maskBase64},
	}}
	pathSanitizer = &patternSanitizer{name: "paths", reps: []replacement{
		{re: homePathRe, with: func(m string) string {
			sub := homePathRe().FindStringSubmatch(m)
			return sub[1] + "<path>"
		}},
		{re: absPathRe, with: func(m string) string {
			sub := absPathRe().FindStringSubmatch(m)
			return sub[1] + "<path>"
		}},
		{re: windowsPathRe, mask: "<path>"},
		{re: uncPathRe, mask: "<path>"},
	}}
)

var allSanitizer = chain("all", secretSanitizer, urlSanitizer, emailSanitizer, ipSanitizer, pathSanitizer)

// RedactEmails masks e-mail addresses.
func RedactEmails() Sanitizer { return emailSanitizer }

// RedactURLs masks the credentials, query string and fragment of URLs, where
// tokens and personal data usually travel, and keeps scheme, host and path.
func RedactURLs() Sanitizer { return urlSanitizer }

// RedactIPs masks IPv4 and IPv6 addresses.
func RedactIPs() Sanitizer { return ipSanitizer }

// RedactSecrets masks the shapes of credentials: PEM blocks, JWTs, AWS access
// key ids, GitHub and Slack tokens, bearer and basic authorization values,
// "password=…"-style assignments and long hex or base64 strings.
func RedactSecrets() Sanitizer { return secretSanitizer }

// RedactPaths masks absolute and home-relative file system paths, which
// carry user names and project names.
func RedactPaths() Sanitizer { return pathSanitizer }

// Redact applies every sanitizer above, in an order where the more specific
// shapes are found first (a URL before the path inside it).
func Redact() Sanitizer { return allSanitizer }

var funcNameRe = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_.*()/\[\]\-~%,]{0,255}$`)

// MaxStackFrames is the most frames [FunctionsOnly] keeps, and so the most an
// exception.stacktrace sent by otelcli holds.
const MaxStackFrames = 32

// FunctionsOnly reduces a Go stack trace (runtime/debug.Stack format, or one
// function name a line) to the function names: file paths, line numbers,
// argument values, goroutine headers and the panic message are removed. It
// keeps at most [MaxStackFrames] frames.
func FunctionsOnly() Sanitizer { return SanitizerFunc(functionsOnly) }

func functionsOnly(s string) string {
	var b strings.Builder
	n := 0
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || line[0] == '\t' || line[0] == ' ' ||
			strings.HasPrefix(line, "goroutine ") || strings.HasPrefix(line, "panic") ||
			strings.HasPrefix(line, "created by ") {
			continue
		}
		for strings.HasSuffix(line, ")") {
			i := strings.LastIndexByte(line, '(')
			if i <= 0 || line[i-1] == '.' {
				break
			}
			line = line[:i]
		}
		if !funcNameRe().MatchString(line) {
			continue
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
		if n++; n == MaxStackFrames {
			break
		}
	}
	return b.String()
}

// lazyRegexp compiles expr on first use: a CLI that is opted out, or that
// never sanitizes, does not pay for compiling every pattern at start-up.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

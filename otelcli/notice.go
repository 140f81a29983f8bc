package otelcli

import (
	"slices"
	"strings"
)

// noticeWhat says what is collected and what is not; the notice adds how
// to see it and turn it off.
const noticeWhat = `
{{what}}

`

// whatCollected is the notice's first paragraph, wrapped when rendered:
// {{values}} names the CLI's allowlisted flags, which vary in length.
const whatCollected = `{{name}} collects anonymous usage data to learn which commands are used and how well they work: the command, the names of the flags you set, how long it took, whether it failed (the kind of error, not its message), the OS, the architecture and the {{name}} version, with a random install id. It never collects arguments, file paths, flag values you type{{values}}, error messages, host or user names, or environment variables. This first run was not recorded.`

const defaultNotice = noticeWhat + `  See what is sent:   {{name}} telemetry show
  Turn it off:        {{name}} telemetry disable
                      or set DO_NOT_TRACK=1 or {{prefix}}TELEMETRY_DISABLED=1
{{flag}}{{more}}
`

const defaultNoticeNoCommand = noticeWhat + `  Turn it off:        set DO_NOT_TRACK=1 or {{prefix}}TELEMETRY_DISABLED=1
{{flag}}{{more}}
`

// noticeText is the first-run notice. It goes to stderr, never stdout, so
// pipes stay clean.
func (r *Run) noticeText() string {
	c := &r.cfg
	t := c.notice
	if t == "" {
		t = defaultNotice
		if !c.telemetryCmd {
			t = defaultNoticeNoCommand
		}
	}
	more := ""
	if c.docsURL != "" {
		more = "  Learn more:         " + c.docsURL + "\n"
	}
	account := ""
	if c.account != nil {
		account = " While you are logged in, your account id is attached too (" + c.account.Key + "), to count usage per account."
	}
	flag := ""
	if h := c.flagHint(); h != "" {
		flag = "  For one run:        " + h + "\n"
	}
	name := r.root.Name()
	what := wrap(strings.NewReplacer("{{values}}", flagValuesSent(c.flagRules, name), "{{name}}", name).Replace(whatCollected)+account, 76)
	t = strings.NewReplacer("{{what}}", what, "{{name}}", name, "{{prefix}}", c.envPrefix,
		"{{url}}", c.docsURL, "{{more}}", more, "{{flag}}", flag, "{{account}}", strings.TrimSpace(account)).Replace(t)
	if !strings.HasSuffix(t, "\n") {
		t += "\n"
	}
	return t
}

// wrap breaks s into lines of at most width bytes, between words.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		switch {
		case n == 0:
		case n+1+len(w) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// flagValuesSent is the notice's exception for the flags whose values may
// be sent: "" when there are none, else which, and how.
func flagValuesSent(rules map[string]flagRule, name string) string {
	var checked, hashedFlags []string
	for flag, r := range rules {
		if _, ok := r.rule.(hashed); ok {
			hashedFlags = append(hashedFlags, "--"+flag)
		} else {
			checked = append(checked, "--"+flag)
		}
	}
	var parts []string
	if len(checked) > 0 {
		parts = append(parts, "of "+andList(checked)+", only in forms "+name+" allows")
	}
	if len(hashedFlags) > 0 {
		parts = append(parts, "of "+andList(hashedFlags)+", as a keyed hash")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (except the values " + strings.Join(parts, ", and ") + ")"
}

// andList is "a", "a and b", "a, b and c", sorted.
func andList(s []string) string {
	slices.Sort(s)
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

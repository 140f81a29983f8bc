package otelcli

import "strings"

// noticeWhat says what is collected and what is not; the notice adds how
// to see it and turn it off.
const noticeWhat = `
{{name}} collects anonymous usage data to learn which commands are used and
how well they work: the command, the names of the flags you set, how long it
took, whether it failed (the kind of error, not its message), the OS, the
architecture and the {{name}} version, with a random install id.
It never collects arguments, file paths, flag values you type (except a
few fixed choices such as a cloud provider), error messages, host or user
names, or environment variables. This first run was not recorded.
{{account}}
`

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
	c := r.cfg
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
		account = "While you are logged in, your account id is attached too (" + c.account.Key + "),\n" +
			"to count usage per account.\n"
	}
	flag := ""
	if h := c.flagHint(); h != "" {
		flag = "  For one run:        " + h + "\n"
	}
	t = strings.NewReplacer("{{name}}", r.root.Name(), "{{prefix}}", c.envPrefix,
		"{{url}}", c.docsURL, "{{more}}", more, "{{account}}", account, "{{flag}}", flag).Replace(t)
	if !strings.HasSuffix(t, "\n") {
		t += "\n"
	}
	return t
}

package otelcli

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cli-telemetry/otelcli/internal/detect"
	"github.com/cli-telemetry/otelcli/internal/store"
)

// Version is the version of this package, sent as the instrumentation
// scope version.
const Version = "0.1.0"

// ScopeName is the instrumentation scope of the command spans.
const ScopeName = "github.com/cli-telemetry/otelcli"

// uploaderArg is the hidden first argument that runs the binary as the
// background uploader instead of the CLI.
const uploaderArg = "__otelcli_upload"

// backgroundArg follows uploaderArg when a command started the uploader
// (detached): it then lowers its priority and lingers.
const backgroundArg = "background"

// Execute runs root like root.Execute and returns the exit code the process
// should exit with (0, 1, or the code of an [ExitCoder] error), recording the
// run as one span when telemetry is on. Its output, exit code and behaviour
// are those of the uninstrumented CLI.
func Execute(root *cobra.Command, opts ...Option) int {
	return ExecuteContext(context.Background(), root, opts...)
}

// ExecuteContext is [Execute] with the CLI's own context.
func ExecuteContext(ctx context.Context, root *cobra.Command, opts ...Option) int {
	c := newConfig(root, opts)
	if len(c.args) > 0 && c.args[0] == uploaderArg {
		return runUploader(ctx, c)
	}
	r := &run{cfg: c, root: root}
	d, fromEnv := decideFromEnv(c)
	if !fromEnv || c.telemetryCmd {
		// Opted out by the environment, a CLI without the telemetry
		// command needs no path at all.
		r.dirs, r.dirsErr = store.DefaultDirs(c.serviceName)
	}
	if c.telemetryCmd && !hasCommand(root, "telemetry") {
		// A CLI that already has a "telemetry" command keeps its own.
		root.AddCommand(newTelemetryCmd(r))
	}
	if !fromEnv {
		d = decideFromSettings(c, r.dirs, r.dirsErr)
	}
	r.decision = d
	if !r.decision.Enabled {
		return plain(ctx, root)
	}
	return r.execute(ctx)
}

func hasCommand(root *cobra.Command, name string) bool {
	for _, c := range root.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return true
		}
	}
	return false
}

func plain(ctx context.Context, root *cobra.Command) int {
	_, err := root.ExecuteContextC(ctx)
	return exitCode(err)
}

func newConfig(root *cobra.Command, opts []Option) *config {
	c := &config{
		delivery:      DeliveryAuto,
		inlineTimeout: time.Second,
		sampleRate:    1,
		lookupEnv:     os.LookupEnv,
		args:          os.Args[1:],
	}
	for _, o := range opts {
		o.apply(c)
	}
	if c.serviceName == "" {
		c.serviceName = root.Name()
	}
	if c.envPrefix == "" {
		c.envPrefix = envPrefixFor(c.serviceName)
	}
	c.ci = sync.OnceValue(func() string { return detect.CI(c.lookupEnv) })
	return c
}

var nonAlnum = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Z0-9]+`) })

func envPrefixFor(name string) string {
	return strings.Trim(nonAlnum().ReplaceAllString(strings.ToUpper(name), "_"), "_") + "_"
}

func (c *config) env(name string) string {
	v, _ := c.lookupEnv(name)
	return v
}

func (c *config) debug() bool {
	b, _ := parseBool(c.env(c.envPrefix + "TELEMETRY_DEBUG"))
	return b
}

// inCI is the CI system, read from the environment once per run: the
// notice, the resource and the delivery mode all ask.
func (c *config) inCI() string { return c.ci() }

// run is one invocation of the CLI.
type run struct {
	cfg      *config
	root     *cobra.Command
	dirs     store.Dirs
	dirsErr  error
	decision Decision
	sess     *session
}

func (r *run) stderr() io.Writer {
	if r.cfg.stderr != nil {
		return r.cfg.stderr
	}
	return r.root.ErrOrStderr()
}

// debugf writes diagnostics only when the user asked for them: telemetry
// problems are never the user's problem.
func (r *run) debugf(format string, args ...any) {
	if r.cfg.debug() {
		fmt.Fprintf(r.stderr(), "otelcli: "+format+"\n", args...)
	}
}

func (r *run) execute(ctx context.Context) int {
	c := r.cfg
	if isCompletion(c.args) {
		// Shell completion runs on every <TAB>: not usage worth a span, and
		// no place for a notice.
		return plain(ctx, r.root)
	}
	if c.inCI() == "" && !store.NoticeShown(r.dirs) {
		// First run: show the notice and record nothing, so that a user who
		// reads it and opts out has never been counted. A notice that cannot
		// be marked as shown would be shown on every run: then stay silent
		// and off.
		if err := store.MarkNoticeShown(r.dirs, time.Now()); err != nil {
			r.debugf("telemetry off: cannot write notice marker: %v", err)
			return plain(ctx, r.root)
		}
		fmt.Fprint(r.stderr(), r.noticeText())
		return plain(ctx, r.root)
	}
	execID := store.NewUUID()
	rate := c.effectiveSampleRate()
	if !sampled(execID, rate) {
		return plain(ctx, r.root)
	}
	sess, err := newSession(r, execID, rate)
	if err != nil {
		r.debugf("telemetry off for this run: %v", err)
		return plain(ctx, r.root)
	}
	r.sess = sess
	return sess.execute(ctx)
}

func isCompletion(args []string) bool {
	return len(args) > 0 && isCompletionName(args[0])
}

// isCompletionName reports whether name is cobra's hidden command for
// shell completion, which the shell runs on every <TAB>.
func isCompletionName(name string) bool {
	return name == cobra.ShellCompRequestCmd || name == cobra.ShellCompNoDescRequestCmd
}

package otelcli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/cli-telemetry/otelcli/internal/store"
)

// Run is one invocation of a CLI, recorded as one span when telemetry is
// on. It is for CLIs that handle errors and exit codes themselves, as with
// cobra's ExecuteC:
//
//	run := otelcli.New(root, opts...)
//	cmd, err := run.ExecuteContextC(ctx)
//	code := handleError(cmd, err) // the CLI's own printing and exit codes
//	run.End(code)
//	os.Exit(code)
//
// The span records the exit code passed to End: the one the process really
// exits with. A CLI without error handling of its own uses [Execute].
type Run struct {
	cfg      config
	root     *cobra.Command
	names    commandNames // when telemetry is on
	decision decision
	dirs     store.Dirs
	dirsErr  error
	dirsRead bool
	telCmd   *cobra.Command // the telemetry group otelcli added, if any
	sess     *session

	// What sess points to, held here: a run is one allocation.
	session session
}

// New prepares root to run with telemetry: it decides consent (from the
// command line and the environment first, so that an opted-out run touches
// no file), adds the telemetry command and the opt-out flags the options ask
// for, and notes the command tree as the author built it. It neither runs
// anything nor writes anything.
//
// If the process is otelcli's background uploader and [IsUploader] was not
// checked at the top of main, New runs the uploader and exits the process.
func New(root *cobra.Command, opts ...Option) *Run {
	r := &Run{root: root}
	c := &r.cfg
	c.init(root.Name(), opts)
	if isUploaderArgs(c.args) {
		os.Exit(runUploader(c))
	}
	c.addFlagSwitches(root)
	r.decision = decide(c, r.stateDirs)
	if c.telemetryCmd && !hasCommand(root, "telemetry") {
		// A CLI that already has a "telemetry" command keeps its own.
		r.telCmd = newTelemetryCmd(r)
		root.AddCommand(r.telCmd)
	}
	if r.decision.enabled {
		r.names.init(root, c)
	}
	return r
}

// Execute runs root like root.Execute and returns the exit code an
// uninstrumented `if err := root.Execute(); err != nil { os.Exit(1) }` would
// exit with: 0, or 1 on any error. It records the run as one span when
// telemetry is on. CLIs that print their own errors or choose their own exit
// codes use [New] and [Run.ExecuteContextC] instead.
func Execute(root *cobra.Command, opts ...Option) int {
	return ExecuteContext(context.Background(), root, opts...)
}

// ExecuteContext is [Execute] with the CLI's own context (cancelled by its
// signal handling, say); the command sees it, with the span in it, as
// cmd.Context().
func ExecuteContext(ctx context.Context, root *cobra.Command, opts ...Option) int {
	r := New(root, opts...)
	_, err := r.ExecuteContextC(ctx)
	code := 0
	if err != nil {
		code = 1
	}
	r.End(code)
	return code
}

// ExecuteC is [Run.ExecuteContextC] with a background context.
func (r *Run) ExecuteC() (*cobra.Command, error) {
	return r.ExecuteContextC(context.Background())
}

// ExecuteContextC runs the command tree like root.ExecuteContextC and
// returns what it returns, unchanged: the command that ran and its error.
// Nothing is printed and nothing is decided about the exit code: that is
// the CLI's, and it tells the run with [Run.End].
func (r *Run) ExecuteContextC(ctx context.Context) (*cobra.Command, error) {
	if cmd, ok := r.telemetryTarget(); ok {
		return cmd, r.runTelemetry(ctx, cmd)
	}
	if !r.decision.enabled || isCompletion(r.cfg.args) {
		// Shell completion runs on every <TAB>: not usage worth a span, and
		// no place for a notice.
		return r.root.ExecuteContextC(ctx)
	}
	r.cfg.resolve()
	if r.cfg.ci == "" && !store.NoticeShown(r.dirs) {
		// First run: show the notice and record nothing, so that a user who
		// reads it and opts out has never been counted. A notice that cannot
		// be marked as shown would be shown on every run: then stay silent
		// and off.
		if err := store.MarkNoticeShown(r.dirs, time.Now()); err != nil {
			r.logf("telemetry off: cannot write notice marker: %v", err)
			return r.root.ExecuteContextC(ctx)
		}
		fmt.Fprint(r.stderr(), r.noticeText())
		return r.root.ExecuteContextC(ctx)
	}
	execID := newExecID()
	if !sampled(execID, r.cfg.rate) {
		return r.root.ExecuteContextC(ctx)
	}
	sess, err := newSession(r, execID)
	if err != nil {
		r.logf("telemetry off for this run: %v", err)
		return r.root.ExecuteContextC(ctx)
	}
	r.sess = sess
	return sess.execute(ctx)
}

// End records code, the exit code the process is about to exit with, ends
// the span and hands it to delivery: a background uploader is started, or
// in CI the upload happens here, bounded by the inline timeout. Call it once
// after [Run.ExecuteContextC], before os.Exit; later calls do nothing. It is
// safe to call from any goroutine, also while the command still runs: a
// path that exits from inside a command (a second Ctrl-C that force-quits)
// calls End(code) before os.Exit(code).
func (r *Run) End(code int) {
	if r.sess != nil {
		r.sess.end(code)
	}
}

// stateDirs computes the CLI's telemetry directories once, when something
// needs them.
func (r *Run) stateDirs() (store.Dirs, error) {
	if !r.dirsRead {
		r.dirs, r.dirsErr = r.cfg.dirs()
		r.dirsRead = true
	}
	return r.dirs, r.dirsErr
}

func (r *Run) stderr() io.Writer {
	if r.cfg.stderr != nil {
		return r.cfg.stderr
	}
	return r.root.ErrOrStderr()
}

// logf writes diagnostics only when the user asked for them: telemetry
// problems are never the user's problem.
func (r *Run) logf(format string, args ...any) {
	if r.cfg.debug {
		fmt.Fprintf(r.stderr(), "otelcli: "+format+"\n", args...)
	}
}

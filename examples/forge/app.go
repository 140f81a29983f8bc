package main

// forge's main, shared by both builds (main.go runs the command tree with
// otelcli, main_plain.go without): what it does before the command tree
// exists, how it prints errors and maps them to exit codes, and what it
// does after the command, as gh's mainRun does.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cli-telemetry/otelcli/examples/forge/cli"
)

var version = "1.2.0"

// Exit codes, as gh's.
const (
	exitOK      = 0
	exitError   = 1
	exitCancel  = 2
	exitAuth    = 4
	exitPending = 8
)

// debugLogEnv names a file main appends a line to for each of its phases:
// a trace of what ran, for debugging (and for the tests, which count them).
const debugLogEnv = "FORGE_DEBUG_LOG"

type app struct {
	f      *cli.Factory
	root   *cobra.Command
	stderr io.Writer
}

// setUp reads and migrates the configuration and builds the command tree,
// with the user's aliases and extensions. A nil app means main exits with
// the code.
func setUp() (*app, int) {
	debugLog("start")
	cfg, migrated, err := cli.LoadConfig(cli.ConfigDir())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, exitError
	}
	if migrated {
		fmt.Fprintln(os.Stderr, `forge: configuration migrated to version 2 ("alias" is now "aliases")`)
	}
	f := cli.NewFactory(version, cfg)
	return &app{f: f, root: cli.NewRoot(f), stderr: f.ErrOut}, exitOK
}

// exitCode prints err as forge does and says what the process exits with.
func (a *app) exitCode(cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	var (
		silent    *cli.SilentError
		pending   *cli.PendingError
		cancel    *cli.CancelError
		auth      *cli.AuthError
		noResults *cli.NoResultsError
		ext       *cli.ExternalCommandExitError
	)
	switch {
	case errors.As(err, &silent):
		return exitError
	case errors.As(err, &pending):
		return exitPending
	case errors.As(err, &cancel), errors.Is(err, context.Canceled):
		return exitCancel
	case errors.As(err, &auth):
		return exitAuth
	case errors.As(err, &noResults):
		// Not a failure.
		fmt.Fprintln(a.stderr, noResults.Message)
		return exitOK
	case errors.As(err, &ext):
		// An extension's own exit code is passed on.
		return ext.ExitCode()
	}
	printError(a.stderr, err, cmd)
	return exitError
}

// printError prints the message and, for a usage mistake, the usage.
func printError(out io.Writer, err error, cmd *cobra.Command) {
	fmt.Fprintln(out, err)
	var flagErr *cli.FlagError
	if errors.As(err, &flagErr) || strings.HasPrefix(err.Error(), "unknown command ") {
		if !strings.HasSuffix(err.Error(), "\n") {
			fmt.Fprintln(out)
		}
		fmt.Fprintln(out, cmd.UsageString())
	}
}

// postRun tells the user about a newer release (found by an update check
// that is not part of this example) after every command but completion.
func (a *app) postRun(cmd *cobra.Command, code int) {
	defer debugLog(fmt.Sprintf("exit %d", code))
	if cmd != nil && (cmd.Name() == cobra.ShellCompRequestCmd || cmd.Name() == cobra.ShellCompNoDescRequestCmd ||
		cmd.HasParent() && cmd.Parent().Name() == "completion") {
		return
	}
	if latest := cli.LoadState(a.f.ConfigDir).LatestVersion; newer(latest, version) {
		fmt.Fprintf(a.stderr, "\nA new release of forge is available: %s → %s\n", version, latest)
	}
}

// newer compares dotted versions.
func newer(v, than string) bool {
	a, b := strings.Split(v, "."), strings.Split(than, ".")
	for i := range max(len(a), len(b)) {
		var x, y int
		if i < len(a) {
			x, _ = strconv.Atoi(a[i])
		}
		if i < len(b) {
			y, _ = strconv.Atoi(b[i])
		}
		if x != y {
			return x > y
		}
	}
	return false
}

func debugLog(event string) {
	path := os.Getenv(debugLogEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%d %s\n", os.Getpid(), event)
}

package cli

import (
	"fmt"
	"os/exec"

	"github.com/spf13/cobra"
)

// The errors main maps to exit codes, as gh does. Each has an ErrorCode
// method: a telemetry library that looks for one (otelcli does) reports the
// code instead of the Go type. The package imports nothing for it.

// AuthError: the command needs a logged-in account (exit code 4). The
// pre-run that returns it has already said how to log in.
type AuthError struct{}

func (*AuthError) Error() string     { return "authentication required" }
func (*AuthError) ErrorCode() string { return "auth_required" }

// CancelError: the user declined a prompt (exit code 2).
type CancelError struct{}

func (*CancelError) Error() string     { return "cancelled" }
func (*CancelError) ErrorCode() string { return "canceled" }

// PendingError: the command succeeded but what it reports is not finished,
// such as checks still running (exit code 8). The command printed what it
// found.
type PendingError struct{}

func (*PendingError) Error() string     { return "pending" }
func (*PendingError) ErrorCode() string { return "pending" }

// SilentError: the command failed and already said why (exit code 1).
type SilentError struct{}

func (*SilentError) Error() string { return "silent error" }

// NoResultsError: a search found nothing. Not a failure: exit code 0, with
// the message on stderr.
type NoResultsError struct{ Message string }

func (e *NoResultsError) Error() string   { return e.Message }
func (*NoResultsError) ErrorCode() string { return "no_results" }

// NotFoundError: an issue, pull request or repository that does not exist.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string   { return e.What + " not found" }
func (*NotFoundError) ErrorCode() string { return "not_found" }

// FlagError is a usage mistake: main prints the command's usage after the
// message. Flag parsing errors are wrapped in it (the pflag error stays in
// the chain); a missing argument is one too.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// argsError is a wrong number of arguments, reported with the kind cobra's
// own argument errors have.
type argsError struct{ msg string }

func (e *argsError) Error() string   { return e.msg }
func (*argsError) ErrorCode() string { return "invalid_args" }

// ExternalCommandExitError: an extension exited with a non-zero code, which
// forge exits with too (gh passes on its extensions' codes). A failed git
// run inside one of forge's own commands is an ordinary error instead:
// exit code 1.
type ExternalCommandExitError struct{ *exec.ExitError }

// MinimumArgs is cobra.MinimumNArgs with forge's own message, as a usage
// error.
func MinimumArgs(n int, msg string) func(*cobra.Command, []string) error {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < n {
			return &FlagError{Err: &argsError{msg: msg}}
		}
		return nil
	}
}

func flagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

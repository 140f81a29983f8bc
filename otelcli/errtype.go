package otelcli

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/cli-telemetry/otelcli/processors"
)

// ErrorCoder is implemented by errors that carry a stable, low-cardinality
// code ("cluster_not_found"). The first code found in an error's chain
// becomes error.type, so a CLI can name its failures without revealing their
// messages. A CLI's own error for a failure cobra also has (its own
// "missing argument" type, say) counts with cobra's when its code is the
// same kind: return ErrTypeInvalidArgs.
type ErrorCoder interface {
	error
	ErrorCode() string
}

type codedError struct {
	err  error
	code string
}

func (e *codedError) Error() string     { return e.err.Error() }
func (e *codedError) Unwrap() error     { return e.err }
func (e *codedError) ErrorCode() string { return e.code }

// WithErrorCode wraps err so that it reports code as its error.type. The
// message is unchanged.
func WithErrorCode(err error, code string) error {
	if err == nil {
		return nil
	}
	return &codedError{err: err, code: code}
}

// Error kinds for the failures cobra and pflag produce themselves, and for
// the ends a command has without an error of its own: a panic, a signal,
// context.Canceled and context.DeadlineExceeded in the error's chain.
const (
	ErrTypeUnknownCommand   = "unknown_command"
	ErrTypeUnknownFlag      = "unknown_flag"
	ErrTypeFlagValue        = "invalid_flag_value"
	ErrTypeMissingFlagValue = "missing_flag_value"
	ErrTypeRequiredFlag     = "missing_required_flag"
	ErrTypeFlagGroup        = "flag_group_violation"
	ErrTypeInvalidArgs      = "invalid_args"
	ErrTypePanic            = "panic"
	ErrTypeInterrupted      = "interrupted"
	ErrTypeCanceled         = "canceled"
	ErrTypeTimeout          = "timeout"
	ErrTypeOther            = "_OTHER"
)

// maxChain bounds cli.error.chain.
const maxChain = processors.MaxErrorChain

// classify returns error.type and the chain of error types for err. valid
// says whether a code can be sent as error.type (the allowlist's rule for
// it, so that a code it would drop falls back to the Go type instead).
// parsing says the command failed before cobra ran its initializers: while
// finding the command or parsing its flags, where a CLI's FlagErrorFunc may
// have wrapped pflag's error in a type of its own.
func classify(err error, valid func(string) bool, parsing bool) (string, []string) {
	chain := errorChain(err)
	var coder ErrorCoder
	if errors.As(err, &coder) {
		if c := coder.ErrorCode(); valid(c) {
			return c, chain
		}
	}
	if t := cobraKind(err, parsing); t != "" {
		return t, chain
	}
	switch {
	case errors.Is(err, context.Canceled):
		return ErrTypeCanceled, chain
	case errors.Is(err, context.DeadlineExceeded):
		return ErrTypeTimeout, chain
	}
	if len(chain) > 0 {
		return chain[0], chain
	}
	return ErrTypeOther, chain
}

// cobraKind recognizes the failures of command-line parsing. pflag returns
// typed errors (from 1.0.7); cobra's own, and older pflag's, are plain
// strings, recognized by their fixed prefixes: only when the error is a
// plain string (a RunE error that wraps or has a type of its own is never
// taken for one), or, while parsing, a plain string anywhere in the error
// (a CLI's FlagErrorFunc wraps pflag's error in its own type).
func cobraKind(err error, parsing bool) string {
	if k := pflagKind(err); k != "" {
		return k
	}
	if !parsing {
		return stringKind(err)
	}
	var kind string
	walkErrors(err, func(e error) bool {
		kind = stringKind(e)
		return kind == ""
	})
	return kind
}

// stringKind recognizes one of cobra's or pflag's plain-string errors.
func stringKind(err error) string {
	if reflect.TypeOf(err) != errorString {
		return ""
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown command "):
		return ErrTypeUnknownCommand
	case strings.HasPrefix(msg, "unknown flag: "), strings.HasPrefix(msg, "unknown shorthand flag: "):
		return ErrTypeUnknownFlag
	case strings.HasPrefix(msg, "flag needs an argument"):
		return ErrTypeMissingFlagValue
	case strings.HasPrefix(msg, "invalid argument ") && strings.Contains(msg, " flag: "):
		return ErrTypeFlagValue
	case strings.HasPrefix(msg, "required flag(s) "):
		return ErrTypeRequiredFlag
	case strings.HasPrefix(msg, "if any flags in the group "),
		strings.HasPrefix(msg, "at least one of the flags in the group "),
		strings.HasPrefix(msg, "if any flags in the group ["):
		return ErrTypeFlagGroup
	case strings.HasPrefix(msg, "accepts "), strings.HasPrefix(msg, "requires at least "),
		strings.HasPrefix(msg, "requires at most "), strings.HasPrefix(msg, "invalid argument "):
		return ErrTypeInvalidArgs
	}
	return ""
}

// pflagKinds are pflag's typed parse errors, by type name. They are
// matched by name, not with errors.As, because they exist only from pflag
// 1.0.7 on and otelcli works with the pflag cobra 1.8 requires (1.0.5),
// whose errors are strings (matched by message below).
var pflagKinds = map[string]string{
	"NotExistError":      ErrTypeUnknownFlag,
	"InvalidSyntaxError": ErrTypeUnknownFlag,
	"ValueRequiredError": ErrTypeMissingFlagValue,
	"InvalidValueError":  ErrTypeFlagValue,
}

const pflagPath = "github.com/spf13/pflag"

func pflagKind(err error) string {
	var kind string
	walkErrors(err, func(e error) bool {
		t := reflect.TypeOf(e)
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.PkgPath() == pflagPath {
			kind = pflagKinds[t.Name()]
		}
		return kind == ""
	})
	return kind
}

// walkErrors visits err's tree depth first while visit returns true.
func walkErrors(err error, visit func(error) bool) bool {
	if err == nil {
		return true
	}
	if !visit(err) {
		return false
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if !walkErrors(e, visit) {
				return false
			}
		}
	case interface{ Unwrap() error }:
		return walkErrors(u.Unwrap(), visit)
	}
	return true
}

// errorString is the type of errors.New's errors, which cobra uses for its
// own failures.
var errorString = reflect.TypeOf(errors.New(""))

// generic wrappers say nothing about what failed.
var generic = map[string]bool{
	"*errors.errorString": true,
	"*fmt.wrapError":      true,
	"*fmt.wrapErrors":     true,
	"*errors.joinError":   true,
	"*otelcli.codedError": true,
}

// errorChain lists the Go types in err's tree, depth first, without the
// generic wrappers, at most maxChain.
func errorChain(err error) []string {
	var out []string
	walkErrors(err, func(e error) bool {
		if t := fmt.Sprintf("%T", e); !generic[t] {
			out = append(out, t)
		}
		return len(out) < maxChain
	})
	return out
}

// Package detect reads what the execution environment says about itself and
// reduces it to bounded enums: the CI vendor, the AI agent or editor running
// the CLI, the channel the CLI was installed through, whether the standard
// streams are terminals. It only ever tests whether a variable is set (or
// equals a fixed value); no value read from the environment is returned.
//
// Each detector is a table, one row a tool, so that adding one is one line.
package detect

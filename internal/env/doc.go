// Package env is the one table of the environment variables otelcli reads,
// each a documented constant with its typed reader, and the one boolean
// grammar they share. The README's table of variables is generated from
// [Vars], so the documentation cannot drift from the code.
package env

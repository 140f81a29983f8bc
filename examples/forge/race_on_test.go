//go:build race

package main_test

// raceEnabled makes the e2e tests build the CLI with the race detector too,
// so that every invocation is checked under -race end to end.
const raceEnabled = true

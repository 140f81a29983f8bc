package otelcli

import (
	"bytes"
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

// unsortedTree has its subcommands out of name order, and two commands of
// one name (a user's alias named like a command, added later), as a CLI
// that builds commands from user data can have.
func unsortedTree(ran *string) *cobra.Command {
	root := &cobra.Command{Use: "forge", SilenceUsage: true}
	for _, name := range []string{"pr", "config", "completions", "issue"} {
		name := name
		root.AddCommand(&cobra.Command{Use: name, Run: func(*cobra.Command, []string) { *ran = name }})
	}
	root.AddCommand(&cobra.Command{Use: "issue", Short: "a user's alias", Run: func(*cobra.Command, []string) { *ran = "alias" }})
	return root
}

func names(cmds []*cobra.Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Name()+"/"+c.Short)
	}
	return out
}

// TestWalksKeepCommandOrder: otelcli's walks of the tree (the snapshot at
// New, the command that runs, its own telemetry group) leave cobra's slice
// in the order the CLI built it: the suggestions for a mistyped command and
// which of two commands of one name runs are the plain CLI's.
func TestWalksKeepCommandOrder(t *testing.T) {
	var ran string
	plain := unsortedTree(&ran)
	want := []string{"pr/", "config/", "completions/", "issue/", "issue/a user's alias"}
	plain.SetArgs([]string{"co"})
	plain.SetOut(&bytes.Buffer{})
	plain.SetErr(&bytes.Buffer{})
	_, plainErr := plain.ExecuteC()
	plain.SetArgs([]string{"issue"})
	plain.Execute()
	plainRan := ran

	for _, args := range [][]string{{"co"}, {"issue"}} {
		newHome(t, "forge", false)
		ran = ""
		root := unsortedTree(&ran)
		_, errb, opts := prepare(root, args, nil, nil)
		r := New(root, opts...)
		_, err := r.ExecuteC()
		r.End(0)
		if got := names(subcommands(root))[:len(want)]; !slices.Equal(got, want) {
			t.Errorf("%v: order after the run %v, want %v", args, got, want)
		}
		if args[0] == "co" && (err == nil || err.Error() != plainErr.Error()) {
			t.Errorf("suggestions: %v\nplain: %v\n%s", err, plainErr, errb)
		}
		if args[0] == "issue" && ran != plainRan {
			t.Errorf("ran %q, plain ran %q", ran, plainRan)
		}
	}
	if commandsField.once.Do(findCommandsField); !commandsField.found {
		t.Error("cobra's subcommand slice not found: the walks sort the CLI's commands")
	}
}

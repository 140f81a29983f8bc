package otelcli

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// Names reported for commands that are not the CLI's own.
const (
	// otherCommand replaces the name of a command the author did not declare.
	otherCommand = "_OTHER"
)

// commandNames decides what a command is called in telemetry: its path in
// the command tree when the author declared it, otherwise "<root> _OTHER",
// or "<root> _<kind>" for a command the author marked as made from user
// data. A user's alias or extension name is free text they chose, and never
// leaves.
type commandNames struct {
	root     *cobra.Command
	paths    map[string]bool  // WithCommandPaths, or nil
	snapshot []*cobra.Command // the tree at New, when no paths are given
	kind     func(*cobra.Command) string
}

// init notes root's tree as the author built it, or the paths the author
// declared; a Run holds its names.
func (n *commandNames) init(root *cobra.Command, c *config) {
	*n = commandNames{root: root, kind: c.commandKind}
	if len(c.commandPaths) > 0 {
		n.paths = make(map[string]bool, len(c.commandPaths))
		for _, p := range c.commandPaths {
			n.paths[p] = true
		}
		return
	}
	n.snapshot = appendCommands(make([]*cobra.Command, 0, countCommands(root)), root)
}

// appendCommands appends c and its subcommands, depth first.
func appendCommands(to []*cobra.Command, c *cobra.Command) []*cobra.Command {
	to = append(to, c)
	for _, sub := range subcommands(c) {
		to = appendCommands(to, sub)
	}
	return to
}

func countCommands(c *cobra.Command) int {
	n := 1
	for _, sub := range subcommands(c) {
		n += countCommands(sub)
	}
	return n
}

// path is what cmd is reported as.
func (n *commandNames) path(cmd *cobra.Command) string {
	for c := cmd; c != nil; c = c.Parent() {
		if k := n.kindOf(c); k != "" {
			return n.root.Name() + " _" + k
		}
	}
	if !n.declared(cmd) {
		return n.root.Name() + " " + otherCommand
	}
	return commandPath(cmd)
}

// commandPath is cmd.CommandPath() (the root's path, then each name after
// a space) made in one allocation, where cobra's makes one a level.
func commandPath(cmd *cobra.Command) string {
	var chain [8]*cobra.Command
	depth, size := 0, 0
	c := cmd
	for ; c.HasParent(); c = c.Parent() {
		if depth == len(chain) {
			return cmd.CommandPath()
		}
		chain[depth] = c
		depth++
		size += 1 + len(c.Name())
	}
	root := c.CommandPath()
	if depth == 0 {
		return root
	}
	var b strings.Builder
	b.Grow(len(root) + size)
	b.WriteString(root)
	for i := depth - 1; i >= 0; i-- {
		b.WriteByte(' ')
		b.WriteString(chain[i].Name())
	}
	return b.String()
}

// kindOf asks the author's function, and accepts only a short lower-case
// kind.
func (n *commandNames) kindOf(cmd *cobra.Command) string {
	if n.kind == nil {
		return ""
	}
	k := n.kind(cmd)
	if k == "" {
		return ""
	}
	if !kindRe().MatchString(k) {
		return "unknown"
	}
	return k
}

var kindRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`) })

// declared reports whether cmd is one of the author's commands: in the
// declared paths, or in the tree as it was at New; cobra's own help and
// completion commands, which cobra adds while executing, always are.
func (n *commandNames) declared(cmd *cobra.Command) bool {
	if cobraDefault(cmd) {
		return true
	}
	if n.paths != nil {
		return n.paths[cmd.CommandPath()]
	}
	return slices.Contains(n.snapshot, cmd)
}

// cobraDefault reports whether cmd is the help or completion command cobra
// adds to the root (or one of completion's shell subcommands).
func cobraDefault(cmd *cobra.Command) bool {
	p := cmd.Parent()
	if p == nil {
		return false
	}
	if p.Parent() == nil {
		return cmd.Name() == "help" || cmd.Name() == "completion"
	}
	return p.Name() == "completion" && p.Parent().Parent() == nil
}

// CommandPaths lists the path of every command in root's tree, for
// [WithCommandPaths]: generate the list from the CLI's own tree, built
// without any user's aliases or extensions, and pass it to otelcli, so that
// only those names can ever be sent. The same list bounds the command names
// the bundled collector accepts.
func CommandPaths(root *cobra.Command) []string {
	cmds := appendCommands(nil, root)
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.CommandPath()
	}
	slices.Sort(out)
	return out
}

// executingCommand finds the command cobra is executing: the deepest one
// cobra marked as called whose flags have been parsed. It runs on cobra's
// goroutine, from an initializer, so it does not race with cobra; it reads
// CalledAs first, which allocates nothing, so that a large tree costs a
// walk and no flag sets.
func executingCommand(root *cobra.Command) *cobra.Command {
	var found *cobra.Command
	if root.CalledAs() != "" && root.Flags().Parsed() {
		found = root
	}
	for _, sub := range subcommands(root) {
		if c := executingCommand(sub); c != nil {
			found = c
		}
	}
	return found
}

// suggestions are cobra's suggestions for an unknown command, kept only
// when they name a declared subcommand, so that neither the typed word nor
// a user's alias can be taken for one.
func (n *commandNames) suggestions(cmd *cobra.Command, err error) []string {
	var out []string
	for _, m := range suggestionRe().FindAllStringSubmatch(err.Error(), -1) {
		for _, sub := range subcommands(cmd) {
			if sub.Name() == m[1] && n.kindOf(sub) == "" && n.declared(sub) && !slices.Contains(out, sub.Name()) {
				out = append(out, sub.Name())
			}
		}
	}
	return out
}

// suggestionRe finds cobra's "Did you mean this?" list.
var suggestionRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^\t(\S+)$`) })

// isCompletion reports whether args run cobra's hidden shell-completion
// command, which the shell runs on every <TAB>.
func isCompletion(args []string) bool {
	return len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
}

// hasCommand reports whether root has a direct subcommand called name.
func hasCommand(root *cobra.Command, name string) bool {
	for _, c := range subcommands(root) {
		if c.Name() == name || c.HasAlias(name) {
			return true
		}
	}
	return false
}

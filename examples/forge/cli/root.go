// Package cli is forge's command tree: a small GitHub-CLI-like tool with a
// login check in a persistent pre-run, the user's aliases and installed
// extensions as commands, errors that main prints and maps to exit codes
// itself, and a command that handles Ctrl-C in two stages. It knows
// nothing of otelcli, so that the plain build (-tags notelemetry) is the
// same CLI without the telemetry library.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Factory is what the commands share, set up by main before the command
// tree exists.
type Factory struct {
	Version   string
	ConfigDir string
	Config    *Config
	In        io.Reader
	Out       io.Writer
	ErrOut    io.Writer
	// ForceExit ends the process at once (a second Ctrl-C). main may wrap
	// it to record the exit first.
	ForceExit func(code int)
}

// NewFactory is the factory for this process.
func NewFactory(version string, cfg *Config) *Factory {
	return &Factory{
		Version: version, ConfigDir: ConfigDir(), Config: cfg,
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		ForceExit: os.Exit,
	}
}

// Command groups, as `forge --help` shows them.
const (
	GroupCore      = "core"
	GroupAlias     = "alias"
	GroupExtension = "extension"
)

// Kind says whether cmd is one of forge's own commands (""), or one made
// from the user's data: "alias" or "extension". Their names are the user's
// own words.
func Kind(cmd *cobra.Command) string {
	switch cmd.GroupID {
	case GroupAlias, GroupExtension:
		return cmd.GroupID
	}
	return ""
}

const skipAuthCheck = "skipAuthCheck"

// NewRoot returns forge's command tree, with the user's aliases and
// extensions added as commands. A Factory with no configuration directory
// gives the tree without any user's data: forge's own commands.
func NewRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "forge <command> <subcommand> [flags]",
		Short:         "Work with forge issues and pull requests from the command line",
		Version:       f.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if !authCheckEnabled(cmd) {
				return nil
			}
			if _, ok := loadLogin(f.ConfigDir); !ok {
				fmt.Fprint(f.ErrOut, "To get started with forge, please run:  forge auth login\n")
				return &AuthError{}
			}
			return nil
		},
	}
	root.SetVersionTemplate("forge version {{.Version}}\n")
	root.SetOut(f.Out)
	root.SetErr(f.ErrOut)
	root.SetIn(f.In)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return &FlagError{Err: err}
	})
	root.AddGroup(&cobra.Group{ID: GroupCore, Title: "Core commands:"})
	for _, c := range []*cobra.Command{
		newAuthCmd(f), newIssueCmd(f), newPRCmd(f), newWatchCmd(f),
		newAliasCmd(f), newConfigCmd(f), newExtensionCmd(f), newVersionCmd(f),
	} {
		c.GroupID = GroupCore
		root.AddCommand(c)
	}
	if f.ConfigDir != "" {
		addAliases(root, f)
		addExtensions(root, f)
	}
	return root
}

// authCheckEnabled: every command needs a login except help, completion
// and those marked (auth, config, alias, version, the user's aliases and
// extensions, which check for themselves what they run).
func authCheckEnabled(cmd *cobra.Command) bool {
	switch cmd.Name() {
	case "help", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return false
	}
	for c := cmd; c.HasParent(); c = c.Parent() {
		if c.Annotations[skipAuthCheck] == "true" || c.Name() == "completion" && !c.Parent().HasParent() {
			return false
		}
	}
	return true
}

func noAuth() map[string]string { return map[string]string{skipAuthCheck: "true"} }

// taken reports whether root already has a command called name.
func taken(root *cobra.Command, name string) bool {
	if name == "help" || name == "completion" {
		return true
	}
	for _, c := range root.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return true
		}
	}
	return false
}

// addAliases adds one command per alias, which expands it and runs the
// command tree again with the expansion, as gh does.
func addAliases(root *cobra.Command, f *Factory) {
	for _, name := range f.Config.aliasNames() {
		if taken(root, name) {
			continue
		}
		expansion := f.Config.Aliases[name]
		addGroup(root, GroupAlias, "Alias commands:")
		root.AddCommand(&cobra.Command{
			Use:                name,
			Short:              fmt.Sprintf("Alias for %q", expansion),
			GroupID:            GroupAlias,
			Annotations:        noAuth(),
			DisableFlagParsing: true,
			RunE: func(c *cobra.Command, args []string) error {
				root := c.Root()
				root.SetArgs(append(strings.Fields(expansion), args...))
				return root.Execute()
			},
		})
	}
}

func addGroup(root *cobra.Command, id, title string) {
	if !root.ContainsGroup(id) {
		root.AddGroup(&cobra.Group{ID: id, Title: title})
	}
}

// extensionDir holds executables named forge-<name>.
func extensionDir(configDir string) string { return filepath.Join(configDir, "extensions") }

func extensionNames(configDir string) []string {
	entries, _ := os.ReadDir(extensionDir(configDir))
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutPrefix(e.Name(), "forge-"); ok && name != "" && !e.IsDir() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// addExtensions adds one command per installed extension, which runs it
// with the arguments as they were typed.
func addExtensions(root *cobra.Command, f *Factory) {
	for _, name := range extensionNames(f.ConfigDir) {
		if taken(root, name) {
			continue
		}
		path := filepath.Join(extensionDir(f.ConfigDir), "forge-"+name)
		addGroup(root, GroupExtension, "Extension commands:")
		root.AddCommand(&cobra.Command{
			Use:                name,
			Short:              "Extension " + name,
			GroupID:            GroupExtension,
			Annotations:        noAuth(),
			DisableFlagParsing: true,
			RunE: func(c *cobra.Command, args []string) error {
				ext := exec.CommandContext(c.Context(), path, args...)
				ext.Stdin, ext.Stdout, ext.Stderr = f.In, f.Out, f.ErrOut
				if err := ext.Run(); err != nil {
					var ee *exec.ExitError
					if errors.As(err, &ee) {
						return &ExternalCommandExitError{ee}
					}
					return fmt.Errorf("failed to run extension: %w", err)
				}
				return nil
			},
		})
	}
}

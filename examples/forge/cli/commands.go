package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newAuthCmd(f *Factory) *cobra.Command {
	auth := &cobra.Command{Use: "auth <command>", Short: "Log in to and out of a forge host", Annotations: noAuth()}

	var user, hostname string
	loginCmd := &cobra.Command{
		Use:   "login",
		Short: "Log in to a forge host",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := saveLogin(f.ConfigDir, login{User: user, Hostname: hostname}); err != nil {
				return err
			}
			fmt.Fprintf(f.ErrOut, "✓ Logged in to %s as %s\n", hostname, user)
			return nil
		},
	}
	loginCmd.Flags().StringVarP(&user, "user", "u", "", "account to log in as")
	loginCmd.Flags().StringVar(&hostname, "hostname", "forge.example.com", "the forge host")
	_ = loginCmd.MarkFlagRequired("user")

	logoutCmd := &cobra.Command{
		Use:   "logout",
		Short: "Log out of the forge host",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, ok := loadLogin(f.ConfigDir)
			if !ok {
				return errors.New("not logged in to any host")
			}
			if err := removeFile(f.ConfigDir, "hosts.json"); err != nil {
				return err
			}
			fmt.Fprintf(f.ErrOut, "✓ Logged out of %s account %s\n", l.Hostname, l.User)
			return nil
		},
	}

	statusCmd := &cobra.Command{
		Use:   "status",
		Short: "Show the login",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, ok := loadLogin(f.ConfigDir)
			if !ok {
				fmt.Fprint(f.ErrOut, "You are not logged into any forge host. Run forge auth login to authenticate.\n")
				return &SilentError{}
			}
			fmt.Fprintf(f.Out, "%s\n  ✓ Logged in to %s account %s\n", l.Hostname, l.Hostname, l.User)
			return nil
		},
	}
	auth.AddCommand(loginCmd, logoutCmd, statusCmd)
	return auth
}

func newConfigCmd(f *Factory) *cobra.Command {
	cfg := &cobra.Command{
		Use:         "config <command>",
		Short:       "Manage forge's configuration",
		Long:        "Keys: " + strings.Join(configKeys, ", ") + ".",
		Annotations: noAuth(),
	}
	get := &cobra.Command{
		Use:   "get <key>",
		Short: "Print the value of a key",
		Args:  MinimumArgs(1, "cannot get: key required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, ok := f.Config.get(args[0])
			if !ok {
				return fmt.Errorf("unknown key %q", args[0])
			}
			if v != "" {
				fmt.Fprintln(f.Out, v)
			}
			return nil
		},
	}
	set := &cobra.Command{
		Use:   "set <key> <value>",
		Short: "Set a key",
		Args:  MinimumArgs(2, "cannot set: key and value required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !f.Config.set(args[0], args[1]) {
				return fmt.Errorf("unknown key %q", args[0])
			}
			return f.Config.Save()
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "Print every key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, k := range configKeys {
				v, _ := f.Config.get(k)
				fmt.Fprintf(f.Out, "%s=%s\n", k, v)
			}
			return nil
		},
	}
	cfg.AddCommand(get, set, list)
	return cfg
}

func newAliasCmd(f *Factory) *cobra.Command {
	alias := &cobra.Command{Use: "alias <command>", Short: "Create command shortcuts", Annotations: noAuth()}
	set := &cobra.Command{
		Use:   "set <alias> <expansion>",
		Short: "Create a shortcut for a forge command",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, expansion := args[0], args[1]
			root := cmd.Root()
			if taken(root, name) && Kind(findCommand(root, name)) != GroupAlias {
				return fmt.Errorf("could not create alias: %q is already a forge command", name)
			}
			if target, _, err := root.Find(strings.Fields(expansion)); err != nil || target == root {
				return fmt.Errorf("could not create alias: %s does not correspond to a forge command", expansion)
			}
			if f.Config.Aliases == nil {
				f.Config.Aliases = map[string]string{}
			}
			f.Config.Aliases[name] = expansion
			if err := f.Config.Save(); err != nil {
				return err
			}
			fmt.Fprintf(f.ErrOut, "✓ Added alias %s\n", name)
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List your aliases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			names := f.Config.aliasNames()
			if len(names) == 0 {
				return &NoResultsError{Message: "no aliases configured"}
			}
			for _, n := range names {
				fmt.Fprintf(f.Out, "%s: %s\n", n, f.Config.Aliases[n])
			}
			return nil
		},
	}
	del := &cobra.Command{
		Use:   "delete <alias>",
		Short: "Delete an alias",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, ok := f.Config.Aliases[args[0]]; !ok {
				return fmt.Errorf("no such alias %s", args[0])
			}
			delete(f.Config.Aliases, args[0])
			if err := f.Config.Save(); err != nil {
				return err
			}
			fmt.Fprintf(f.ErrOut, "✓ Deleted alias %s\n", args[0])
			return nil
		},
	}
	alias.AddCommand(set, list, del)
	return alias
}

func findCommand(root *cobra.Command, name string) *cobra.Command {
	for _, c := range root.Commands() {
		if c.Name() == name {
			return c
		}
	}
	return root
}

func newExtensionCmd(f *Factory) *cobra.Command {
	ext := &cobra.Command{Use: "extension <command>", Aliases: []string{"ext"}, Short: "Manage forge extensions", Annotations: noAuth()}
	list := &cobra.Command{
		Use:   "list",
		Short: "List installed extensions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			names := extensionNames(f.ConfigDir)
			if len(names) == 0 {
				return &NoResultsError{Message: "no installed extensions found"}
			}
			for _, n := range names {
				fmt.Fprintf(f.Out, "forge %s\tforge-%s\n", n, n)
			}
			return nil
		},
	}
	ext.AddCommand(list)
	return ext
}

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Short:       "Show forge's version",
		Args:        cobra.NoArgs,
		Annotations: noAuth(),
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(f.Out, "forge version %s\n", f.Version)
		},
	}
}

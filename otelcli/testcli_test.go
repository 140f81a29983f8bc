package otelcli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
)

type quotaError struct{}

func (quotaError) Error() string { return "quota exceeded for org acme-secret" }

type codeErr struct{ msg string }

func (e *codeErr) Error() string     { return e.msg }
func (e *codeErr) ErrorCode() string { return "cluster_not_found" }

// testTree is a small CLI: "app cluster create|delete|fail ...".
func testTree() *cobra.Command {
	root := &cobra.Command{Use: "app", SilenceUsage: true}
	cluster := &cobra.Command{Use: "cluster"}
	var provider, region, name string
	var tags []string
	create := &cobra.Command{
		Use:  "create",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "created %s\n", name)
			return nil
		},
	}
	create.Flags().StringVar(&provider, "provider", "", "")
	create.Flags().StringVar(&region, "region", "", "")
	create.Flags().StringVarP(&name, "name", "n", "", "")
	create.Flags().StringSliceVar(&tags, "tag", nil, "")
	create.Flags().Int("count", 1, "")
	create.Flags().String("must", "", "")
	create.MarkFlagsRequiredTogether("must", "count")
	del := &cobra.Command{
		Use:     "delete NAME",
		Aliases: []string{"rm"},
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return &codeErr{msg: "cluster " + args[0] + " not found"}
		},
	}
	fail := &cobra.Command{
		Use:  "fail KIND",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch args[0] {
			case "plain":
				return errors.New("plain failure with secret-token-123")
			case "typed":
				return quotaError{}
			case "wrapped":
				_, err := os.Open("/nonexistent/secret/path")
				return fmt.Errorf("reading config: %w", err)
			case "joined":
				return errors.Join(quotaError{}, &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist})
			case "exit":
				return exitErr{}
			}
			return nil
		},
	}
	req := &cobra.Command{Use: "req", RunE: func(*cobra.Command, []string) error { return nil }}
	req.Flags().String("token", "", "")
	_ = req.MarkFlagRequired("token")
	hidden := &cobra.Command{Use: "hidden", Hidden: true, Run: func(*cobra.Command, []string) {}}
	cluster.AddCommand(create, del, fail)
	root.AddCommand(cluster, req, hidden, &cobra.Command{Use: "register", Run: func(*cobra.Command, []string) {}})
	return root
}

type exitErr struct{}

func (exitErr) Error() string { return "exit 3" }
func (exitErr) ExitCode() int { return 3 }

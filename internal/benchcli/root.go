package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRoot() *cobra.Command {
	root := &cobra.Command{Use: "benchcli", SilenceUsage: true}
	root.AddCommand(&cobra.Command{Use: "hello", Run: func(cmd *cobra.Command, _ []string) {
		fmt.Fprintln(cmd.OutOrStdout(), "hello")
	}})
	return root
}

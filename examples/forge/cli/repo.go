package cli

import (
	"bufio"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// repoFlag adds -R/--repo to a command group; the default is the
// configuration's default_repo.
func repoFlag(cmd *cobra.Command, f *Factory, repo *string) {
	cmd.PersistentFlags().StringVarP(repo, "repo", "R", "", "select another repository using the OWNER/REPO format")
}

func selectRepo(f *Factory, flag string) (string, *store, *Repo, error) {
	name := flag
	if name == "" {
		name = f.Config.DefaultRepo
	}
	if name == "" {
		return "", nil, nil, flagErrorf("no repository: use --repo OWNER/REPO or `forge config set default_repo OWNER/REPO`")
	}
	s, err := openStore(f.ConfigDir)
	if err != nil {
		return "", nil, nil, err
	}
	r, err := s.repo(name)
	return name, s, r, err
}

func number(arg, what string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(arg, "#"))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid %s number: %q", what, arg)
	}
	return n, nil
}

func newIssueCmd(f *Factory) *cobra.Command {
	var repo string
	issue := &cobra.Command{Use: "issue <command>", Short: "Manage issues"}
	repoFlag(issue, f, &repo)

	var state, label string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List issues",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains([]string{"open", "closed", "all"}, state) {
				return flagErrorf("invalid argument %q for \"--state\" flag: valid values are open, closed and all", state)
			}
			name, _, r, err := selectRepo(f, repo)
			if err != nil {
				return err
			}
			shown := 0
			for _, is := range r.Issues {
				if (state != "all" && is.State != state) || (label != "" && !slices.Contains(is.Labels, label)) || shown == limit {
					continue
				}
				shown++
				fmt.Fprintf(f.Out, "%d\t%s\t%s\t%s\n", is.Number, strings.ToUpper(is.State), is.Title, strings.Join(is.Labels, ", "))
			}
			if shown == 0 {
				return &NoResultsError{Message: "no issues match your search in " + name}
			}
			return nil
		},
	}
	list.Flags().StringVarP(&state, "state", "s", "open", "filter by state: {open|closed|all}")
	list.Flags().StringVarP(&label, "label", "l", "", "filter by label")
	list.Flags().IntVarP(&limit, "limit", "L", 30, "maximum number of issues to show")

	view := &cobra.Command{
		Use:   "view <number>",
		Short: "Show an issue",
		Args:  MinimumArgs(1, "issue number required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := number(args[0], "issue")
			if err != nil {
				return err
			}
			name, _, r, err := selectRepo(f, repo)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(r.Issues, func(is Issue) bool { return is.Number == n })
			if i < 0 {
				return &NotFoundError{What: fmt.Sprintf("issue #%d in %s", n, name)}
			}
			is := r.Issues[i]
			fmt.Fprintf(f.Out, "title:\t%s\nstate:\t%s\nlabels:\t%s\nnumber:\t%d\n--\n%s\n", is.Title, strings.ToUpper(is.State), strings.Join(is.Labels, ", "), is.Number, is.Body)
			return nil
		},
	}

	var title, body string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an issue",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, s, r, err := selectRepo(f, repo)
			if err != nil {
				return err
			}
			n := 1
			for _, is := range r.Issues {
				n = max(n, is.Number+1)
			}
			r.Issues = append(r.Issues, Issue{Number: n, Title: title, Body: body, State: "open"})
			if err := s.save(); err != nil {
				return err
			}
			fmt.Fprintf(f.Out, "https://forge.example.com/%s/issues/%d\n", name, n)
			return nil
		},
	}
	create.Flags().StringVarP(&title, "title", "t", "", "issue title")
	create.Flags().StringVarP(&body, "body", "b", "", "issue body")
	_ = create.MarkFlagRequired("title")

	var yes bool
	del := &cobra.Command{
		Use:   "delete <number>",
		Short: "Delete an issue",
		Args:  MinimumArgs(1, "issue number required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := number(args[0], "issue")
			if err != nil {
				return err
			}
			name, s, r, err := selectRepo(f, repo)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(r.Issues, func(is Issue) bool { return is.Number == n })
			if i < 0 {
				return &NotFoundError{What: fmt.Sprintf("issue #%d in %s", n, name)}
			}
			if !yes {
				fmt.Fprintf(f.ErrOut, "Delete issue #%d %q? [y/N] ", n, r.Issues[i].Title)
				answer, _ := bufio.NewReader(f.In).ReadString('\n')
				if strings.TrimSpace(strings.ToLower(answer)) != "y" {
					fmt.Fprintln(f.ErrOut)
					return &CancelError{}
				}
			}
			r.Issues = slices.Delete(r.Issues, i, i+1)
			if err := s.save(); err != nil {
				return err
			}
			fmt.Fprintf(f.ErrOut, "✓ Deleted issue #%d\n", n)
			return nil
		},
	}
	del.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")

	issue.AddCommand(list, view, create, del)
	return issue
}

func newPRCmd(f *Factory) *cobra.Command {
	var repo string
	pr := &cobra.Command{Use: "pr <command>", Short: "Manage pull requests"}
	repoFlag(pr, f, &repo)

	list := &cobra.Command{
		Use:   "list",
		Short: "List pull requests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, _, r, err := selectRepo(f, repo)
			if err != nil {
				return err
			}
			if len(r.Pulls) == 0 {
				return &NoResultsError{Message: "no open pull requests in " + name}
			}
			for _, p := range r.Pulls {
				fmt.Fprintf(f.Out, "%d\t%s\t%s\n", p.Number, p.Title, p.Checks)
			}
			return nil
		},
	}

	pull := func(arg string) (*Pull, error) {
		n, err := number(arg, "pull request")
		if err != nil {
			return nil, err
		}
		name, _, r, err := selectRepo(f, repo)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(r.Pulls, func(p Pull) bool { return p.Number == n })
		if i < 0 {
			return nil, &NotFoundError{What: fmt.Sprintf("pull request #%d in %s", n, name)}
		}
		return &r.Pulls[i], nil
	}

	checks := &cobra.Command{
		Use:   "checks <number>",
		Short: "Show the checks of a pull request",
		Args:  MinimumArgs(1, "pull request number required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pull(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(f.Out, "build\t%s\ntest\t%s\n", p.Checks, p.Checks)
			switch p.Checks {
			case "pending":
				return &PendingError{}
			case "fail":
				return &SilentError{}
			}
			return nil
		},
	}

	checkout := &cobra.Command{
		Use:   "checkout <number>",
		Short: "Check out a pull request in git",
		Args:  MinimumArgs(1, "pull request number required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pull(args[0])
			if err != nil {
				return err
			}
			ref := fmt.Sprintf("pull/%d/head:pr-%d", p.Number, p.Number)
			git := exec.CommandContext(cmd.Context(), "git", "fetch", "origin", ref)
			git.Stdout, git.Stderr = f.Out, f.ErrOut
			if err := git.Run(); err != nil {
				return fmt.Errorf("failed to run git: %w", err)
			}
			return nil
		},
	}
	pr.AddCommand(list, checks, checkout)
	return pr
}

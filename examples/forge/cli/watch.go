package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
)

// finishTime stands for the last poll to the host running to its end, so
// that the report is complete: the window in which a second Ctrl-C quits
// without cleaning up.
const finishTime = time.Second

// newWatchCmd is a command with its own two-stage Ctrl-C handling: the
// first interrupt cancels its context, and it writes its report and
// releases its lock before returning context.Canceled (exit code 2, from
// main); a second one quits at once, leaving the lock (exit code 1).
func newWatchCmd(f *Factory) *cobra.Command {
	var repo string
	var wait bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Watch the checks of a repository's pull requests until Ctrl-C",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, _, r, err := selectRepo(f, repo)
			if err != nil {
				return err
			}
			lock := filepath.Join(f.ConfigDir, "watch.lock")
			if err := takeLock(cmd.Context(), lock, wait); err != nil {
				return err
			}
			// From here on there is something to clean up.
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, os.Interrupt)
			defer signal.Stop(sigs)
			go func() {
				select {
				case <-sigs:
				case <-ctx.Done():
					return
				}
				fmt.Fprintln(f.ErrOut, "Stopping: finishing the report (Ctrl-C again to quit now)")
				cancel()
				<-sigs
				fmt.Fprintln(f.ErrOut, "Quit without cleaning up: remove watch.lock from forge's configuration directory")
				f.ForceExit(1)
			}()

			fmt.Fprintf(f.Out, "Watching checks in %s; press Ctrl-C to stop\n", name)
			last, changes := checkStates(r), 0
			tick := time.NewTicker(interval)
			defer tick.Stop()
		loop:
			for {
				select {
				case <-ctx.Done():
					break loop
				case <-tick.C:
					if _, _, r, err := selectRepo(f, repo); err == nil {
						now := checkStates(r)
						for n, st := range now {
							if last[n] != st {
								fmt.Fprintf(f.Out, "#%d: checks %s\n", n, st)
								changes++
							}
						}
						last = now
					}
				}
			}
			time.Sleep(finishTime)
			report := fmt.Sprintf("Watched %s: %d check changes.\n", name, changes)
			if err := writeFile(filepath.Join(f.ConfigDir, "watch-report.txt"), []byte(report)); err != nil {
				return err
			}
			fmt.Fprint(f.Out, report)
			if err := os.Remove(lock); err != nil {
				return err
			}
			return ctx.Err()
		},
	}
	repoFlag(cmd, f, &repo)
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for another watch to finish instead of failing")
	cmd.Flags().DurationVar(&interval, "interval", 2*time.Second, "time between polls")
	return cmd
}

func checkStates(r *Repo) map[int]string {
	m := make(map[int]string, len(r.Pulls))
	for _, p := range r.Pulls {
		m[p.Number] = p.Checks
	}
	return m
}

// takeLock creates the lock file, or waits for it to be gone.
func takeLock(ctx context.Context, path string, wait bool) error {
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintln(f, os.Getpid())
			return f.Close()
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		if !wait {
			return errors.New("another forge watch is running; if not, remove watch.lock from forge's configuration directory")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

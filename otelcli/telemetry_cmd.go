package otelcli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/spf13/cobra"

	"github.com/cli-telemetry/otelcli/internal/otlp"
	"github.com/cli-telemetry/otelcli/internal/render"
	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
)

const telemetryAnnotation = "otelcli.telemetry-command"

// isTelemetryCommand reports whether cmd is the telemetry group or one of
// its subcommands.
func isTelemetryCommand(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		if _, ok := c.Annotations[telemetryAnnotation]; ok {
			return true
		}
	}
	return false
}

// telemetryEnv is what every telemetry subcommand needs from the run.
type telemetryEnv struct {
	name     string
	account  *Account
	decision decision
	forRun   func() (decision, bool)
	// decideNow asks every source again, after a change.
	decideNow func() decision
	dirs      func() (store.Dirs, error)
	newSpool  func(store.Dirs) *spool.Spool
}

func newTelemetryCmd(r *Run) *cobra.Command {
	te := &telemetryEnv{
		name:      r.root.Name(),
		account:   r.cfg.account,
		decision:  r.decision,
		forRun:    func() (decision, bool) { return decideForRun(&r.cfg) },
		decideNow: func() decision { return decide(&r.cfg, r.stateDirs) },
		dirs:      r.stateDirs,
		newSpool:  r.cfg.newSpool,
	}
	group := &cobra.Command{
		Use:   "telemetry",
		Short: "Show or change what " + te.name + " sends about its usage",
		Long: fmt.Sprintf(`%s sends anonymous usage data: which commands run, the names of the flags
set, how long they take and how they end, on which OS and version. It never
sends arguments, flag values you type (except allowlisted choices), paths,
error messages, or anything that identifies you.

Telemetry is off when any of these is set: OTEL_SDK_DISABLED=true,
DO_NOT_TRACK=1, OTEL_TRACES_EXPORTER=none, %sTELEMETRY_DISABLED=1.%s`, te.name, r.cfg.envPrefix, flagLine(&r.cfg)),
		Annotations: map[string]string{telemetryAnnotation: ""},
		Args:        cobra.NoArgs,
	}
	group.AddCommand(newStatusCmd(te, nil), newEnableCmd(te, nil), newDisableCmd(te, nil), newShowCmd(te, nil))
	return group
}

func flagLine(c *config) string {
	if h := c.flagHint(); h != "" {
		return "\nFor one run, add " + h + "."
	}
	return ""
}

type statusOptions struct {
	*telemetryEnv
	out  io.Writer
	json bool
}

func newStatusCmd(te *telemetryEnv, runF func(*statusOptions) error) *cobra.Command {
	o := &statusOptions{telemetryEnv: te}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say whether telemetry is on, and what decided it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.out = cmd.OutOrStdout()
			if runF != nil {
				return runF(o)
			}
			return statusRun(o)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the status as JSON")
	return cmd
}

func statusRun(o *statusOptions) error {
	d := o.decision
	if o.json {
		enc := json.NewEncoder(o.out)
		enc.SetIndent("", "  ")
		st := struct {
			Enabled bool   `json:"enabled"`
			Source  string `json:"source"`
			Value   string `json:"value,omitempty"`
			Account string `json:"account,omitempty"`
		}{Enabled: d.enabled, Source: d.source, Value: d.value}
		if d.enabled && o.account != nil {
			st.Account = "anonymous"
			if _, ok := o.account.ID(); ok {
				st.Account = o.account.Key
			}
		}
		return enc.Encode(st)
	}
	fmt.Fprintf(o.out, "Telemetry is %s.\n", d)
	if d.enabled && o.account != nil {
		fmt.Fprintln(o.out, o.account.statusLine())
	}
	return nil
}

type switchOptions struct {
	*telemetryEnv
	out io.Writer
	now func() time.Time
}

func newEnableCmd(te *telemetryEnv, runF func(*switchOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "enable",
		Short: "Turn telemetry on for this user",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := &switchOptions{telemetryEnv: te, out: cmd.OutOrStdout(), now: time.Now}
			if runF != nil {
				return runF(o)
			}
			return enableRun(o)
		},
	}
}

func enableRun(o *switchOptions) error {
	if err := o.persist(true); err != nil {
		return err
	}
	fmt.Fprintln(o.out, "Telemetry enabled.")
	if d, ok := o.forRun(); ok {
		fmt.Fprintf(o.out, "It stays off while %s=%s is set.\n", d.source, d.value)
	} else if d := o.decideNow(); !d.enabled {
		// Another persisted choice says no: the CLI's own setting.
		fmt.Fprintf(o.out, "It stays off: %s.\n", d)
	}
	return nil
}

func newDisableCmd(te *telemetryEnv, runF func(*switchOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "disable",
		Short: "Turn telemetry off for this user and delete what is queued",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := &switchOptions{telemetryEnv: te, out: cmd.OutOrStdout(), now: time.Now}
			if runF != nil {
				return runF(o)
			}
			return disableRun(o)
		},
	}
}

func disableRun(o *switchOptions) error {
	if err := o.persist(false); err != nil {
		return err
	}
	if d, err := o.dirs(); err == nil {
		_ = o.newSpool(d).Clear()
	}
	fmt.Fprintln(o.out, "Telemetry disabled. Nothing more will be sent, and nothing queued will be.")
	return nil
}

func (o *switchOptions) persist(enabled bool) error {
	d, err := o.dirs()
	if err != nil {
		return fmt.Errorf("cannot save the setting: %w", err)
	}
	if err := store.WriteSettings(d, store.Settings{Enabled: &enabled, Changed: o.now().UTC()}); err != nil {
		return fmt.Errorf("cannot save the setting in %s: %w", d.Config, err)
	}
	return nil
}

type showOptions struct {
	*telemetryEnv
	out, errOut io.Writer
}

func newShowCmd(te *telemetryEnv, runF func(*showOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Print exactly what the last recorded run sent, as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := &showOptions{telemetryEnv: te, out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr()}
			if runF != nil {
				return runF(o)
			}
			return showRun(o)
		},
	}
}

func showRun(o *showOptions) error {
	d, err := o.dirs()
	if err != nil {
		return err
	}
	// The newest invocation still spooled, else the last one that left
	// the spool (which the uploader keeps, also when it took the spooled
	// one between the listing and the read).
	sp := o.newSpool(d)
	rs, err := []otlp.ResourceSpans(nil), fs.ErrNotExist
	if files, _ := sp.Files(); len(files) > 0 {
		rs, err = spool.Read(files[len(files)-1].Path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		rs, err = spool.Read(sp.Last)
	}
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(o.out, "Nothing has been recorded yet.")
		return nil
	}
	if err != nil {
		return err
	}
	b, err := render.JSON(rs)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.out, "%s\n", b)
	if o.account != nil && bytes.Contains(b, []byte(`"`+o.account.Key+`"`)) {
		fmt.Fprintf(o.errOut, "This run carried your account id (%s): you were logged in.\n", o.account.Key)
	}
	return nil
}

// telemetryTarget reports whether the command line runs otelcli's own
// telemetry group (or one of its subcommands), found the way cobra finds
// commands.
func (r *Run) telemetryTarget() (*cobra.Command, bool) {
	if r.telCmd == nil {
		return nil, false
	}
	cmd, _, err := r.root.Find(r.cfg.args)
	if err != nil {
		return nil, false
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c == r.telCmd {
			return cmd, true
		}
	}
	return nil, false
}

// runTelemetry runs a telemetry command outside the CLI's hooks: none of
// its persistent pre- or post-runs (a login check), none of cobra's
// initializers (a config file that fails to load), so that a user can
// always see and change the setting. It parses, validates and reports
// errors as cobra does.
func (r *Run) runTelemetry(ctx context.Context, cmd *cobra.Command) error {
	_, rest, _ := r.root.Find(r.cfg.args)
	cmd.SetContext(ctx)
	cmd.InitDefaultHelpFlag()
	err := cmd.ParseFlags(rest)
	if err != nil {
		err = cmd.FlagErrorFunc()(cmd, err)
	}
	if err == nil {
		if help, _ := cmd.Flags().GetBool("help"); help || !cmd.Runnable() {
			return cmd.Help()
		}
		if err = cmd.ValidateArgs(cmd.Flags().Args()); err == nil {
			err = cmd.RunE(cmd, cmd.Flags().Args())
		}
	}
	if err != nil {
		if !cmd.SilenceErrors && !r.root.SilenceErrors {
			r.root.PrintErrln(errPrefix(r.root), err.Error())
		}
		if !cmd.SilenceUsage && !r.root.SilenceUsage {
			r.root.Println(cmd.UsageString())
		}
	}
	return err
}

// errPrefix is the root's error prefix ("Error:"); cobra made it settable
// in 1.8, and otelcli works with older releases too.
func errPrefix(root *cobra.Command) string {
	if p, ok := any(root).(interface{ ErrPrefix() string }); ok {
		return p.ErrPrefix()
	}
	return "Error:"
}

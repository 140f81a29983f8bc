package otelcli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

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

// stopRecording drops this run's span: the telemetry commands never report
// themselves.
func (r *run) stopRecording() {
	if r.sess != nil {
		r.sess.consent.Set(false)
	}
}

func newTelemetryCmd(r *run) *cobra.Command {
	name := r.root.Name()
	group := &cobra.Command{
		Use:   "telemetry",
		Short: "Show or change what " + name + " sends about its usage",
		Long: fmt.Sprintf(`%s sends anonymous usage data: which commands run, the names of the flags
set, how long they take and how they end, on which OS and version. It never
sends arguments, flag values you type (except allowlisted choices), paths,
error messages, or anything that identifies you.

Telemetry is off when any of these is set: OTEL_SDK_DISABLED=true,
DO_NOT_TRACK=1, OTEL_TRACES_EXPORTER=none, %sTELEMETRY_DISABLED=1.`, name, r.cfg.envPrefix),
		Annotations: map[string]string{telemetryAnnotation: ""},
		Args:        cobra.NoArgs,
	}
	var statusJSON bool
	status := &cobra.Command{
		Use:   "status",
		Short: "Say whether telemetry is on, and what decided it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r.stopRecording()
			d := r.decision
			if statusJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Enabled bool   `json:"enabled"`
					Source  string `json:"source"`
					Value   string `json:"value,omitempty"`
				}{d.Enabled, d.Source, d.Value})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Telemetry is %s.\n", d)
			return nil
		},
	}
	status.Flags().BoolVar(&statusJSON, "json", false, "print the status as JSON")

	enable := &cobra.Command{
		Use:   "enable",
		Short: "Turn telemetry on for this user",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r.stopRecording()
			if err := r.persist(true); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Telemetry enabled.")
			if d, ok := decideFromEnv(r.cfg); ok {
				fmt.Fprintf(cmd.OutOrStdout(), "It stays off while %s=%s is set.\n", d.Source, d.Value)
			}
			return nil
		},
	}
	disable := &cobra.Command{
		Use:   "disable",
		Short: "Turn telemetry off for this user and delete what is queued",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r.stopRecording()
			if err := r.persist(false); err != nil {
				return err
			}
			if r.dirsErr == nil {
				_ = r.cfg.newSpool(r.dirs).Clear()
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Telemetry disabled. Nothing more will be sent, and nothing queued will be.")
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print exactly what the last recorded run sent, as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r.stopRecording()
			if r.dirsErr != nil {
				return r.dirsErr
			}
			rs, err := spool.Read(filepath.Join(r.dirs.Cache, lastFile))
			if errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintln(cmd.OutOrStdout(), "Nothing has been recorded yet.")
				return nil
			}
			if err != nil {
				return err
			}
			b, err := render.JSON(rs)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
			return nil
		},
	}
	group.AddCommand(status, enable, disable, show)
	return group
}

func (r *run) persist(enabled bool) error {
	if r.dirsErr != nil {
		return fmt.Errorf("cannot save the setting: %w", r.dirsErr)
	}
	if err := store.WriteSettings(r.dirs, store.Settings{Enabled: &enabled, Changed: time.Now().UTC()}); err != nil {
		return fmt.Errorf("cannot save the setting in %s: %w", r.dirs.Config, err)
	}
	return nil
}

package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/spf13/cobra"
)

// Config is clusterctl's own settings file, in the user's config dir. Its
// telemetry_enabled key predates otelcli (like MongoDB's
// `atlas config set telemetry_enabled false`): users who set it to false
// stay opted out.
type Config struct {
	TelemetryEnabled *bool  `json:"telemetry_enabled,omitempty"`
	Output           string `json:"output,omitempty"`
}

// configKeys are the keys `config set` knows.
var configKeys = []string{"output", "telemetry_enabled"}

// ConfigDir is clusterctl's configuration directory.
func ConfigDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "clusterctl")
}

func configFile() string { return filepath.Join(ConfigDir(), "config.json") }

// LoadConfig reads the settings file; a missing file is the zero Config.
func LoadConfig() (Config, error) {
	var c Config
	b, err := os.ReadFile(configFile())
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("config file damaged: %w", err)
	}
	return c, nil
}

// TelemetryChoice is the user's telemetry_enabled setting, and whether
// they made one.
func TelemetryChoice() (enabled, decided bool) {
	c, err := LoadConfig()
	if err != nil {
		return false, true // an unreadable choice is no consent
	}
	if c.TelemetryEnabled == nil {
		return false, false
	}
	return *c.TelemetryEnabled, true
}

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Get and set clusterctl's settings"}
	set := &cobra.Command{
		Use:       "set KEY VALUE",
		Short:     "Set a setting (output, telemetry_enabled)",
		Args:      cobra.ExactArgs(2),
		ValidArgs: configKeys,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := LoadConfig()
			if err != nil {
				return err
			}
			switch args[0] {
			case "output":
				if !slices.Contains([]string{"table", "json"}, args[1]) {
					return fmt.Errorf("output must be table or json")
				}
				c.Output = args[1]
			case "telemetry_enabled":
				b, err := strconv.ParseBool(args[1])
				if err != nil {
					return fmt.Errorf("telemetry_enabled must be true or false")
				}
				c.TelemetryEnabled = &b
			default:
				return fmt.Errorf("unknown key %q", args[0])
			}
			b, _ := json.MarshalIndent(c, "", "  ")
			if err := os.MkdirAll(ConfigDir(), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(configFile(), append(b, '\n'), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Set %s to %s.\n", args[0], args[1])
			return nil
		},
	}
	get := &cobra.Command{
		Use:   "get KEY",
		Short: "Print a setting",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := LoadConfig()
			if err != nil {
				return err
			}
			switch args[0] {
			case "output":
				fmt.Fprintln(cmd.OutOrStdout(), c.Output)
			case "telemetry_enabled":
				if c.TelemetryEnabled == nil {
					fmt.Fprintln(cmd.OutOrStdout(), "unset")
				} else {
					fmt.Fprintln(cmd.OutOrStdout(), *c.TelemetryEnabled)
				}
			default:
				return fmt.Errorf("unknown key %q", args[0])
			}
			return nil
		},
	}
	cmd.AddCommand(set, get)
	return cmd
}

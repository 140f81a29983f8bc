// Package cli is clusterctl's command tree. It knows nothing of otelcli: it
// uses the OpenTelemetry API as any instrumented program would, so that the
// uninstrumented build (-tags notelemetry) is the same CLI without the
// telemetry library.
package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Attributes clusterctl adds to its spans through the OpenTelemetry API; the
// telemetry package declares them so that they pass the allowlist.
var (
	AuthMethodKey   = attribute.Key("clusterctl.auth.method")
	ClusterCountKey = attribute.Key("clusterctl.clusters.count")
)

// Cluster is one cluster in the local state file.
type Cluster struct {
	Name     string    `json:"name"`
	Provider string    `json:"provider"`
	Region   string    `json:"region"`
	Tier     string    `json:"tier"`
	Created  time.Time `json:"created"`
}

// NotFoundError is returned for a cluster that does not exist. Its code
// becomes error.type, so telemetry says "cluster_not_found" without the
// cluster's name.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string     { return fmt.Sprintf("cluster %s not found", e.Name) }
func (e *NotFoundError) ErrorCode() string { return "cluster_not_found" }

// Hooks are what the instrumented build gives the command tree; the plain
// build gives none, and the commands behave the same.
type Hooks struct {
	// Report publishes periodic usage snapshots of `serve`.
	Report Reporter
}

// NewRoot returns clusterctl's command tree.
func NewRoot(version string, hooks Hooks) *cobra.Command {
	root := &cobra.Command{
		Use:           "clusterctl",
		Short:         "Manage database clusters (an example CLI for otelcli)",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	cluster := &cobra.Command{Use: "cluster", Short: "Create, list and delete clusters"}

	var provider, region, name, tier string
	var wait time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch provider {
			case "AWS", "GCP", "AZURE":
			default:
				return fmt.Errorf("invalid provider %q: want AWS, GCP or AZURE", provider)
			}
			cs, err := load()
			if err != nil {
				return err
			}
			if slices.ContainsFunc(cs, func(c Cluster) bool { return c.Name == name }) {
				return fmt.Errorf("cluster %s already exists", name)
			}
			cs = append(cs, Cluster{Name: name, Provider: provider, Region: region, Tier: tier, Created: time.Now().UTC()})
			if err := save(cs); err != nil {
				return err
			}
			if wait > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Waiting for cluster %s to be ready...\n", name)
				select {
				case <-time.After(wait):
				case <-cmd.Context().Done():
					return cmd.Context().Err()
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Cluster %s created on %s in %s (%s).\n", name, provider, region, tier)
			return nil
		},
	}
	create.Flags().StringVar(&provider, "provider", "", "cloud provider: AWS, GCP or AZURE")
	create.Flags().StringVar(&region, "region", "", "region, e.g. US_EAST_1")
	create.Flags().StringVarP(&name, "name", "n", "", "cluster name")
	create.Flags().StringVar(&tier, "tier", "M10", "tier: M10, M20 or M30")
	create.Flags().DurationVar(&wait, "wait", 0, "wait this long for the cluster to be ready")
	for _, f := range []string{"provider", "region", "name"} {
		_ = create.MarkFlagRequired(f)
	}

	var output string
	list := &cobra.Command{
		Use:   "list",
		Short: "List clusters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, span := otel.Tracer("clusterctl").Start(cmd.Context(), "clusters.load")
			cs, err := load()
			// A path is exactly what must not leave: the allowlist drops this.
			span.SetAttributes(ClusterCountKey.Int(len(cs)), attribute.String("file.path", stateFile()))
			span.End()
			if err != nil {
				return err
			}
			trace.SpanFromContext(cmd.Context()).SetAttributes(ClusterCountKey.Int(len(cs)))
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if cs == nil {
					cs = []Cluster{}
				}
				return enc.Encode(cs)
			}
			if len(cs) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No clusters.")
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%-20s %-6s %-14s %s\n", "NAME", "CLOUD", "REGION", "TIER")
			for _, c := range cs {
				fmt.Fprintf(cmd.OutOrStdout(), "%-20s %-6s %-14s %s\n", c.Name, c.Provider, c.Region, c.Tier)
			}
			return nil
		},
	}
	list.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	// The default output comes from the user's settings (`config set output
	// json`), filled in as many CLIs do: by setting the flag, unless the
	// command line did.
	list.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if cmd.Flags().Changed("output") {
			return nil
		}
		c, err := LoadConfig()
		if err != nil || c.Output == "" {
			return err
		}
		return cmd.Flags().Set("output", c.Output)
	}

	del := &cobra.Command{
		Use:     "delete NAME",
		Aliases: []string{"rm"},
		Short:   "Delete a cluster",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, err := load()
			if err != nil {
				return err
			}
			i := slices.IndexFunc(cs, func(c Cluster) bool { return c.Name == args[0] })
			if i < 0 {
				return &NotFoundError{Name: args[0]}
			}
			if err := save(slices.Delete(cs, i, i+1)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Cluster %s deleted.\n", args[0])
			return nil
		},
	}
	cluster.AddCommand(create, list, del)

	var apiKey string
	login := &cobra.Command{
		Use:   "login",
		Short: "Log in with an API key (the key is never sent in telemetry)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(apiKey) < 8 {
				return errors.New("api key too short")
			}
			trace.SpanFromContext(cmd.Context()).SetAttributes(AuthMethodKey.String("api_key"))
			// The service would answer with the key's account; derived here.
			sum := sha256.Sum256([]byte(apiKey))
			account := "acct_" + hex.EncodeToString(sum[:6])
			if err := saveAuth(account); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Logged in as %s with key ending in %s.\n", account, apiKey[len(apiKey)-4:])
			return nil
		},
	}
	login.Flags().StringVar(&apiKey, "api-key", "", "API key")
	_ = login.MarkFlagRequired("api-key")
	logout := &cobra.Command{
		Use:   "logout",
		Short: "Log out",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.Remove(authFile()); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Logged out.")
			return nil
		},
	}

	ver := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "clusterctl %s\n", version)
		},
	}
	root.AddCommand(cluster, login, logout, ver, newConfigCmd(), newServeCmd(version, hooks.Report), newServerCmd())
	return root
}

func authFile() string { return filepath.Join(dataDir(), "auth.json") }

func saveAuth(account string) error {
	if err := os.MkdirAll(dataDir(), 0o700); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]string{"account": account})
	return os.WriteFile(authFile(), b, 0o600)
}

// LoggedInAccount is the account of the logged-in user, if any.
func LoggedInAccount() (string, bool) {
	b, err := os.ReadFile(authFile())
	if err != nil {
		return "", false
	}
	var a struct{ Account string }
	if json.Unmarshal(b, &a) != nil || a.Account == "" {
		return "", false
	}
	return a.Account, true
}

func stateFile() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "clusterctl", "clusters.json")
}

func load() ([]Cluster, error) {
	b, err := os.ReadFile(stateFile())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cs []Cluster
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, fmt.Errorf("state file damaged: %w", err)
	}
	return cs, nil
}

func save(cs []Cluster) error {
	p := stateFile()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(cs, "", "  ")
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

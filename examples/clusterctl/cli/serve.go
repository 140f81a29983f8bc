package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Attributes of the local server and of the server a client talks to.
var (
	RequestsServedKey = attribute.Key("clusterctl.requests.served")
	ServerVersionKey  = attribute.Key("clusterctl.server.version")
	ServerIDKey       = attribute.Key("clusterctl.server.id")
)

// Reporter publishes periodic usage snapshots of a long-running command;
// the instrumented build passes otelcli.ReportEvery, the plain one nothing.
type Reporter func(ctx context.Context, every time.Duration, snapshot func() []attribute.KeyValue) (stop func())

// serverInfo is what GET /api/info answers.
type serverInfo struct {
	Version  string `json:"version"`
	ServerID string `json:"server_id"`
}

func dataDir() string { return filepath.Dir(stateFile()) }

// serverID is a random id created on the server's first start, as a real
// API server would have.
func serverID() (string, error) {
	p := filepath.Join(dataDir(), "server-id")
	if b, err := os.ReadFile(p); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, 16)
	rand.Read(b)
	id := hex.EncodeToString(b)
	if err := os.MkdirAll(dataDir(), 0o755); err != nil {
		return "", err
	}
	return id, os.WriteFile(p, []byte(id+"\n"), 0o644)
}

// newServeCmd runs the cluster API on loopback until interrupted. It has
// the two-stage Ctrl-C handling long-running CLIs have: the first SIGINT
// (or SIGTERM) shuts the server down cleanly, prints a report and releases
// the lock file; a second one forces an exit and leaves the lock behind.
func newServeCmd(version string, report Reporter) *cobra.Command {
	var port int
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the cluster API on 127.0.0.1 until interrupted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lock := filepath.Join(dataDir(), "serve.lock")
			if err := os.MkdirAll(dataDir(), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("another server is running (or was killed): remove %s", lock)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()

			id, err := serverID()
			if err != nil {
				return err
			}
			var served atomic.Int64
			mux := http.NewServeMux()
			mux.HandleFunc("GET /api/info", func(w http.ResponseWriter, _ *http.Request) {
				served.Add(1)
				json.NewEncoder(w).Encode(serverInfo{Version: version, ServerID: id})
			})
			mux.HandleFunc("GET /api/clusters", func(w http.ResponseWriter, _ *http.Request) {
				served.Add(1)
				cs, _ := load()
				if cs == nil {
					cs = []Cluster{}
				}
				json.NewEncoder(w).Encode(cs)
			})
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				os.Remove(lock)
				return err
			}
			srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
			go srv.Serve(l)
			fmt.Fprintf(cmd.OutOrStdout(), "Serving the cluster API on http://%s (Ctrl-C stops)\n", l.Addr())

			if report != nil {
				stop := report(cmd.Context(), every, func() []attribute.KeyValue {
					cs, _ := load()
					return []attribute.KeyValue{ClusterCountKey.Int(len(cs)), RequestsServedKey.Int64(served.Load())}
				})
				defer stop()
			}

			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
			defer signal.Stop(sigs)
			<-sigs
			fmt.Fprintln(cmd.OutOrStdout(), "Shutting down (Ctrl-C again to force)...")
			done := make(chan struct{})
			go func() {
				defer close(done)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				srv.Shutdown(ctx)
				// A clean stop takes a moment (connections drain).
				time.Sleep(300 * time.Millisecond)
			}()
			select {
			case <-done:
			case <-sigs:
				fmt.Fprintln(cmd.OutOrStdout(), "Forced exit.")
				os.Exit(1)
			}
			os.Remove(lock)
			fmt.Fprintf(cmd.OutOrStdout(), "Served %d requests.\n", served.Load())
			return nil
		},
	}
	cmd.Flags().IntVar(&port, "port", 8484, "port on 127.0.0.1 (0: any free port)")
	cmd.Flags().DurationVar(&every, "report-interval", time.Minute, "how often a usage snapshot is taken")
	return cmd
}

// newServerCmd asks a running server about itself, the way a CLI reports
// the version and id of the server it talks to (Hasura's CLI does).
func newServerCmd() *cobra.Command {
	group := &cobra.Command{Use: "server", Short: "Talk to a cluster API server"}
	var url string
	info := &cobra.Command{
		Use:   "info",
		Short: "Print the server's version and id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := &http.Client{Timeout: 5 * time.Second}
			resp, err := c.Get(strings.TrimSuffix(url, "/") + "/api/info")
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var si serverInfo
			if err := json.NewDecoder(resp.Body).Decode(&si); err != nil {
				return fmt.Errorf("bad answer from the server: %w", err)
			}
			// Facts about the server the CLI talks to: its version as it is,
			// its id hashed by the telemetry policy (the field is declared
			// with otelcli.Hashed()).
			trace.SpanFromContext(cmd.Context()).SetAttributes(ServerVersionKey.String(si.Version), ServerIDKey.String(si.ServerID))
			fmt.Fprintf(cmd.OutOrStdout(), "Server %s, version %s\n", si.ServerID, si.Version)
			return nil
		},
	}
	info.Flags().StringVar(&url, "url", "http://127.0.0.1:8484", "server URL")
	group.AddCommand(info)
	return group
}

package otelcli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cli-telemetry/otelcli/internal/env"
	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/internal/upload"
)

// uploaderArg is the hidden first argument that runs the binary as the
// background uploader instead of the CLI.
const uploaderArg = "__otelcli_upload"

// backgroundArg follows uploaderArg when a command started the uploader
// (detached): it then lowers its priority and lingers.
const backgroundArg = "background"

// IsUploader reports whether this process is otelcli's background
// uploader: the CLI's own binary, started again with a hidden argument to
// send what earlier runs queued. Check it first in main, before the CLI
// does anything (an update check, reading its config), and hand over to
// [RunUploader]:
//
//	func main() {
//		if otelcli.IsUploader() {
//			os.Exit(otelcli.RunUploader(telemetryOptions()...))
//		}
//		// … the CLI as before
//	}
//
// Otherwise the uploader would run everything main does before otelcli is
// called, once more for every upload.
func IsUploader() bool { return isUploaderArgs(os.Args[1:]) }

func isUploaderArgs(args []string) bool { return len(args) > 0 && args[0] == uploaderArg }

// RunUploader drains the queue of the CLI configured by opts (the same
// options as for [New]; only those naming the CLI, its state, its endpoint
// and its consent sources matter) and returns the exit code for the
// uploader process: always 0, since nobody waits for it. It checks consent
// again, so that a user who opted out since the runs were queued sends
// nothing. An uploader started by a command first closes the descriptors
// above stderr that it inherited without close-on-exec (a pipe its
// caller's shell passed on, which the caller waits on): a CLI that wraps
// an inherited descriptor on purpose (systemd's LISTEN_FDS) must not do so
// before calling it.
func RunUploader(opts ...Option) int {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	return runUploader(newConfig(name, opts))
}

func runUploader(c *config) int {
	background := len(c.args) > 1 && c.args[1] == backgroundArg
	if background {
		closeInherited()
	}
	dirs, err := c.dirs()
	if err != nil {
		return 0
	}
	if d := decide(c, func() (store.Dirs, error) { return dirs, nil }); !d.enabled {
		// Opted out since the spans were spooled: send nothing.
		return 0
	}
	c.resolve()
	logf := func(format string, args ...any) {
		if c.debug {
			fmt.Fprintf(os.Stderr, "otelcli: "+format+"\n", args...)
		}
	}
	policy, err := c.policy(nil)
	if err != nil {
		logf("telemetry policy: %v", err)
		return 0
	}
	cfg := uploadConfig(c, dirs, c.newSpool(dirs), policy, logf)
	// How long an uploader keeps retrying a failing backend (default 2 min);
	// tests shorten it so that no process of theirs outlives them.
	if d, ok := c.lookupEnv.Duration(env.UploadLifetime); ok {
		cfg.Lifetime = d
	}
	// Started by a command (not by hand): yield to the user's next
	// commands, and stay a few seconds after the spool is empty so that
	// they hand it their runs instead of each starting an uploader.
	if background {
		cfg.LowPriority = true
		cfg.Linger = upload.DefaultLinger
		if d, err := time.ParseDuration(c.lookupEnv.Get(env.UploadLinger)); err == nil {
			cfg.Linger = d
		}
	}
	if err := upload.Run(context.Background(), cfg); err != nil {
		logf("upload: %v", err)
	}
	return 0
}

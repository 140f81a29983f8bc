package otelcli

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/internal/upload"
	"github.com/cli-telemetry/otelcli/processors"
)

// deliveryMode resolves DeliveryAuto and the user's override.
func (c *config) deliveryMode() Delivery {
	switch strings.ToLower(c.env(c.envPrefix + "TELEMETRY_DELIVERY")) {
	case "background":
		return DeliveryBackground
	case "inline":
		return DeliveryInline
	case "none", "spool":
		return DeliveryNone
	}
	if c.delivery != DeliveryAuto {
		return c.delivery
	}
	if c.inCI() != "" {
		// CI containers are torn down when the job ends, taking a
		// background uploader with them: pay up to the inline timeout
		// instead of losing the spans.
		return DeliveryInline
	}
	return DeliveryBackground
}

// deliver hands the spool to an uploader. fast is set on the signal path,
// where nothing may wait.
func (s *session) deliver(fast bool) {
	c := s.r.cfg
	mode := c.deliveryMode()
	if fast && mode == DeliveryInline {
		mode = DeliveryBackground
	}
	switch mode {
	case DeliveryInline:
		ctx, cancel := context.WithTimeout(context.Background(), c.inlineTimeout)
		defer cancel()
		cfg := s.r.uploadConfig(s.spool)
		cfg.Lifetime = c.inlineTimeout
		if err := upload.Run(ctx, cfg); err != nil {
			s.r.debugf("inline upload: %v", err)
		}
	case DeliveryBackground:
		if !upload.Due(s.r.dirs.Cache, time.Now()) {
			s.r.debugf("uploader running or backing off; the spool waits")
			return
		}
		if err := spawnUploader(); err != nil {
			s.r.debugf("start uploader: %v", err)
		}
	}
}

// spawnUploader starts the binary again as the uploader, detached: its own
// session, no terminal, standard streams on the null device. The command
// does not wait for it.
func spawnUploader() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, uploaderArg, backgroundArg)
	cmd.Env = os.Environ()
	cmd.Dir = os.TempDir()
	cmd.SysProcAttr = detachedAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}

// newSpool is the spool of the CLI's state dirs, with the author's bounds.
func (c *config) newSpool(d store.Dirs) *spool.Spool {
	sp := spool.New(filepath.Join(d.Cache, "spool"))
	if c.spoolMaxBytes > 0 {
		sp.MaxBytes = c.spoolMaxBytes
	}
	if c.spoolMaxAge > 0 {
		sp.MaxAge = c.spoolMaxAge
	}
	return sp
}

// uploadEndpoint is the URL spans are posted to, or "" to let the exporter read
// OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT itself.
func (c *config) uploadEndpoint() string {
	if v := c.env(c.envPrefix + "OTEL_EXPORTER_OTLP_ENDPOINT"); v != "" {
		return tracesURL(v)
	}
	if c.env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || c.env("OTEL_EXPORTER_OTLP_ENDPOINT") != "" {
		return ""
	}
	if c.endpoint != "" {
		return tracesURL(c.endpoint)
	}
	return ""
}

// tracesURL appends the OTLP traces path to a base URL, as the exporter
// does for OTEL_EXPORTER_OTLP_ENDPOINT.
func tracesURL(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	return u.String()
}

func (r *run) uploadConfig(sp *spool.Spool) upload.Config {
	// The uploader applies the policy again to what it reads from the
	// spool; without one (it cannot fail here: the session compiled the
	// same) it sends nothing.
	policy, err := processors.NewPolicy(processors.WithFields(r.cfg.policyFields()...))
	if err != nil {
		r.debugf("telemetry policy: %v", err)
	}
	return upload.Config{
		Spool:    sp,
		StateDir: r.dirs.Cache,
		Policy:   policy,
		Endpoint: r.cfg.uploadEndpoint(),
		Env:      r.cfg.lookupEnv,
		Logf:     r.debugf,
	}
}

// runUploader is the hidden mode of the binary that drains the spool.
func runUploader(ctx context.Context, c *config) int {
	r := &run{cfg: c}
	r.cfg.stderr = os.Stderr
	r.dirs, r.dirsErr = store.DefaultDirs(c.serviceName)
	if r.dirsErr != nil {
		return 0
	}
	sp := c.newSpool(r.dirs)
	if d := decide(c, r.dirs, nil); !d.Enabled {
		// Opted out since the spans were spooled: send nothing.
		return 0
	}
	cfg := r.uploadConfig(sp)
	// How long an uploader keeps retrying a failing backend (default 2 min);
	// tests shorten it so that no process of theirs outlives them.
	if v := c.env("OTELCLI_UPLOAD_LIFETIME"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			cfg.Lifetime = d
		}
	}
	// Started by a command (not by hand): yield to the user's next
	// commands, and stay a few seconds after the spool is empty so that
	// they hand it their runs instead of each starting an uploader.
	if slices.Contains(c.args[1:], backgroundArg) {
		cfg.LowPriority = true
		cfg.Linger = upload.DefaultLinger
		if d, err := time.ParseDuration(c.env("OTELCLI_UPLOAD_LINGER")); err == nil {
			cfg.Linger = d
		}
	}
	if err := upload.Run(ctx, cfg); err != nil {
		r.debugf("upload: %v", err)
	}
	return 0
}

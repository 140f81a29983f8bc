package otelcli

import (
	"context"
	"os"
	"os/exec"
	"time"

	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/internal/upload"
	"github.com/cli-telemetry/otelcli/processors"
)

// deliver hands the spool to an uploader. fast is set on the signal path,
// where nothing may wait.
func (s *session) deliver(fast bool) {
	mode := s.cfg.mode
	if fast && mode == DeliveryInline {
		mode = DeliveryBackground
	}
	switch mode {
	case DeliveryInline:
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.inlineTimeout)
		defer cancel()
		cfg := uploadConfig(s.cfg, s.dirs, s.spool, s.policy, s.logf)
		cfg.Lifetime = s.cfg.inlineTimeout
		if err := upload.Run(ctx, cfg); err != nil {
			s.logf("inline upload: %v", err)
		}
	case DeliveryBackground:
		if !upload.Due(s.dirs.Cache, time.Now()) {
			s.logf("uploader running or backing off; the spool waits")
			return
		}
		if err := spawnUploader(); err != nil {
			s.logf("start uploader: %v", err)
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

// uploadConfig is what an uploader needs: where the spool and its state
// are, where to send, and the policy to apply again to what it reads (a
// file in the spool may not be one this process wrote).
func uploadConfig(c *config, d store.Dirs, sp *spool.Spool, policy *processors.Policy, logf func(string, ...any)) upload.Config {
	return upload.Config{
		Spool:    sp,
		StateDir: d.Cache,
		Policy:   policy,
		Endpoint: c.uploadURL,
		Env:      c.lookupEnv,
		Logf:     logf,
	}
}

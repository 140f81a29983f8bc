package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// ConfigDirEnv relocates everything forge keeps: its configuration, its
// login, its extensions and its cache.
const ConfigDirEnv = "FORGE_CONFIG_DIR"

// ConfigDir is forge's configuration directory: $FORGE_CONFIG_DIR, else
// $XDG_CONFIG_HOME/forge, else ~/.config/forge.
func ConfigDir() string {
	if d := os.Getenv(ConfigDirEnv); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "forge")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config", "forge")
}

// CacheDir is forge's cache directory: $FORGE_CONFIG_DIR/cache when the
// configuration is relocated (a portable install keeps everything in one
// place), else $XDG_CACHE_HOME/forge, else ~/.cache/forge.
func CacheDir() string {
	if d := os.Getenv(ConfigDirEnv); d != "" {
		return filepath.Join(d, "cache")
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "forge")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "forge")
}

// configVersion is the current version of config.json. Version 1 had no
// "version" key and kept aliases under "alias".
const configVersion = 2

// Config is config.json.
type Config struct {
	Version     int               `json:"version"`
	Editor      string            `json:"editor,omitempty"`
	DefaultRepo string            `json:"default_repo,omitempty"`
	Aliases     map[string]string `json:"aliases,omitempty"`

	path string
}

// configKeys are the keys `forge config` reads and writes.
var configKeys = []string{"default_repo", "editor"}

// LoadConfig reads dir/config.json (a missing file is an empty
// configuration) and migrates an older file in place; migrated says that
// it did.
func LoadConfig(dir string) (cfg *Config, migrated bool, err error) {
	path := filepath.Join(dir, "config.json")
	cfg = &Config{Version: configVersion, path: path}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	var v int
	if m, ok := raw["version"]; ok {
		_ = json.Unmarshal(m, &v)
	}
	if v < configVersion {
		if a, ok := raw["alias"]; ok {
			raw["aliases"] = a
			delete(raw, "alias")
		}
		raw["version"] = json.RawMessage(fmt.Sprint(configVersion))
		if b, err = json.Marshal(raw); err != nil {
			return nil, false, err
		}
		migrated = true
	}
	if err := json.Unmarshal(b, cfg); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	if migrated {
		if err := cfg.Save(); err != nil {
			return nil, false, fmt.Errorf("migrating %s: %w", path, err)
		}
	}
	return cfg, migrated, nil
}

// Save writes the configuration back.
func (c *Config) Save() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(c.path, append(b, '\n'))
}

func (c *Config) get(key string) (string, bool) {
	switch key {
	case "editor":
		return c.Editor, true
	case "default_repo":
		return c.DefaultRepo, true
	}
	return "", false
}

func (c *Config) set(key, value string) bool {
	switch key {
	case "editor":
		c.Editor = value
	case "default_repo":
		c.DefaultRepo = value
	default:
		return false
	}
	return true
}

func (c *Config) aliasNames() []string {
	names := make([]string, 0, len(c.Aliases))
	for n := range c.Aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// State is state.json: what forge learnt about the world, such as the
// latest release, which a periodic update check writes (not part of this
// example, which never touches the network) and main reads after every
// command.
type State struct {
	LatestVersion string `json:"latest_version,omitempty"`
}

// LoadState reads dir/state.json; a missing or damaged file is an empty
// state.
func LoadState(dir string) State {
	var s State
	if b, err := os.ReadFile(filepath.Join(dir, "state.json")); err == nil {
		_ = json.Unmarshal(b, &s)
	}
	return s
}

// writeFile replaces path atomically, creating its directory.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

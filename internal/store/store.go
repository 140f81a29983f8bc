package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dirs are the directories of one CLI's telemetry state.
type Dirs struct {
	// Config holds what the user decided and identifiers: settings, install
	// id, notice marker, hashing key.
	Config string
	// Cache holds what can be lost: the spool, the upload state and lock, the
	// last recorded invocation.
	Cache string

	// at holds the state files' paths, made once by [Dirs.Prepared]: they
	// are used only while Config and Cache are still what they were made
	// from, else joined at each use.
	at paths
}

// paths are the state files' paths, substrings of one string: a command
// reads up to four files in the config dir and spools in the cache dir,
// and each path joined again was an allocation.
type paths struct {
	config, cache                  string // what they were made from
	settings, install, notice, key string
	spool, last                    string
}

// Names in the cache dir that the spool uses: the spool itself, and a link
// to the newest invocation that left it, for "telemetry show".
const (
	spoolDir = "spool"
	lastFile = "last-invocation.pb"
)

// Prepared returns d with the paths of its files made in one allocation.
// Only absolute, clean dirs that are not a root are prepared (the paths are
// then exactly what filepath.Join makes); others are joined at each use.
func (d Dirs) Prepared() Dirs {
	if !joinsAsIs(d.Config) || !joinsAsIs(d.Cache) {
		return d
	}
	const sep = string(filepath.Separator)
	all := d.Config + sep + settingsFile + d.Config + sep + installFile + d.Config + sep + noticeFile +
		d.Config + sep + keyFile + d.Cache + sep + spoolDir + d.Cache + sep + lastFile
	p := paths{config: d.Config, cache: d.Cache}
	for _, f := range [...]struct {
		to        *string
		dir, name string
	}{
		{&p.settings, d.Config, settingsFile}, {&p.install, d.Config, installFile},
		{&p.notice, d.Config, noticeFile}, {&p.key, d.Config, keyFile},
		{&p.spool, d.Cache, spoolDir}, {&p.last, d.Cache, lastFile},
	} {
		n := len(f.dir) + len(sep) + len(f.name)
		*f.to, all = all[:n], all[n:]
	}
	d.at = p
	return d
}

// joinsAsIs reports whether filepath.Join(dir, name) is dir, a separator
// and name, for a name of one clean element.
func joinsAsIs(dir string) bool {
	// Windows joins "C:" and a name without a separator: a dir ending in
	// ':' is joined at use.
	return filepath.IsAbs(dir) && filepath.Clean(dir) == dir &&
		!strings.HasSuffix(dir, string(filepath.Separator)) && !strings.HasSuffix(dir, "/") &&
		!strings.HasSuffix(dir, ":")
}

// prepared reports whether d's paths are made and still d's.
func (d Dirs) prepared() bool {
	return d.at.config != "" && d.at.config == d.Config && d.at.cache == d.Cache
}

// file is the path of name in the config dir.
func (d Dirs) file(name string) string {
	if d.prepared() {
		switch name {
		case settingsFile:
			return d.at.settings
		case installFile:
			return d.at.install
		case noticeFile:
			return d.at.notice
		case keyFile:
			return d.at.key
		}
	}
	return filepath.Join(d.Config, name)
}

// SpoolDir is the spool's directory, in the cache dir.
func (d Dirs) SpoolDir() string {
	if d.prepared() {
		return d.at.spool
	}
	return filepath.Join(d.Cache, spoolDir)
}

// LastFile is where the newest invocation that left the spool is kept.
func (d Dirs) LastFile() string {
	if d.prepared() {
		return d.at.last
	}
	return filepath.Join(d.Cache, lastFile)
}

// read reads name in the config dir, with the checks of ReadFile (the
// directory's included, at every read: a run may read again much later).
func (d Dirs) read(name string) ([]byte, Stamp, error) {
	return readFileStamp(d.file(name), MaxStateFile)
}

// DefaultDirs returns <UserConfigDir>/<app>/telemetry and
// <UserCacheDir>/<app>/telemetry. It does not create them.
func DefaultDirs(app string) (Dirs, error) {
	cfg, err := os.UserConfigDir()
	if err != nil {
		return Dirs{}, fmt.Errorf("store: config dir: %w", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return Dirs{}, fmt.Errorf("store: cache dir: %w", err)
	}
	if !filepath.IsAbs(cfg) || !filepath.IsAbs(cache) {
		return Dirs{}, errors.New("store: config and cache dirs must be absolute")
	}
	return Dirs{
		Config: filepath.Join(cfg, app, "telemetry"),
		Cache:  filepath.Join(cache, app, "telemetry"),
	}.Prepared(), nil
}

const (
	settingsFile = "settings.json"
	installFile  = "install-id"
	noticeFile   = "notice-shown"
	keyFile      = "hash-key"
)

// Settings is what the user persisted with the telemetry command.
type Settings struct {
	// Enabled is nil when the user never decided.
	Enabled *bool     `json:"enabled,omitempty"`
	Changed time.Time `json:"changed,omitzero"`
}

// ReadSettings reads the persisted settings, and the stamp of the file it
// read (the zero Stamp when there is none), so that the end of a run can
// tell whether they changed meanwhile. A missing file is no decision; an
// unreadable or unparsable one is an error, which callers treat as "opted
// out" (fail closed).
func ReadSettings(d Dirs) (Settings, Stamp, error) {
	var s Settings
	b, st, err := d.read(settingsFile)
	if notExist(err) {
		return s, Stamp{}, nil
	}
	if err != nil {
		return s, Stamp{}, fmt.Errorf("store: read settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return Settings{}, Stamp{}, fmt.Errorf("store: parse settings: %w", err)
	}
	return s, st, nil
}

// A Stamp identifies a file as it is (its inode, size and modification
// time): a file rewritten (by rename, as otelcli writes) has another. The
// zero Stamp is no file.
type Stamp struct {
	id          uint64
	size, mtime int64
	exists      bool
}

// SettingsStamp is the settings file's stamp, so that a long run can tell
// whether "telemetry disable" happened meanwhile without reading it again.
func SettingsStamp(d Dirs) Stamp {
	st, _ := lstamp(d.file(settingsFile))
	return st
}

// WriteSettings persists s atomically.
func WriteSettings(d Dirs, s Settings) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("store: encode settings: %w", err)
	}
	return Put(d.file(settingsFile), append(b, '\n'), PutOptions{})
}

// InstallID returns the install id, creating a random one on first use.
func InstallID(d Dirs) (string, error) {
	b, err := readOrCreate(d, installFile, func() []byte { return []byte(NewUUID()) })
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(b))
	if !isUUID(id) {
		return "", fmt.Errorf("store: install id file holds no UUID")
	}
	return id, nil
}

// HashKey returns the per-install key for keyed hashes, creating it on first
// use. It never leaves the machine.
func HashKey(d Dirs) ([]byte, error) {
	b, err := readOrCreate(d, keyFile, func() []byte {
		k := make([]byte, 32)
		rand.Read(k)
		return []byte(hex.EncodeToString(k))
	})
	if err != nil {
		return nil, err
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) < 16 {
		return nil, errors.New("store: hash key file is damaged")
	}
	return k, nil
}

// NoticeShown reports whether the first-run notice was shown on this install.
func NoticeShown(d Dirs) bool {
	_, regular := lstamp(d.file(noticeFile))
	return regular
}

// MarkNoticeShown records that the notice was shown. It fails when the
// config dir cannot be written, in which case the notice must not be shown
// either (it would be shown on every run).
func MarkNoticeShown(d Dirs, now time.Time) error {
	return Put(d.file(noticeFile), []byte(now.UTC().Format(time.RFC3339)+"\n"), PutOptions{})
}

// readOrCreate returns the content of name in the config dir, creating it
// with make's output when it does not exist. Creation links a complete temporary file
// into place, which fails if another process got there first; the loser
// then reads the winner's file, so concurrent first runs agree on one value.
func readOrCreate(dirs Dirs, name string, make func() []byte) ([]byte, error) {
	if b, _, err := dirs.read(name); err == nil && len(b) > 0 || err != nil && !notExist(err) {
		return b, err
	}
	d, err := OpenDir(dirs.Config, true)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if b, err := d.ReadFile(name, MaxStateFile); err == nil && len(b) > 0 || err != nil && !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	if err := d.Put(name, make(), PutOptions{Exclusive: true}); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return d.ReadFile(name, MaxStateFile)
}

// NewUUID returns a random (version 4) UUID from crypto/rand: for the
// install id, made once.
func NewUUID() string {
	var u [16]byte
	rand.Read(u[:])
	return FormatUUID(u)
}

// FormatUUID returns u as a version 4 UUID (its version and variant bits
// set).
func FormatUUID(u [16]byte) string {
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

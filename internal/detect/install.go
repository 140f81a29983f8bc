package detect

import (
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// installRows match the executable's path, slashes normalized to '/' and
// lower-cased. Only the channel is ever reported, never the path.
var installRows = []struct {
	source   string
	contains string
	prefix   bool
}{
	{"homebrew", "/cellar/", false},
	{"homebrew", "/homebrew/", false},
	{"homebrew", "/linuxbrew/", false},
	{"scoop", "/scoop/", false},
	{"winget", "/winget/", false},
	{"chocolatey", "/chocolatey/", false},
	{"snap", "/snap/", true},
	{"flatpak", "/flatpak/", false},
	{"nix", "/nix/store/", true},
	{"npm", "/node_modules/", false},
	{"system_package", "/usr/bin/", true},
	{"system_package", "/usr/sbin/", true},
	{"system_package", "/bin/", true},
	{"system_package", "/sbin/", true},
	{"system_package", "/usr/lib/", true},
	{"system_package", "/usr/libexec/", true},
}

// InstallSource infers the channel the executable at exe was installed
// through. goBins are the directories "go install" writes to ($GOBIN,
// $GOPATH/bin, ~/go/bin).
func InstallSource(exe string, goBins ...string) string {
	if exe == "" {
		return "unknown"
	}
	if runtime.GOOS != "linux" {
		// On Linux os.Executable already resolved links (/proc/self/exe);
		// elsewhere a package manager's link (/usr/local/bin → Cellar) is
		// resolved here.
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
	}
	p := strings.ToLower(filepath.ToSlash(exe))
	for _, r := range installRows {
		if r.prefix && strings.HasPrefix(p, r.contains) || !r.prefix && strings.Contains(p, r.contains) {
			return r.source
		}
	}
	dir := strings.ToLower(filepath.ToSlash(filepath.Dir(exe)))
	for _, b := range goBins {
		if b != "" && dir == strings.ToLower(filepath.ToSlash(filepath.Clean(b))) {
			return "go_install"
		}
	}
	return "unknown"
}

// InstallSources lists every value InstallSource can return.
func InstallSources() []string {
	out := make([]string, 0, len(installRows)+2)
	for _, r := range installRows {
		if !slices.Contains(out, r.source) {
			out = append(out, r.source)
		}
	}
	return append(out, "go_install", "unknown")
}

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

// A GoBin is a directory "go install" writes to: Root itself ($GOBIN), or
// Sub under it ("bin" under $GOPATH, "go/bin" under the home). It is
// compared with the executable's directory where it stands, without
// joining or lower-casing a copy: this runs on every command.
type GoBin struct{ Root, Sub string }

// is reports whether dir, with forward slashes, is b (case aside, as the
// rows are).
func (b GoBin) is(dir string) bool {
	if b.Root == "" {
		return false
	}
	root := filepath.ToSlash(filepath.Clean(b.Root))
	if b.Sub == "" {
		return strings.EqualFold(dir, root)
	}
	root = strings.TrimSuffix(root, "/")
	n := len(root)
	return len(dir) == n+1+len(b.Sub) && strings.EqualFold(dir[:n], root) && dir[n] == '/' && strings.EqualFold(dir[n+1:], b.Sub)
}

// InstallSource infers the channel the executable at exe was installed
// through. goBins are the directories "go install" writes to.
func InstallSource(exe string, goBins ...GoBin) string {
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
	dir := filepath.ToSlash(filepath.Dir(exe))
	for _, b := range goBins {
		if b.is(dir) {
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

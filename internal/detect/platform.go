package detect

import "runtime"

// osTypes maps GOOS to the semantic conventions' os.type where they differ;
// every other GOOS in osTypeValues is reported as is.
var osTypes = map[string]string{"dragonfly": "dragonflybsd"}

// osTypeValues are the os.type values of the semantic conventions.
var osTypeValues = []string{
	"linux", "darwin", "windows", "freebsd", "netbsd", "openbsd", "dragonflybsd",
	"solaris", "aix", "z_os",
}

// archs maps GOARCH to the semantic conventions' host.arch where they differ.
var archs = map[string]string{"386": "x86", "arm": "arm32", "ppc64le": "ppc64"}

// archValues are the host.arch values of the semantic conventions.
var archValues = []string{"amd64", "arm32", "arm64", "ia64", "ppc32", "ppc64", "s390x", "x86"}

// OSType is os.type for the running program.
func OSType() string { return mapped(runtime.GOOS, osTypes) }

// HostArch is host.arch for the running program.
func HostArch() string { return mapped(runtime.GOARCH, archs) }

// OSTypes lists the os.type values.
func OSTypes() []string { return append([]string(nil), osTypeValues...) }

// HostArchs lists the host.arch values.
func HostArchs() []string { return append([]string(nil), archValues...) }

func mapped(v string, m map[string]string) string {
	if s, ok := m[v]; ok {
		return s
	}
	return v
}

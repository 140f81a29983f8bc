package detect

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func env(kv ...string) Lookup {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestCI(t *testing.T) {
	for _, tt := range []struct {
		env  Lookup
		want string
	}{
		{env(), ""},
		{env("GITHUB_ACTIONS", "true", "CI", "true"), "github_actions"},
		{env("GITHUB_ACTIONS", "false"), ""},
		{env("GITLAB_CI", "true"), "gitlab_ci"},
		{env("CIRCLECI", "true"), "circleci"},
		{env("TRAVIS", "true"), "travis_ci"},
		{env("JENKINS_URL", "https://ci.example.com"), "jenkins"},
		{env("JENKINS_HOME", "/var/jenkins", "BUILD_ID", "7"), "jenkins"},
		{env("TF_BUILD", "True"), "azure_pipelines"},
		{env("BUILDKITE", "true"), "buildkite"},
		{env("BITBUCKET_BUILD_NUMBER", "12"), "bitbucket_pipelines"},
		{env("TEAMCITY_VERSION", "2024.1"), "teamcity"},
		{env("CODEBUILD_BUILD_ID", "x:1"), "aws_codebuild"},
		{env("CI", "true"), "generic"},
		{env("CI", "1"), "generic"},
		{env("CI", "false"), ""},
		{env("CI", ""), ""},
	} {
		if got := CI(tt.env); got != tt.want {
			t.Errorf("CI = %q, want %q", got, tt.want)
		}
	}
}

func TestAgent(t *testing.T) {
	for _, tt := range []struct {
		env  Lookup
		want string
	}{
		{env(), ""},
		{env("CLAUDECODE", "1"), "claude_code"},
		{env("CURSOR_AGENT", "1"), "cursor"},
		{env("CURSOR_TRACE_ID", "abc"), "cursor"},
		{env("GEMINI_CLI", "1"), "gemini_cli"},
		{env("CODEX_SANDBOX", "seatbelt"), "codex"},
		{env("TERM_PROGRAM", "vscode", "GIT_PAGER", "cat"), "github_copilot"},
		{env("TERM_PROGRAM", "vscode"), "vscode_terminal"},
		{env("CODEIUM_EDITOR_APP_ROOT", "/x"), "windsurf"},
		{env("REPL_ID", "x"), "replit"},
		{env("OPENCODE_SERVER", "x"), "opencode"},
		{env("TERMINAL_EMULATOR", "JetBrains-JediTerm"), "jetbrains_terminal"},
		{env("AI_AGENT", "some-agent@2"), "unknown_agent"},
		{env("CLAUDECODE", "1", "TERM_PROGRAM", "vscode"), "claude_code"},
	} {
		if got := Agent(tt.env); got != tt.want {
			t.Errorf("Agent = %q, want %q", got, tt.want)
		}
	}
}

func TestInstallSource(t *testing.T) {
	for exe, want := range map[string]string{
		"/opt/homebrew/Cellar/clusterctl/1.0/bin/clusterctl": "homebrew",
		"/home/linuxbrew/.linuxbrew/bin/clusterctl":          "homebrew",
		"/snap/clusterctl/12/bin/clusterctl":                 "snap",
		"/nix/store/abc-clusterctl/bin/clusterctl":           "nix",
		"/usr/bin/clusterctl":                                "system_package",
		"/usr/lib/node_modules/clusterctl/bin/clusterctl":    "npm",
		"/home/bob/go/bin/clusterctl":                        "go_install",
		"/home/bob/Downloads/clusterctl":                     "unknown",
		"":                                                   "unknown",
	} {
		if got := InstallSource(exe, GoBin{Root: "/home/bob", Sub: "go/bin"}); got != want {
			t.Errorf("InstallSource(%q) = %q, want %q", exe, got, want)
		}
	}
	for _, c := range []struct {
		exe  string
		bins []GoBin
		want string
	}{
		{"/opt/gobin/clusterctl", []GoBin{{Root: "/opt/gobin/"}}, "go_install"},
		{"/opt/GoBin/clusterctl", []GoBin{{Root: "/opt/gobin"}}, "go_install"},
		{"/work/gopath/bin/clusterctl", []GoBin{{Root: "/work/gopath/", Sub: "bin"}}, "go_install"},
		{"/bin/clusterctl", []GoBin{{Root: "/", Sub: "bin"}}, "system_package"},
		{"/work/gopathbin/clusterctl", []GoBin{{Root: "/work/gopath", Sub: "bin"}}, "unknown"},
		{"/work/gopath/xbin/clusterctl", []GoBin{{Root: "/work/gopath", Sub: "bin"}}, "unknown"},
		{"/work/clusterctl", []GoBin{{Root: "", Sub: "bin"}}, "unknown"},
		{"/w/bin/clusterctl", []GoBin{{Root: "/", Sub: "w/bin"}}, "go_install"},
	} {
		if got := InstallSource(c.exe, c.bins...); got != c.want {
			t.Errorf("InstallSource(%q, %v) = %q, want %q", c.exe, c.bins, got, c.want)
		}
	}
	if got := InstallSource(`C:\Users\bob\scoop\apps\clusterctl\current\clusterctl.exe`); filepath.Separator == '\\' && got != "scoop" {
		t.Errorf("scoop: %q", got)
	}
}

func TestPlatform(t *testing.T) {
	if !slices.Contains(OSTypes(), OSType()) || !slices.Contains(HostArchs(), HostArch()) {
		t.Fatalf("%s/%s not in the value lists", OSType(), HostArch())
	}
	if mapped("dragonfly", osTypes) != "dragonflybsd" || mapped("386", archs) != "x86" || mapped("arm64", archs) != "arm64" {
		t.Fatal("mapping")
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f.Fd()) {
		t.Fatal("a file is not a terminal")
	}
	if null, err := os.Open(os.DevNull); err == nil {
		defer null.Close()
		if IsTerminal(null.Fd()) {
			t.Fatal("/dev/null is a character device, not a terminal")
		}
	}
}

package detect

// agentRows: coding agents first (they usually run inside an editor, and the
// agent is the more specific answer), then editors' integrated terminals,
// then the generic AI_AGENT convention. Sources: the variables each tool
// documents or is observed to set; never their values.
var agentRows = []row{
	is("claude_code", set("CLAUDECODE")),
	is("cursor", set("CURSOR_AGENT")),
	is("gemini_cli", set("GEMINI_CLI")),
	is("codex", set("CODEX_SANDBOX")),
	is("codex", set("CODEX_THREAD_ID")),
	is("github_copilot", equals("TERM_PROGRAM", "vscode"), equals("GIT_PAGER", "cat")),
	is("windsurf", set("CODEIUM_EDITOR_APP_ROOT")),
	is("replit", set("REPL_ID")),
	is("opencode", set("OPENCODE_BIN_PATH")),
	is("opencode", set("OPENCODE_SERVER")),
	is("cursor", set("CURSOR_TRACE_ID")),
	is("vscode_terminal", equals("TERM_PROGRAM", "vscode")),
	is("jetbrains_terminal", equals("TERMINAL_EMULATOR", "JetBrains-JediTerm")),
	is("unknown_agent", set("AI_AGENT")),
}

// Agent returns the AI coding agent or editor the CLI runs under, or "".
func Agent(env Lookup) string { return firstMatch(agentRows, env) }

// Agents lists every value Agent can return.
func Agents() []string { return names(agentRows) }

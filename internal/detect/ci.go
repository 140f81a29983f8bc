package detect

import envpkg "github.com/cli-telemetry/otelcli/internal/env"

// ciRows: the vendor-specific variables first, the generic CI=true last.
var ciRows = []row{
	is("github_actions", equals("GITHUB_ACTIONS", "true")),
	is("gitlab_ci", set("GITLAB_CI")),
	is("circleci", set("CIRCLECI")),
	is("travis_ci", set("TRAVIS")),
	is("jenkins", set("JENKINS_URL")),
	is("jenkins", set("JENKINS_HOME"), set("BUILD_ID")),
	is("azure_pipelines", set("TF_BUILD")),
	is("buildkite", set("BUILDKITE")),
	is("bitbucket_pipelines", set("BITBUCKET_BUILD_NUMBER")),
	is("teamcity", set("TEAMCITY_VERSION")),
	is("aws_codebuild", set("CODEBUILD_BUILD_ID")),
	is("drone", set("DRONE")),
	is("appveyor", set("APPVEYOR")),
	is("semaphore", set("SEMAPHORE")),
}

// CI returns the CI system the process runs in, or "" outside CI. A CI
// variable holding false or 0 is not CI (people set CI=false to get
// interactive behaviour).
func CI(env Lookup) string {
	if name := firstMatch(ciRows, env); name != "" {
		return name
	}
	if v := env.Get(envpkg.CI); v != "" {
		if b, ok := envpkg.ParseBool(v); ok && !b {
			return ""
		}
		return "generic"
	}
	return ""
}

// CISystems lists every value CI can return.
func CISystems() []string { return append(names(ciRows), "generic") }

package otelcli_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/cli-telemetry/otelcli/otelcli"
	"github.com/cli-telemetry/otelcli/processors"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{Use: "clusterctl"}
	root.AddCommand(&cobra.Command{Use: "version", Run: func(cmd *cobra.Command, _ []string) {
		fmt.Fprintln(cmd.OutOrStdout(), "clusterctl 1.0.0")
	}})
	return root
}

// The whole integration: Execute in place of root.Execute.
func ExampleExecute() {
	os.Setenv("DO_NOT_TRACK", "1") // this example must not write to your home directory
	defer os.Unsetenv("DO_NOT_TRACK")
	root := newRootCmd()
	root.SetArgs([]string{"version"})
	code := otelcli.Execute(root,
		otelcli.WithServiceName("clusterctl"),
		otelcli.WithVersion("1.0.0"),
		otelcli.WithEndpoint("https://telemetry.example.com"),
		otelcli.WithFlagValues("provider", otelcli.OneOf("AWS", "GCP", "AZURE")),
		otelcli.WithFlagValues("region", otelcli.Chars("A-Z0-9_", "A-Z0-9_", 2, 32)),
		otelcli.WithTelemetryCommand(),
	)
	fmt.Println("exit code", code)
	// Output:
	// clusterctl 1.0.0
	// exit code 0
}

// A command adds what it knows about its own run to the command span with
// the plain OpenTelemetry API:
//
//	trace.SpanFromContext(cmd.Context()).SetAttributes(attribute.String("clusterctl.auth.method", "api_key"))
//
// The attribute must be declared, or the allowlist drops it. Fields lists
// what a CLI so configured can send, for its documentation and its
// collector's allowed keys.
func ExampleWithFields() {
	authMethod := otelcli.WithFields(processors.Field{
		Key: "clusterctl.auth.method", Type: attribute.STRING, Rule: processors.OneOf("api_key", "browser"),
		Class: processors.Usage, Purpose: "how users log in",
	})
	fields, err := otelcli.Fields(authMethod, otelcli.WithFlagValues("provider", otelcli.OneOf("AWS", "GCP")))
	if err != nil {
		panic(err)
	}
	library := map[string]bool{}
	for _, f := range processors.DefaultFields() {
		library[f.Key] = true
	}
	for _, f := range fields {
		if !library[f.Key] {
			fmt.Printf("%s: %s\n", f.Key, f.RuleText())
		}
	}
	// Output:
	// clusterctl.auth.method: string, one of api_key, browser
	// cli.flag.provider: any, one of AWS, GCP (each element)
}

// A child process joins the command's trace through TRACEPARENT.
func ExampleEnviron() {
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0x0a, 0xf7}, SpanID: trace.SpanID{0xb7}, TraceFlags: trace.FlagsSampled,
	}))
	c := exec.CommandContext(ctx, "terraform", "apply")
	c.Env = otelcli.Environ(ctx, []string{"PATH=/usr/bin", "TRACEPARENT=stale"})
	for _, kv := range c.Env {
		if strings.HasPrefix(kv, "TRACEPARENT") || strings.HasPrefix(kv, "PATH") {
			fmt.Println(kv)
		}
	}
	// Output:
	// PATH=/usr/bin
	// TRACEPARENT=00-0af70000000000000000000000000000-b700000000000000-01
}

// A CLI names its failures with stable codes; the message never leaves.
func ExampleWithErrorCode() {
	err := otelcli.WithErrorCode(fmt.Errorf("cluster %s not found", "payments-prod"), "cluster_not_found")
	var coder otelcli.ErrorCoder
	fmt.Println(err, "->", errorsAs(err, &coder) && coder.ErrorCode() == "cluster_not_found")
	// Output: cluster payments-prod not found -> true
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// A CLI that prints its own errors and chooses its own exit codes (as gh
// does after ExecuteC) keeps doing so; the span records the code it exits
// with.
func ExampleNew() {
	os.Setenv("DO_NOT_TRACK", "1") // this example must not write to your home directory
	defer os.Unsetenv("DO_NOT_TRACK")
	root := newRootCmd()
	root.SilenceErrors = true
	root.SetArgs([]string{"deploy"})

	run := otelcli.New(root, otelcli.WithServiceName("clusterctl"), otelcli.WithTelemetryCommand())
	cmd, err := run.ExecuteContextC(context.Background())
	code := 0
	if err != nil {
		fmt.Printf("%s: %v\n", cmd.Name(), err) // the CLI's own message
		code = 4                                // the CLI's own exit code
	}
	run.End(code)
	fmt.Println("exit code", code)
	// Output:
	// clusterctl: unknown command "deploy" for "clusterctl"
	// exit code 4
}

// The first line of main: the background uploader is this binary started
// again, and must do nothing else main does.
func ExampleIsUploader() {
	if otelcli.IsUploader() {
		os.Exit(otelcli.RunUploader(otelcli.WithServiceName("clusterctl")))
	}
	fmt.Println("the CLI runs")
	// Output: the CLI runs
}

// A long-running command reports its usage every period while it runs.
func ExampleReportEvery() {
	root := &cobra.Command{Use: "clusterctl"}
	var requests int
	root.AddCommand(&cobra.Command{Use: "serve", Run: func(cmd *cobra.Command, _ []string) {
		stop := otelcli.ReportEvery(cmd.Context(), time.Hour, func() []attribute.KeyValue {
			return []attribute.KeyValue{attribute.Int("clusterctl.requests.served", requests)}
		})
		defer stop()
		requests++ // … serve until interrupted
		fmt.Fprintln(cmd.OutOrStdout(), "served", requests)
	}})
	os.Setenv("DO_NOT_TRACK", "1") // this example must not write to your home directory
	defer os.Unsetenv("DO_NOT_TRACK")
	root.SetArgs([]string{"serve"})
	otelcli.Execute(root, otelcli.WithFields(processors.Field{
		Key: "clusterctl.requests.served", Type: attribute.INT64, Class: processors.Usage, Purpose: "how much a server is used",
	}))
	// Output: served 1
}

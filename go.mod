module github.com/cli-telemetry/otelcli

go 1.22.0

require (
	github.com/go-logr/logr v1.3.0
	github.com/spf13/cobra v1.8.0
	github.com/spf13/pflag v1.0.5
	go.opentelemetry.io/otel v1.20.0
	go.opentelemetry.io/otel/sdk v1.20.0
	go.opentelemetry.io/otel/trace v1.20.0
	golang.org/x/sys v0.14.0
)

require (
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	go.opentelemetry.io/otel/metric v1.20.0 // indirect
)

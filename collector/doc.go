// Package collector holds the tests of the bundled OpenTelemetry Collector
// configuration (config.yaml, vendor.yaml), its distribution manifest
// (builder-config.yaml) and docker-compose.yml. It is a module of its own so
// that the compose parser and the collector's test dependencies never reach
// the library's users.
//
// The tests run the real collector binary built by `make collector`; point
// OTELCOL_BIN at it (and CLUSTERCTL_BIN at the example CLI), as `make test`
// does.
package collector

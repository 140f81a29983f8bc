// Package report turns what the otelcli pipeline stored into a usage report
// for the CLI's author: commands by runs and failure rate, error kinds,
// flags, versions, platforms, CI and agent share, installs per day.
//
// The pieces are separate so that each can be tested alone:
//
//   - [DecodeJaeger] and [Jaeger] read command spans from Jaeger's HTTP
//     query API (the JSON of GET /api/traces);
//   - [ParseSpanMetrics] reads the collector's span metrics
//     (cli_calls_total on its Prometheus endpoint), optional;
//   - [Aggregate] is a pure function from spans to a [Report];
//   - [Report.WriteText] prints the terminal tables and [Report.WriteHTML]
//     writes one self-contained HTML page: charts drawn on the Go side as
//     inline SVG (gonum.org/v1/plot), the numbers in tables beside them,
//     and the whole report as JSON in a data block. Nothing is fetched when
//     the page opens.
//
// This is its own Go module so that the library's users never get the
// charting dependencies in their module graph.
package report

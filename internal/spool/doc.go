// Package spool keeps the spans of finished invocations on disk until they
// are uploaded: one OTLP protobuf file (TracesData) an invocation, written
// atomically, bounded in total size and age. Writing to the spool is all a
// command does at exit; the network is someone else's business.
package spool

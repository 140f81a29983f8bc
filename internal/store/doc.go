// Package store keeps otelcli's few files on the user's machine: the
// persisted consent setting, the random install id, the first-run notice
// marker and the hashing key, in the user's config directory. Every write is
// atomic (temp file and rename) and every create-if-absent is race-free, so
// that concurrent invocations of a CLI never see half a file or two ids.
package store

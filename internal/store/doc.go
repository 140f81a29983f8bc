// Package store keeps otelcli's few files on the user's machine: the
// persisted consent setting, the random install id, the first-run notice
// marker and the hashing key, in the user's config directory; and it is the
// one place that reads and writes otelcli's files at all (the spool and the
// uploader's state go through [Dir] too).
//
// Every write is atomic (a new temporary file, renamed or linked into
// place) and every create-if-absent is race-free, so that concurrent
// invocations of a CLI never see half a file or two ids. Nothing is read or
// written through a link, only regular files of the user's are read, within
// a size bound and without blocking, and directories of another user or
// open to others are refused: see [Dir].
package store

// Package upload drains the spool to an OTLP/HTTP endpoint with the standard
// otlptracehttp client, off the command's path: in a detached process of the
// CLI's own binary, or inline under a hard deadline.
//
// At most one uploader runs at a time (a lock file). Many spooled
// invocations go in one request. A file is deleted only once the backend has
// accepted it (or rejected it for good, with a 4xx other than 429), so a
// killed uploader leaves every file whole to be sent again. After a failure
// the next attempt time is persisted, growing to a cap, so a dead backend
// costs neither a process per command nor a burst of requests, and a backend
// that comes back gets the queue within the cap.
package upload

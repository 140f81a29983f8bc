// Package upload drains the spool to an OTLP/HTTP endpoint (internal/otlphttp:
// net/http, no gRPC), off the command's path: in a detached process of the
// CLI's own binary, or inline under a hard deadline.
//
// What is read from the spool is filtered by the policy again before it is
// sent: any process of the user's can write a file there.
//
// At most one uploader runs at a time (a lock file whose lease is the
// holder's lifetime: a holder stopped past it is taken for dead, and stops
// if it ever resumes). Requests carry a few invocations at first, more
// after each success. A file is deleted only once the backend has accepted
// it (or rejected it for good, with a 4xx other than 429), so a killed
// uploader leaves every file whole to be sent again. After a failure (a
// refused connection, a timeout, a 3xx, 429, 5xx, a malformed
// configuration) the next attempt time is persisted, growing to a cap, so a
// dead backend costs neither a process per command nor a burst of
// requests, and a backend that comes back gets the queue within the cap.
// A background uploader runs at low priority and lingers a few seconds
// after emptying the spool, so that a burst of commands shares it.
package upload

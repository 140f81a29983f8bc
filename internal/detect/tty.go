package detect

// The standard streams, by descriptor.
const (
	Stdin  = 0
	Stdout = 1
	Stderr = 2
)

// IsTerminal reports whether the file descriptor fd is a terminal: one
// ioctl asking for its terminal attributes, as isatty does, where the
// platform has one (a character device such as /dev/null is not a
// terminal); elsewhere whether it is a character device. It takes a
// descriptor rather than an *os.File because (*os.File).Fd would put the
// CLI's own standard input into blocking mode.
func IsTerminal(fd uintptr) bool { return isTerminal(fd) }

package detect

import "syscall"

const ioctlGetTermios = syscall.TCGETS

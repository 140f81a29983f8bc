//go:build !unix && !windows

package otelcli

import "syscall"

func detachedAttr() *syscall.SysProcAttr { return nil }

//go:build unix

package safefile

import "syscall"

// openFlags opens without blocking (a FIFO or a device with no writer would otherwise
// hang open for ever) and without acquiring a controlling terminal.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY

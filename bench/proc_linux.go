package main

import (
	"os/exec"
	"syscall"
)

// setDeathSignal kills a server if the bench dies without stopping it, so
// an interrupted run leaves no process behind holding a port and CPU.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

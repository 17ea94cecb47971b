//go:build !linux

package main

import "os/exec"

// setDeathSignal has no portable equivalent; stop() ends the servers.
func setDeathSignal(*exec.Cmd) {}

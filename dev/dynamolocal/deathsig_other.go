//go:build !linux

package dynamolocal

import "os/exec"

// setDeathSignal has no portable equivalent off Linux; Main still stops the server
// when the tests finish.
func setDeathSignal(*exec.Cmd) {}

package dynamolocal

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill DynamoDB Local when the test process dies,
// even if a test panics before Main can stop it.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

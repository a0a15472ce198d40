package dynamolocal

// PID returns the process id of DynamoDB Local, so a caller that started it can check
// that Stop left nothing running; 0 if it never started.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// ModuleRoot returns the folder holding go.mod at or above the working directory, where
// Start looks for the installed emulator.
func ModuleRoot() (string, error) { return moduleRoot() }

//go:build !linux

package s3test

import "os/exec"

// setParentDeathSignal has no portable equivalent outside Linux; there a
// crashed test binary can leave its server running until killed.
func setParentDeathSignal(cmd *exec.Cmd) {}

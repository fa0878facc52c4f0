//go:build unix && !linux

package streamer

import "syscall"

// sysProcAttr puts Liquidsoap in its own process group, so that stopping it
// also stops what it spawned. (Only Linux can also tie its life to the
// supervisor's, with Pdeathsig.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

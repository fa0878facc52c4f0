package streamer

import "syscall"

// sysProcAttr puts Liquidsoap in its own process group, so that stopping it
// also stops what it spawned, and has the kernel kill it if the thread that
// started it dies (the supervisor crashed or was killed): no orphan keeps
// the socket and the sound card.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

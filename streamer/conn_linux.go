package streamer

import (
	"net"
	"syscall"
)

// connAlive reports whether an idle connection can carry a command: nothing
// unread is waiting (such as Liquidsoap's idle goodbye) and the server has
// not closed it. Checking before sending matters for commands that must not
// run twice: a restarted server leaves the old connection half-closed, and a
// push written into it would be lost without a way to tell whether it ran.
func connAlive(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := true
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		// Only "would block" means open and idle; data (n > 0), EOF
		// (n == 0) and errors all mean the connection is unusable.
		_, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && alive
}

package archive

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openUnnamed creates a file with no name in dir (O_TMPFILE): it appears in
// the folder only when linked under its final name, and a crash leaves
// nothing behind. It saves the creation and removal of a temporary name,
// two of the three folder updates a segment otherwise costs. ok is false
// when the file system cannot do it.
func openUnnamed(dir string) (f *os.File, ok bool, err error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	switch {
	case err == nil:
		return os.NewFile(uintptr(fd), dir+"/(unnamed)"), true, nil
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EISDIR), errors.Is(err, unix.EINVAL):
		return nil, false, nil
	}
	return nil, false, &os.PathError{Op: "open", Path: dir, Err: err}
}

// linkUnnamed gives an unnamed file its final name, unless final exists
// (dup). It goes through /proc/self/fd, since linking a descriptor
// directly (AT_EMPTY_PATH) needs a privilege.
func linkUnnamed(f *os.File, final string) (dup bool, err error) {
	err = unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(int(f.Fd())), unix.AT_FDCWD, final, unix.AT_SYMLINK_FOLLOW)
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, unix.EEXIST):
		return true, nil
	}
	return false, &os.LinkError{Op: "link", Old: f.Name(), New: final, Err: err}
}

// procFDs reports whether /proc/self/fd is there for linkUnnamed.
func procFDs() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
}

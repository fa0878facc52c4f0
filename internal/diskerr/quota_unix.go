//go:build !windows && !plan9

package diskerr

import (
	"errors"
	"syscall"
)

// Quota reports a disk quota exceeded (EDQUOT).
func Quota(err error) bool { return errors.Is(err, syscall.EDQUOT) }

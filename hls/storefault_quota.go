//go:build !windows && !plan9

package hls

import (
	"errors"
	"syscall"
)

// isQuota reports a disk quota refusal (EDQUOT).
func isQuota(err error) bool { return errors.Is(err, syscall.EDQUOT) }

// Package diskerr tells the errors of a full store apart, for the writers
// that react to them (hls's spill buffer, archive's backfill):
//
//	if diskerr.Full(err) { pause, retry later }
package diskerr

import (
	"errors"
	"syscall"
)

// NoSpace reports a file system out of space (ENOSPC).
func NoSpace(err error) bool { return errors.Is(err, syscall.ENOSPC) }

// Full reports a store that refuses writes for want of room: no space left
// or a disk quota exceeded.
func Full(err error) bool { return NoSpace(err) || Quota(err) }

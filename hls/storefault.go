package hls

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/airkeep/airkeep/internal/diskerr"
)

// StoreError reports a write the Store refused for good: a permission
// error, a read-only file system, a missing bucket, bad credentials. Run
// returns it: retrying cannot help, and buffering would only fill memory.
type StoreError struct {
	// Store names the store: its folder, its bucket, or its type.
	Store string
	// Segment is the archive path of the segment being written.
	Segment string
	// Kind is the cause in words: "permission denied", "read-only file
	// system", "refused".
	Kind string
	Err  error
}

// Error names the store and the cause.
func (e *StoreError) Error() string {
	return fmt.Sprintf("hls: store %s refuses writes (%s): %v", e.Store, e.Kind, e.Err)
}

// Unwrap returns the store's error.
func (e *StoreError) Unwrap() error { return e.Err }

// Fault kinds: why a store write failed, as logged and reported.
const (
	faultNoSpace     = "no space"
	faultQuota       = "quota exceeded"
	faultTimeout     = "timeout"
	faultUnavailable = "unavailable"
	faultReadOnly    = "read-only file system"
	faultPermission  = "permission denied"
	faultRefused     = "refused"
)

// classifyStoreError says why a store write failed and whether that can
// pass. A store error that has a Permanent method (s3store's, for a missing
// bucket or refused credentials) decides for itself; file system errors are
// read from their errno. Anything else (a 5xx, a reset connection, EIO) is
// taken to pass: the spill buffer bounds what that costs.
func classifyStoreError(err error) (kind string, permanent bool) {
	var p interface{ Permanent() bool }
	switch {
	case diskerr.NoSpace(err):
		return faultNoSpace, false
	case diskerr.Quota(err):
		return faultQuota, false
	case errors.Is(err, syscall.EROFS):
		return faultReadOnly, true
	case errors.Is(err, fs.ErrPermission):
		return faultPermission, true
	case errors.As(err, &p) && p.Permanent():
		return faultRefused, true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrTimeout), os.IsTimeout(err):
		return faultTimeout, false
	}
	return faultUnavailable, false
}

// storeName names a store for errors and logs: its Root (DirStore), its
// Bucket (s3store) or its String, else its type.
func storeName(st any) string {
	switch s := st.(type) {
	case interface{ Root() string }:
		return s.Root()
	case interface{ Bucket() string }:
		return "s3://" + s.Bucket()
	case fmt.Stringer:
		return s.String()
	}
	return fmt.Sprintf("%T", st)
}

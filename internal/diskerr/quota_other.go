//go:build windows || plan9

package diskerr

// Quota reports a disk quota exceeded; these systems have no EDQUOT.
func Quota(error) bool { return false }

//go:build windows || plan9

package hls

// isQuota reports a disk quota refusal; these systems have no EDQUOT.
func isQuota(error) bool { return false }

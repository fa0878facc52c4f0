package diskerr_test

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/internal/diskerr"
)

func TestFull(t *testing.T) {
	wrap := func(errno syscall.Errno) error {
		return fmt.Errorf("archive: write x: %w", &fs.PathError{Op: "write", Path: "/x", Err: errno})
	}
	tests := []struct {
		name                 string
		err                  error
		noSpace, quota, full bool
	}{
		{"ENOSPC", wrap(syscall.ENOSPC), true, false, true},
		{"EDQUOT", wrap(syscall.EDQUOT), false, true, true},
		{"EROFS", wrap(syscall.EROFS), false, false, false},
		{"EIO", wrap(syscall.EIO), false, false, false},
		{"other", errors.New("no space left on device"), false, false, false},
		{"nil", nil, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.noSpace, diskerr.NoSpace(tt.err))
			require.Equal(t, tt.quota, diskerr.Quota(tt.err))
			require.Equal(t, tt.full, diskerr.Full(tt.err))
		})
	}
}

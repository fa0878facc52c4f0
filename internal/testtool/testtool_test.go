package testtool

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

type recordTB struct{ skipped, failed string }

func (r *recordTB) Helper()                           {}
func (r *recordTB) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recordTB) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestRequire(t *testing.T) {
	tests := []struct {
		name        string
		ci          string
		wantSkip    bool
		wantFailure bool
	}{
		{name: "outside CI a missing tool skips", ci: "", wantSkip: true},
		{name: "in CI a missing tool fails", ci: "true", wantFailure: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			var r recordTB
			got := Require(&r, "airkeep-no-such-tool")
			require.Empty(t, got)
			require.Equal(t, tt.wantSkip, r.skipped != "", "skipped: %q", r.skipped)
			require.Equal(t, tt.wantFailure, r.failed != "", "failed: %q", r.failed)
		})
	}
	t.Run("a present tool is found", func(t *testing.T) {
		var r recordTB
		require.NotEmpty(t, Require(&r, "sh"))
		require.Empty(t, r.skipped+r.failed)
	})
}

package progress

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name  string
		tty   bool
		lines []string
		want  string
	}{
		{"pipe: one line each", false, []string{"first line", "second"}, "first line\nsecond\n"},
		{"pipe: nothing printed", false, nil, ""},
		{"terminal: shorter line covers the longer", true, []string{"a longer line", "short"}, "\ra longer line\rshort        \n"},
		{"terminal: runes, not bytes", true, []string{"émission é", "x"}, "\rémission é\rx         \n"},
		{"terminal: nothing printed, no newline", true, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			l := New(&b)
			require.False(t, l.tty, "a strings.Builder is no terminal")
			l.tty = tt.tty
			for _, s := range tt.lines {
				l.Print(s)
			}
			l.Done()
			l.Done() // a second Done adds nothing
			require.Equal(t, tt.want, b.String())
		})
	}
}

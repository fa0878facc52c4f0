package seal_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/seal"
)

func TestVerifyResultWriteText(t *testing.T) {
	for _, tt := range []struct {
		name string
		res  seal.VerifyResult
		want string
	}{
		{"intact", seal.VerifyResult{Seals: 3, Entries: 2, Citations: 1, Segments: 1, Head: "ab"},
			"chain: 3 seals, head ab\nperiod: 2 entries and 1 citations checked, 1 segments re-hashed\nintact\n"},
		{"broken", seal.VerifyResult{Seals: 3, Head: "ab", Break: &seal.Break{Problem: seal.Edited, Seq: 2, LogID: 2, Detail: "title was \"a\""}},
			"chain: 3 seals, head ab\nperiod: 0 entries and 0 citations checked, 0 segments re-hashed\nBROKEN: seal: edited: log entry 2 (seal 2): title was \"a\"\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			require.NoError(t, tt.res.WriteText(&b))
			require.Equal(t, tt.want, b.String())
		})
	}
}

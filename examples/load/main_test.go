package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/internal/syncbuf"
)

// TestMain lets the test binary play the children's parts, as the
// program's own binary does.
func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		if err := child(context.Background(), role, os.Args[1:], os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestLoadSmall runs both measurements on a small load. It runs on the
// real clock: it measures real processes' CPU time and memory.
func TestLoadSmall(t *testing.T) {
	t.Parallel()
	var stdout, stderr syncbuf.Buffer
	err := run(t.Context(), []string{"-channels", "2", "-duration", "30s", "-speed", "10", "-nosync", "-dir", t.TempDir() + "/load"}, &stdout, &stderr, []string{os.Args[0]})
	require.NoError(t, err, stderr.String())
	out := stdout.String()
	t.Log(out)
	require.Contains(t, out, "load: 2 channels × 2 variants (4 variants), 10× clock")
	row := regexp.MustCompile(`(?m)^(capture|baseline)\s+(\d+)\s+(\d+)\s+(\d+)\s+(-?\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+(\d+)$`)
	rows := row.FindAllStringSubmatch(out, -1)
	require.Len(t, rows, 2, out)
	for _, r := range rows {
		stored, err := strconv.Atoi(r[4])
		require.NoError(t, err)
		require.Positive(t, stored, "%s stored segments", r[1])
		rss, err := strconv.Atoi(r[10])
		require.NoError(t, err)
		require.Positive(t, rss, "%s peak RSS", r[1])
	}
	require.Regexp(t, `capture/baseline: cpu per segment [\d.]+×, peak RSS [\d.]+×, segments/s [\d.]+×`, out)
}

func TestLoadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no channels", []string{"-channels", "0"}},
		{"bad speed", []string{"-speed", "0"}},
		{"bad variants", []string{"-variants", "source"}},
		{"bad only", []string{"-only", "both"}},
		{"argument", []string{"extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr syncbuf.Buffer
			err := run(t.Context(), tt.args, &stderr, &stderr, []string{os.Args[0]})
			var ue usageError
			require.ErrorAs(t, err, &ue)
		})
	}
}

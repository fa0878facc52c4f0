package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/s3store/s3test"
	"github.com/airkeep/airkeep/archive/storeurl"
)

var shared s3test.Shared

func TestMain(m *testing.M) { os.Exit(shared.Main(m, s3test.Config{})) }

// commands runs over one archive by every command that reads, with output
// that must not depend on where the archive is kept.
func commands(where ...string) [][]string {
	rng := []string{"-stream", "radio", "-variant", "source", "-start", "2026-11-23T14:00:00Z", "-end", "2026-11-23T14:00:10Z"}
	return [][]string{
		append([]string{"ls"}, where...),
		append(append([]string{"ls"}, where...), "-l", "radio"),
		append(append([]string{"ls"}, where...), "-l", "-tombstones", "radio/source/2026-11-23T14"),
		append(append([]string{"best"}, where...), rng...),
		append([]string{"verify"}, where...),
		append(append(append([]string{"cut"}, where...), rng...), "-allow-holes"),
	}
}

// -store with a path or a file URL is -dir.
func TestStoreFlagFile(t *testing.T) {
	dir, _ := sample(t)
	for _, store := range []string{dir, "file://" + filepath.ToSlash(dir)} {
		byDir, byStore := commands("-dir", dir), commands("-store", store)
		for i := range byDir {
			t.Run(strings.Join(byStore[i], " "), func(t *testing.T) {
				wantOut, wantErr, err := runCLI(t, byDir[i]...)
				require.NoError(t, err)
				out, errOut, err := runCLI(t, byStore[i]...)
				require.NoError(t, err)
				require.Equal(t, wantOut, out)
				require.Equal(t, wantErr, errOut)
			})
		}
	}
}

func TestStoreFlagErrors(t *testing.T) {
	dir, _ := sample(t)
	t.Setenv(s3store.EnvAccessKey, "")
	t.Setenv(s3store.EnvSecretKey, "")
	tests := []struct {
		name  string
		args  []string
		usage bool
	}{
		{"both", []string{"ls", "-dir", dir, "-store", dir}, true},
		{"neither", []string{"verify"}, true},
		{"bad scheme", []string{"ls", "-store", "gs://bucket"}, true},
		{"credentials in the URL", []string{"ls", "-store", "s3://key:secret@bucket"}, true},
		{"unknown parameter", []string{"ls", "-store", "s3://bucket?enpoint=127.0.0.1:1"}, true},
		{"missing folder", []string{"ls", "-store", filepath.Join(dir, "typo")}, false},
		{"no credentials", []string{"ls", "-store", "s3://bucket?endpoint=127.0.0.1:1&insecure=1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, tt.args...)
			require.Error(t, err)
			var ue usageError
			require.Equal(t, tt.usage, errorsAs(err, &ue), "%v", err)
			require.NotContains(t, message(err), "secret")
		})
	}
	_, err := os.Stat(filepath.Join(dir, "typo"))
	require.ErrorIs(t, err, os.ErrNotExist, "a read-only command made no folder")
}

// The demo written into a bucket reads the same through -store s3://...
// as through -dir over the server's data folder, whose files are the
// objects: one layout on disk and in S3.
func TestStoreFlagS3(t *testing.T) {
	srv := shared.Get(t)
	bucket := srv.NewBucket(t)
	t.Setenv(s3store.EnvAccessKey, s3test.AccessKey)
	t.Setenv(s3store.EnvSecretKey, s3test.SecretKey)
	url := "s3://" + bucket + "/station?endpoint=" + srv.Endpoint + "&insecure=1&region=us-east-1"

	out, _, err := runCLI(t, "demo", "-store", url)
	require.NoError(t, err)
	require.Contains(t, out, "into "+mustParse(t, url).String())
	require.Contains(t, out, "demo/source: 60 segments, 0 holes")
	require.Contains(t, out, "demo/480p: 59 segments, 2 holes")
	require.Contains(t, out, "-store '"+mustParse(t, url).String()+"'")

	// The demo's range, from its own suggestion.
	m := regexp.MustCompile(`-start (\S+) -end (\S+)`).FindStringSubmatch(out)
	require.Len(t, m, 3)
	disk := filepath.Join(srv.Dir, bucket, "station")
	for _, args := range [][]string{
		{"ls"}, {"ls", "-l"}, {"ls", "-l", "demo"}, {"verify"},
		{"best", "-stream", "demo", "-variant", "480p", "-start", m[1], "-end", m[2]},
		{"cut", "-stream", "demo", "-variant", "480p", "-start", m[1], "-end", m[2], "-allow-holes"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			withDir := append([]string{args[0], "-dir", disk}, args[1:]...)
			withStore := append([]string{args[0], "-store", url}, args[1:]...)
			wantOut, wantErr, err := runCLI(t, withDir...)
			require.NoError(t, err)
			out, errOut, err := runCLI(t, withStore...)
			require.NoError(t, err)
			require.NotEmpty(t, out+errOut)
			require.Equal(t, wantOut, out)
			require.Equal(t, wantErr, errOut)
		})
	}
	_, stderr, err := runCLI(t, "verify", "-store", url)
	require.NoError(t, err)
	// 118 full segments of 40 TS packets and one truncated to half.
	require.Equal(t, "verified 119 segments, 891120 bytes: 0 problems\n", stderr)

	// Wrong credentials: a runtime error that says so, exit status 1.
	t.Setenv(s3store.EnvSecretKey, "wrong")
	_, _, err = runCLI(t, "ls", "-store", url)
	require.ErrorIs(t, err, s3store.ErrAccessDenied)
	var ue usageError
	require.False(t, errorsAs(err, &ue))
}

func mustParse(t *testing.T, raw string) storeurl.URL {
	t.Helper()
	u, err := storeurl.Parse(raw)
	require.NoError(t, err)
	return u
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// -h prints the flags, -store among them, and is not an error.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"ls", "best", "verify", "cut", "demo"} {
		_, stderr, err := runCLI(t, cmd, "-h")
		require.NoError(t, err, cmd)
		require.Contains(t, stderr, "-store string", cmd)
		require.Contains(t, stderr, "-dir string", cmd)
	}
}

package storeurl_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/s3store/s3test"
	"github.com/airkeep/airkeep/archive/storeurl"
)

var shared s3test.Shared

func TestMain(m *testing.M) { os.Exit(shared.Main(m, s3test.Config{})) }

func TestParse(t *testing.T) {
	tests := []struct {
		raw       string
		want      storeurl.URL
		canonical string
	}{
		{"/var/lib/airkeep/segments", storeurl.URL{Scheme: "file", Path: "/var/lib/airkeep/segments"}, "file:///var/lib/airkeep/segments"},
		{"segments", storeurl.URL{Scheme: "file", Path: "segments"}, "file://segments"},
		{"./my segments?#", storeurl.URL{Scheme: "file", Path: "./my segments?#"}, "file://./my%20segments%3F%23"},
		{`C:\archive`, storeurl.URL{Scheme: "file", Path: `C:\archive`}, "file://C:%5Carchive"},
		{"file:///var/lib/airkeep", storeurl.URL{Scheme: "file", Path: "/var/lib/airkeep"}, "file:///var/lib/airkeep"},
		{"FILE:///x", storeurl.URL{Scheme: "file", Path: "/x"}, "file:///x"},
		{"file://localhost/srv/a", storeurl.URL{Scheme: "file", Path: "/srv/a"}, "file:///srv/a"},
		{"file://segments/radio", storeurl.URL{Scheme: "file", Path: "segments/radio"}, "file://segments/radio"},
		{"file:///my%20dir/%25x", storeurl.URL{Scheme: "file", Path: "/my dir/%x"}, "file:///my%20dir/%25x"},
		{"localhost/x", storeurl.URL{Scheme: "file", Path: "localhost/x"}, "file://%6Cocalhost/x"},
		{"s3://archive", storeurl.URL{Scheme: "s3", Bucket: "archive"}, "s3://archive"},
		{"s3://archive/", storeurl.URL{Scheme: "s3", Bucket: "archive"}, "s3://archive"},
		{"S3://archive/a/b/", storeurl.URL{Scheme: "s3", Bucket: "archive", Prefix: "a/b"}, "s3://archive/a/b"},
		{"s3://archive/radio%20one", storeurl.URL{Scheme: "s3", Bucket: "archive", Prefix: "radio one"}, "s3://archive/radio%20one"},
		{"s3://my.archive-1/p?endpoint=127.0.0.1:7070&insecure=1&region=us-east-1",
			storeurl.URL{Scheme: "s3", Bucket: "my.archive-1", Prefix: "p", Endpoint: "127.0.0.1:7070", Insecure: true, Region: "us-east-1"},
			"s3://my.archive-1/p?endpoint=127.0.0.1:7070&insecure=1&region=us-east-1"},
		{"s3://archive?endpoint=http://minio:9000/", storeurl.URL{Scheme: "s3", Bucket: "archive", Endpoint: "minio:9000", Insecure: true}, "s3://archive?endpoint=minio:9000&insecure=1"},
		{"s3://archive?endpoint=https://s3.example.org", storeurl.URL{Scheme: "s3", Bucket: "archive", Endpoint: "s3.example.org"}, "s3://archive?endpoint=s3.example.org"},
		{"s3://archive?endpoint=[::1]:9000&insecure", storeurl.URL{Scheme: "s3", Bucket: "archive", Endpoint: "[::1]:9000", Insecure: true}, "s3://archive?endpoint=[::1]:9000&insecure=1"},
		{"s3://archive?insecure=false&style=auto", storeurl.URL{Scheme: "s3", Bucket: "archive"}, "s3://archive"},
		{"s3://archive?style=path", storeurl.URL{Scheme: "s3", Bucket: "archive", Lookup: s3store.LookupPath}, "s3://archive?style=path"},
		{"s3://archive?style=virtual&region=garage", storeurl.URL{Scheme: "s3", Bucket: "archive", Region: "garage", Lookup: s3store.LookupVirtualHost}, "s3://archive?region=garage&style=virtual"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := storeurl.Parse(tt.raw)
			require.NoError(t, err)
			require.Equal(t, tt.want, u)
			require.Equal(t, tt.canonical, u.String())
			back, err := storeurl.Parse(u.String())
			require.NoError(t, err)
			require.Equal(t, u, back)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		raw, part string
	}{
		{"", "url"},
		{"a\x00b", "url"},
		{"gs://bucket/x", "scheme"},
		{"http://host/x", "scheme"},
		{"file://", "path"},
		{"file:///x?y", "path"},
		{"file:///x#y", "path"},
		{"file:///x%zz", "path"},
		{"file:///x%00", "path"},
		{"s3://", "bucket"},
		{"s3:///prefix", "bucket"},
		{"s3://Bucket", "bucket"},
		{"s3://ab", "bucket"},
		{"s3://my_bucket", "bucket"},
		{"s3://192.168.1.1", "bucket"},
		{"s3://bucket:9000/x", "bucket"},
		{"s3://key:secret@bucket/x", "credentials"},
		{"s3://key@bucket/x", "credentials"},
		{"s3://bucket/x#frag", "url"},
		{"s3://bucket/a/../b", "prefix"},
		{"s3://bucket/a//b", "prefix"},
		{"s3://bucket/./b", "prefix"},
		{"s3://bucket/a%0Ab", "prefix"},
		{"s3://bucket/a%5Cb", "prefix"},
		{"s3://bucket?enpoint=x:1", "query"},
		{"s3://bucket?endpoint=a:1&endpoint=b:2", "query"},
		{"s3://bucket?endpoint=%zz", "query"},
		{"s3://bucket?endpoint=", "endpoint"},
		{"s3://bucket?endpoint=host:port", "endpoint"},
		{"s3://bucket?endpoint=host/path", "endpoint"},
		{"s3://bucket?endpoint=ftp://host", "endpoint"},
		{"s3://bucket?endpoint=http://host:1&insecure=0", "endpoint"},
		{"s3://bucket?insecure=maybe", "insecure"},
		{"s3://bucket?region=", "region"},
		{"s3://bucket?region=us%20east", "region"},
		{"s3://bucket?style=dns", "style"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			_, err := storeurl.Parse(tt.raw)
			var ue *storeurl.Error
			require.ErrorAs(t, err, &ue)
			require.Equal(t, tt.part, ue.Part, err.Error())
			require.NotContains(t, err.Error(), "secret", "credentials are never repeated")
		})
	}
}

func TestOpenFile(t *testing.T) {
	dir := t.TempDir()
	for _, raw := range []string{dir, "file://" + filepath.ToSlash(dir)} {
		store, err := storeurl.Open(t.Context(), raw, storeurl.Config{MustExist: true})
		require.NoError(t, err)
		ds, ok := store.(*archive.DirStore)
		require.True(t, ok)
		require.Equal(t, dir, ds.Root())
	}
	missing := filepath.Join(dir, "typo")
	_, err := storeurl.Open(t.Context(), missing, storeurl.Config{MustExist: true})
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = os.Stat(missing)
	require.ErrorIs(t, err, os.ErrNotExist, "nothing was created")
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = storeurl.Open(t.Context(), file, storeurl.Config{MustExist: true})
	require.Error(t, err)

	store, err := storeurl.Open(t.Context(), missing, storeurl.Config{})
	require.NoError(t, err, "without MustExist the folder is made")
	require.Equal(t, missing, store.(*archive.DirStore).Root())
}

// An s3:// URL opens an s3store.Store on a real server with the
// credentials from the environment; the same bytes written through it are
// read through a DirStore over the server's data folder, because the
// layout is the same.
func TestOpenS3(t *testing.T) {
	srv := shared.Get(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	bucket := srv.NewBucket(t)
	t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
	raw := "s3://" + bucket + "/stations/radio?endpoint=" + srv.Endpoint + "&insecure=1&region=us-east-1&style=path"
	// The data is dated: the store reads the time from a fake clock of
	// the data's day, so it never counts the hour as closed by the
	// calendar. Nobody advances that clock, so no retries either.
	start := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	cfg := storeurl.Config{S3: s3store.Config{Clock: airkeep.NewFakeClock(start.Add(time.Minute)), RetryTimeout: -1}}
	store, err := storeurl.Open(ctx, raw, cfg)
	require.NoError(t, err)
	s3s, ok := store.(*s3store.Store)
	require.True(t, ok)
	require.Equal(t, "stations/radio/", s3s.Prefix())

	w, err := store.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: start, Duration: 2})
	require.NoError(t, err)
	_, err = w.Write([]byte("on air"))
	require.NoError(t, err)
	seg, err := w.Commit(ctx, archive.Full)
	require.NoError(t, err)

	disk, err := storeurl.Open(ctx, filepath.Join(srv.Dir, bucket, "stations", "radio"), storeurl.Config{MustExist: true})
	require.NoError(t, err)
	r, err := disk.Open(ctx, seg)
	require.NoError(t, err)
	defer r.Close()
	var got bytes.Buffer
	_, err = got.ReadFrom(r)
	require.NoError(t, err)
	require.Equal(t, "on air", got.String())

	// Bad credentials and buckets come back as s3store's errors.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	_, err = storeurl.Open(ctx, raw, storeurl.Config{})
	require.ErrorIs(t, err, s3store.ErrAccessDenied)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
	_, err = storeurl.Open(ctx, strings.Replace(raw, bucket, "no-such-bucket", 1), storeurl.Config{})
	require.ErrorIs(t, err, s3store.ErrNoSuchBucket)
	// And no credentials at all is a configuration error, before any
	// request.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err = storeurl.Open(ctx, raw, storeurl.Config{})
	var ce *archive.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "AccessKey", ce.Field)
}

func TestLocation(t *testing.T) {
	tests := []struct {
		name       string
		dir, store string
		want       storeurl.URL
		part       string
	}{
		{name: "dir", dir: "./segments", want: storeurl.URL{Scheme: storeurl.File, Path: "./segments"}},
		{name: "a dir that looks like a URL is still a dir", dir: "s3://x", want: storeurl.URL{Scheme: storeurl.File, Path: "s3://x"}},
		{name: "store", store: "file:///srv/seg", want: storeurl.URL{Scheme: storeurl.File, Path: "/srv/seg"}},
		{name: "both", dir: "a", store: "b", part: "flags"},
		{name: "neither", part: "flags"},
		{name: "bad store", store: "s3://", part: "bucket"},
		{name: "NUL in dir", dir: "a\x00b", part: "path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := storeurl.Location(tt.dir, tt.store)
			if tt.part != "" {
				var e *storeurl.Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, tt.part, e.Part)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

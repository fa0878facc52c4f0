package storeurl_test

import (
	"errors"
	"path"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/storeurl"
)

// FuzzParse checks that every URL Parse accepts names a store that cannot
// leave its place (a valid bucket, a prefix without "." or ".."
// components), that String reads back to the same URL and is then a fixed
// point, and that every refusal is an *Error naming a part.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"/var/lib/airkeep", "segments", "file:///x", "file://localhost/x", "file://x%2Fy",
		"s3://bucket", "s3://bucket/a/b/?endpoint=127.0.0.1:7070&insecure=1&region=us-east-1&style=path",
		"s3://bucket?endpoint=http://h:1/", "s3://bucket/a/../b", "s3://k:s@bucket", "gs://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := storeurl.Parse(raw)
		if err != nil {
			var ue *storeurl.Error
			if !errors.As(err, &ue) || ue.Part == "" {
				t.Fatalf("Parse(%q): %v is not an *Error with a part", raw, err)
			}
			return
		}
		switch u.Scheme {
		case storeurl.File:
			if u.Path == "" || strings.IndexByte(u.Path, 0) >= 0 {
				t.Fatalf("Parse(%q): bad path %q", raw, u.Path)
			}
		case storeurl.S3:
			if err := s3utils.CheckValidBucketNameStrict(u.Bucket); err != nil {
				t.Fatalf("Parse(%q): bucket %q: %v", raw, u.Bucket, err)
			}
			if u.Prefix != "" {
				if path.Clean("/"+u.Prefix) != "/"+u.Prefix {
					t.Fatalf("Parse(%q): prefix %q is not clean", raw, u.Prefix)
				}
				for _, c := range strings.Split(u.Prefix, "/") {
					if c == "." || c == ".." {
						t.Fatalf("Parse(%q): prefix %q climbs", raw, u.Prefix)
					}
				}
			}
			if u.Endpoint != "" {
				if err := s3store.ValidateEndpoint(u.Endpoint); err != nil {
					t.Fatalf("Parse(%q): endpoint %q: %v", raw, u.Endpoint, err)
				}
			}
		default:
			t.Fatalf("Parse(%q): scheme %q", raw, u.Scheme)
		}
		s := u.String()
		back, err := storeurl.Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, whose String %q does not parse: %v", raw, u, s, err)
		}
		if back != u {
			t.Fatalf("Parse(%q) = %+v; String %q parses to %+v", raw, u, s, back)
		}
		if back.String() != s {
			t.Fatalf("String is not a fixed point: %q then %q", s, back.String())
		}
	})
}

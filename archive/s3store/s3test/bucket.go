package s3test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// bucketSeq numbers buckets across servers, which may share a data folder.
var bucketSeq atomic.Int64

// NewBucket creates a bucket no other test or run has used, named after
// the test so that the server's data folder is easy to read: tests run
// with -count N, or sharing one server, never meet each other's objects.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(t.Name()))
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	name = fmt.Sprintf("b%d-%s", bucketSeq.Add(1), strings.Trim(name, "-"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.MakeBucket(ctx, name); err != nil {
		t.Fatalf("s3test: make bucket %s: %v", name, err)
	}
	return name
}

package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/airkeep/airkeep/archive"
)

// Hour summaries (see Config.SummaryTTL): the listing of a closed hour,
// archive.EncodeHourSummary's format, in the hidden object
// STREAM/VARIANT/.HOUR.summary.

// maxSummaryBytes bounds a summary read: a full hour of 2 s segments is
// about 110 KB.
const maxSummaryBytes = 16 << 20

func (s *Store) summaryKey(k hourKey) string {
	return s.prefix + k.stream + "/" + k.variant + "/." + k.hour + ".summary"
}

// closed reports whether no capture writes into the hour any more.
func (s *Store) closed(k hourKey, now time.Time) bool {
	start, err := archive.ParseHour(k.hour)
	return err == nil && !now.Before(start.Add(time.Hour+s.settle))
}

// readSummary returns the summarised listing of k, if there is a summary
// younger than SummaryTTL.
func (s *Store) readSummary(ctx context.Context, k hourKey) (archive.Listing, bool) {
	obj, err := s.client.GetObject(ctx, s.bucket, s.summaryKey(k), minio.GetObjectOptions{})
	if err != nil {
		return archive.Listing{}, false
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, maxSummaryBytes+1))
	if err != nil || len(b) > maxSummaryBytes {
		return archive.Listing{}, false
	}
	l, _, listed, err := archive.DecodeHourSummary(b, k.stream, k.variant, k.hour)
	if err != nil {
		return archive.Listing{}, false
	}
	if age := s.clock.Now().Sub(listed); age < 0 || age >= s.summaryTTL {
		return archive.Listing{}, false
	}
	return l, true
}

// writeSummary stores l, listed at listed, as k's summary. A write into the
// hour between that listing and this summary would be hidden by it, so the
// hour is listed once more and the summary dropped if it changed: a summary
// costs two listings, once. Failures only cost a later listing.
func (s *Store) writeSummary(ctx context.Context, k hourKey, l archive.Listing, files []archive.RawEntry, listed time.Time) {
	b := archive.EncodeHourSummary(l, time.Time{}, listed)
	sum := sha256.Sum256(b)
	_, err := s.core.PutObject(ctx, s.bucket, s.summaryKey(k), bytes.NewReader(b), int64(len(b)), "", hex.EncodeToString(sum[:]), minio.PutObjectOptions{DisableContentSha256: true})
	if err != nil {
		return
	}
	again, _, err := s.list(ctx, s.hourPrefix(k.stream, k.variant, k.hour))
	if err != nil || !sameFiles(files, again) {
		s.dropSummary(k)
	}
}

func sameFiles(a, b []archive.RawEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// dropSummary deletes k's summary after a write to the hour.
func (s *Store) dropSummary(k hourKey) {
	// Not the caller's context: a write that succeeded must not leave a
	// summary that hides it because its caller left.
	ctx, cancel := context.WithTimeout(context.Background(), s.retryTimeout+10*time.Second)
	defer cancel()
	s.retry(ctx, "delete summary", s.summaryKey(k), func() error {
		return s.client.RemoveObject(ctx, s.bucket, s.summaryKey(k), minio.RemoveObjectOptions{})
	})
}

package s3store_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/s3store"
)

// Record a segment into a bucket and select it back. It needs a server, so
// it is compiled but not run by go test; the credentials come from
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
func ExampleNew() {
	ctx := context.Background()
	store, err := s3store.New(ctx, s3store.Config{
		Endpoint: "127.0.0.1:7070", // versitygw or MinIO on this host
		Bucket:   "station-archive",
		Prefix:   "segments",
		Insecure: true,
	})
	if err != nil {
		log.Fatal(err) // errors.Is(err, s3store.ErrAccessDenied), ErrNoSuchBucket, ...
	}
	start := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	w, err := store.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: start, Duration: 2})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := strings.NewReader("the segment's bytes").WriteTo(w); err != nil {
		w.Abort()
		log.Fatal(err)
	}
	seg, err := w.Commit(ctx, archive.Full)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored", seg.Path())

	sel := archive.NewSelector(store, archive.SelectorConfig{})
	tl, err := sel.Best(ctx, archive.Query{Stream: "radio", Variant: "source", Start: start, End: start.Add(2 * time.Second)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(tl.Segments()), "segment, holes:", tl.HasHoles())
}

package storeurl_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/storeurl"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "airkeep-example-*")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	// A -store flag's value; s3://BUCKET/PREFIX?endpoint=HOST:PORT works
	// the same way.
	store, err := storeurl.Open(ctx, "file://"+filepath.ToSlash(filepath.Join(dir, "segments")), storeurl.Config{})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	w, err := store.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: start, Duration: 2})
	if err != nil {
		log.Fatal(err)
	}
	w.Write([]byte("segment bytes"))
	seg, err := w.Commit(ctx, archive.Full)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%T\n", store)
	fmt.Println(seg.Path())
	// Output:
	// *archive.DirStore
	// radio/source/2026-11-23T14/00:00.000000-2.0-full-Vg5nuWxJl1os-a26JoLgDMa3SoefK2iX4Dtj10NAmOg.ts
}

func ExampleParse() {
	u, err := storeurl.Parse("s3://station-archive/segments/?region=eu-west-1&endpoint=http://minio.lan:9000")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Bucket, u.Prefix, u.Endpoint, u.Region, u.Insecure)
	fmt.Println(u)

	_, err = storeurl.Parse("s3://key:secret@station-archive/segments")
	fmt.Println(err)
	// Output:
	// station-archive segments minio.lan:9000 eu-west-1 true
	// s3://station-archive/segments?endpoint=minio.lan:9000&insecure=1&region=eu-west-1
	// storeurl: bad credentials in "s3://REDACTED@station-archive/segments": credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
}

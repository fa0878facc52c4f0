// Package s3store keeps an airkeep archive in an S3 bucket, on any
// S3-compatible server (AWS S3, MinIO, Ceph RGW, Garage, versitygw), through
// minio-go. It is a separate package so that programs that only use local
// disk do not link an S3 client.
//
//	store, err := s3store.New(ctx, s3store.Config{
//		Endpoint: "s3.eu-west-1.amazonaws.com",
//		Bucket:   "station-archive",
//		Prefix:   "segments",
//		// AccessKey and SecretKey, or AWS_ACCESS_KEY_ID and
//		// AWS_SECRET_ACCESS_KEY in the environment.
//	})
//	w, err := store.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: pdt, Duration: 2})
//	io.Copy(w, resp.Body)
//	seg, err := w.Commit(ctx, archive.Full)
//
// archive/storeurl opens one from a URL, s3://BUCKET/PREFIX?endpoint=HOST:PORT.
//
// # Layout
//
// Keys are the archive's relative paths under the prefix,
// PREFIX/STREAM/VARIANT/HOUR/NAME.ts, exactly wubloader's layout, so a
// bucket copied to disk (rclone, aws s3 sync) is a wubloader archive and a
// wubloader archive copied up is an airkeep one. A tombstone is the zero-byte
// object NAME.tombstone beside its segment. Streams, variants and hours are
// listed with "/"-delimited listings, never by scanning every key. Keys are
// only ever built from validated names, so none leaves the prefix.
//
// # Writes and several nodes
//
// S3 has neither append nor rename, so a segment is written in one PUT:
// the writer hashes bytes as they arrive and holds them in memory, up to
// Config.MemoryLimit across all writers, then in a temporary file. Commit
// sends them with If-None-Match: *, which creates the object only if its key
// is absent. Since a segment's name is the hash of its bytes, a writer that
// loses the race (another node committed the same segment first) has
// nothing to add, and Commit succeeds as a duplicate; so several nodes can
// record the same streams into one bucket and never overwrite or duplicate
// an object. The payload's SHA-256 is also signed (x-amz-content-sha256),
// so the server refuses bytes corrupted on the way. An aborted or failed
// write sends nothing, or an incomplete PUT that S3 discards: nothing
// appears under a final key. A server that ignores If-None-Match (older
// MinIO and Ceph releases) overwrites an object with identical bytes, which
// is harmless; only the duplicate counts are then wrong.
//
// # Errors and retries
//
// Transient failures (5xx, throttling, timeouts, connection resets) are
// retried with exponential backoff for up to Config.RetryTimeout, on
// Config.Clock. Permanent ones fail at once with an *Error that wraps
// ErrAccessDenied (wrong key or secret, refused by policy), ErrNoSuchBucket,
// or archive.ErrNotFound. New checks the bucket and credentials with one
// listing, so a misconfigured store fails at start-up.
//
// # Listing cache
//
// Selection and playlists list the same hours again and again, and on S3
// each listing is a round trip, so hour listings are cached. Segments are
// immutable, but an hour's listing is not: while an hour is open (until
// Config.HourSettle after its end) captures keep adding to it, and even a
// closed hour can change when another node backfills into it or tombstones
// a segment. So a listing of an open hour is reused for Config.OpenHourTTL
// (2 s), and a listing taken after the hour closed for
// Config.ClosedHourTTL (10 minutes), not forever: that bounds how late this
// node sees other nodes' backfills and tombstones, at the cost of one
// listing per closed hour per TTL while it is being read. A bucket written
// by this Store alone can set ClosedHourTTL negative to cache closed hours
// forever. Whatever the TTLs, writes through this Store (Commit,
// Tombstone, RemoveHour) refresh their hour at once.
//
// # Retention
//
// RemoveHour deletes an hour's segments with multi-object deletes and keeps
// its tombstones, so that a peer still holding the hour cannot backfill a
// hidden segment back. An S3 lifecycle expiration rule on the prefix is
// cheaper but deletes tombstones too; if one is used, expire them no
// sooner than every peer drops the hour. On a versioned bucket, deleted
// segments stay as noncurrent versions until a lifecycle rule removes them.
//
// # Reads
//
// Open streams the object; Seek is free and the next Read makes a range
// request, so http.ServeContent serves byte ranges of a segment straight
// from S3. A body cut off mid-way resumes where it stopped.
package s3store

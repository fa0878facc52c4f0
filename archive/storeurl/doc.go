// Package storeurl opens an archive.Store from a URL, the one place where
// airkeep turns a -store flag or a config line into a backend:
//
//	store, err := storeurl.Open(ctx, "s3://station-archive/segments?endpoint=127.0.0.1:7070&insecure=1", storeurl.Config{})
//	store, err := storeurl.Open(ctx, "/var/lib/airkeep/segments", storeurl.Config{})
//
// A plain path or a file:// URL opens an archive.DirStore; an s3:// URL
// opens an s3store.Store, with credentials from AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (or Config.S3), never from the URL. See Parse for
// the syntax. Every malformed URL gets an *Error naming the part that is
// wrong.
//
// It is its own package because it links the S3 client: a program that
// imports only archive does not.
package storeurl

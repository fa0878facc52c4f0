package s3store

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/minio/minio-go/v7"

	"github.com/airkeep/airkeep/archive"
)

// Errors that callers branch on. A failed request is an *Error that wraps
// one of these when it applies (and archive.ErrNotFound for a missing
// object), so errors.Is works through it.
var (
	// ErrAccessDenied reports a request the server refused for its
	// credentials: a wrong access key or secret, an expired token, or a
	// policy that does not allow the operation. Retrying cannot help.
	ErrAccessDenied = errors.New("s3store: access denied")
	// ErrNoSuchBucket reports that the configured bucket does not exist.
	ErrNoSuchBucket = errors.New("s3store: no such bucket")
	// ErrTooLarge reports a segment larger than Config.MaxSegmentSize.
	ErrTooLarge = errors.New("s3store: segment too large")
)

// Error is a failed request to the S3 server, after any retries.
type Error struct {
	// Op is what the store was doing: "check bucket", "list", "get",
	// "put", "delete".
	Op string
	// Bucket and Key name the object, or the listed prefix.
	Bucket, Key string
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int
	// Code is the S3 error code ("AccessDenied", "NoSuchBucket",
	// "SlowDown", ...), empty when no response arrived.
	Code string
	// Attempts counts the requests made. More than one means the failure
	// was transient and retries ran out.
	Attempts int
	// Err is the cause: a minio.ErrorResponse or a network error.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "s3store: %s %s/%s", e.Op, e.Bucket, e.Key)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (%d attempts)", e.Attempts)
	}
	b.WriteString(": ")
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%d %s: ", e.StatusCode, e.Code)
	}
	b.WriteString(e.Err.Error())
	switch kind := e.kind(); kind {
	case ErrAccessDenied:
		b.WriteString(" (check the access key and secret, and the bucket policy)")
	case ErrNoSuchBucket:
		b.WriteString(" (the bucket must exist; s3store never creates one)")
	}
	return b.String()
}

// Unwrap returns the condition (ErrAccessDenied, ErrNoSuchBucket,
// archive.ErrNotFound) if any, and the cause.
func (e *Error) Unwrap() []error {
	if k := e.kind(); k != nil {
		return []error{k, e.Err}
	}
	return []error{e.Err}
}

// Permanent reports whether retrying cannot help: the bucket is missing or
// the credentials are refused. A writer that buffers segments while the
// store fails (package hls) stops instead.
func (e *Error) Permanent() bool {
	k := e.kind()
	return k == ErrAccessDenied || k == ErrNoSuchBucket
}

// kind maps the response to a condition callers branch on.
func (e *Error) kind() error {
	switch e.Code {
	case "NoSuchBucket":
		return ErrNoSuchBucket
	case "NoSuchKey":
		return archive.ErrNotFound
	case "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken",
		"ExpiredToken", "TokenRefreshRequired", "AllAccessDisabled", "AccountProblem",
		"InvalidSecurity", "AuthorizationHeaderMalformed",
		// versitygw answers an unknown access key with 404 XAdminUserNotFound
		// where AWS answers 403 InvalidAccessKeyId.
		"XAdminUserNotFound":
		return ErrAccessDenied
	}
	switch e.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrAccessDenied
	case http.StatusNotFound:
		// A response without a body has no code: a missing object.
		if e.Op == "get" {
			return archive.ErrNotFound
		}
	}
	return nil
}

// newError wraps err from op on key. Context errors pass through
// unwrapped but annotated, so errors.Is(err, context.Canceled) holds.
func (s *Store) newError(op, key string, attempts int, err error) error {
	e := &Error{Op: op, Bucket: s.bucket, Key: key, Attempts: attempts, Err: err}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		e.StatusCode, e.Code = resp.StatusCode, resp.Code
	}
	return e
}

// Response codes worth retrying: throttling, server trouble, and races
// another request is about to settle.
var transientCodes = map[string]bool{
	"RequestTimeout": true, "RequestTimeTooSkewed": false, "SlowDown": true, "SlowDownWrite": true,
	"SlowDownRead": true, "Throttling": true, "ThrottlingException": true, "RequestLimitExceeded": true,
	"RequestThrottled": true, "InternalError": true, "ServiceUnavailable": true, "OperationAborted": true,
	// AWS answers a conditional write that races another one in flight
	// with 409; the retry then meets the winner's object (412).
	"ConditionalRequestConflict": true,
	// The bytes arrived corrupted (x-amz-content-sha256 or Content-MD5
	// mismatch); what we send is fixed by its hash, so sending it again
	// can succeed.
	"XAmzContentSHA256Mismatch": true, "BadDigest": true, "IncompleteBody": true,
}

// transient reports whether err is worth retrying: a throttling or server
// error, or a network failure other than a TLS or configuration problem.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && (resp.StatusCode != 0 || resp.Code != "") {
		if retry, known := transientCodes[resp.Code]; known {
			return retry
		}
		switch resp.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	return transientNet(err)
}

func transientNet(err error) bool {
	var (
		verifyErr *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		certErr   x509.CertificateInvalidError
		recordErr tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &verifyErr), errors.As(err, &unknownCA), errors.As(err, &hostname),
		errors.As(err, &certErr), errors.As(err, &recordErr):
		return false // a TLS setup problem does not heal by itself
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return false
	}
	var (
		urlErr *url.Error
		netErr net.Error
	)
	return errors.As(err, &urlErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

package s3store

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/airkeep/airkeep/internal/backoffclock"
)

// retry runs fn until it succeeds, fails with a permanent error, ctx ends,
// or s.retryTimeout has passed since the first attempt, waiting with
// exponential backoff on s.clock between attempts. minio-go's own retries
// are off (MaxRetries 1) so that this is the only policy, and it runs on
// the injected clock. The error returned is an *Error for op on key, or
// ctx's error.
func (s *Store) retry(ctx context.Context, op, key string, fn func() error) error {
	attempts := 0
	var last error
	operation := func() error {
		attempts++
		err := fn()
		last = err
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !transient(err) || s.retryTimeout < 0 {
			return backoff.Permanent(err)
		}
		return err
	}
	b := &backoff.ExponentialBackOff{
		InitialInterval:     retryInitialInterval,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         retryMaxInterval,
		MaxElapsedTime:      s.retryTimeout,
		Stop:                backoff.Stop,
		Clock:               s.clock,
	}
	notify := func(err error, wait time.Duration) {
		s.log.Warn("s3 request failed, retrying", "op", op, "key", key, "attempt", attempts, "wait", wait, "err", err)
	}
	err := backoff.RetryNotifyWithTimer(operation, backoff.WithContext(b, ctx), notify, backoffclock.New(s.clock))
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		// The caller ended the work: report that, not the request it
		// interrupted, so that errors.Is(err, context.Canceled) holds.
		return &Error{Op: op, Bucket: s.bucket, Key: key, Attempts: attempts, Err: cerr}
	}
	if last != nil {
		err = last
	}
	return s.newError(op, key, attempts, err)
}

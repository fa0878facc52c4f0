package archive_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
)

func errorAs(err error, target any) bool { return errors.As(err, target) }

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

package backoffclock

import (
	"errors"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/require"

	airkeep "github.com/airkeep/airkeep"
)

// TestRetryWaitsOnTheClock: each wait of a retry is a timer on the given
// clock, and the retry goes on only when that clock passes it.
func TestRetryWaitsOnTheClock(t *testing.T) {
	clk := airkeep.NewFakeClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	attempts := 0
	done := make(chan error, 1)
	go func() {
		b := backoff.WithMaxRetries(backoff.NewConstantBackOff(time.Minute), 2)
		done <- backoff.RetryNotifyWithTimer(func() error {
			attempts++
			return errors.New("not yet")
		}, b, nil, New(clk))
	}()
	for range 2 {
		clk.BlockUntil(1)
		clk.Advance(time.Minute)
	}
	require.EqualError(t, <-done, "not yet")
	require.Equal(t, 3, attempts)
}

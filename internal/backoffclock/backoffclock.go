// Package backoffclock runs cenkalti/backoff's retry waits on an
// airkeep.Clock, so that retries wait on a FakeClock in tests.
//
//	err := backoff.RetryNotifyWithTimer(op, b, notify, backoffclock.New(clock))
package backoffclock

import (
	"time"

	"github.com/cenkalti/backoff/v4"

	airkeep "github.com/airkeep/airkeep"
)

// New returns a backoff.Timer whose waits run on clock.
func New(clock airkeep.Clock) backoff.Timer { return &timer{clock: clock} }

type timer struct {
	clock airkeep.Clock
	t     airkeep.Timer
}

func (c *timer) Start(d time.Duration) {
	if c.t != nil {
		c.t.Stop()
	}
	c.t = c.clock.NewTimer(d)
}

func (c *timer) Stop() {
	if c.t != nil {
		c.t.Stop()
	}
}

func (c *timer) C() <-chan time.Time { return c.t.C() }

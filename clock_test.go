package airkeep_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
)

var t0 = time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC)

func TestFakeClockFiresInDeadlineOrder(t *testing.T) {
	c := airkeep.NewFakeClock(t0)
	late := c.NewTimer(3 * time.Second)
	early := c.NewTimer(time.Second)
	same := c.NewTimer(time.Second)
	require.Equal(t, 3, c.Pending())

	c.Advance(2 * time.Second)
	require.Equal(t, t0.Add(time.Second), <-early.C())
	require.Equal(t, t0.Add(time.Second), <-same.C())
	select {
	case <-late.C():
		t.Fatal("late timer fired early")
	default:
	}
	require.Equal(t, t0.Add(2*time.Second), c.Now())
	require.Equal(t, 1, c.Pending())

	c.Advance(time.Second)
	require.Equal(t, t0.Add(3*time.Second), <-late.C())
	require.Zero(t, c.Pending())
}

func TestFakeTimerStopAndReset(t *testing.T) {
	tests := []struct {
		name      string
		run       func(c *airkeep.FakeClock, tm airkeep.Timer) bool
		wantFired bool
	}{
		{"stop before deadline", func(c *airkeep.FakeClock, tm airkeep.Timer) bool { return tm.Stop() }, false},
		{"reset extends deadline", func(c *airkeep.FakeClock, tm airkeep.Timer) bool { return tm.Reset(10 * time.Second) }, false},
		{"reset after fire rearms", func(c *airkeep.FakeClock, tm airkeep.Timer) bool {
			c.Advance(time.Second)
			return !tm.Reset(time.Second) // was not active: fired already
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := airkeep.NewFakeClock(t0)
			tm := c.NewTimer(time.Second)
			require.True(t, tt.run(c, tm))
			c.Advance(2 * time.Second)
			select {
			case <-tm.C():
				require.True(t, tt.wantFired)
			default:
				require.False(t, tt.wantFired)
			}
		})
	}
}

func TestFakeTimerStopDiscardsUnreadValue(t *testing.T) {
	c := airkeep.NewFakeClock(t0)
	tm := c.NewTimer(time.Second)
	c.Advance(time.Second)
	require.False(t, tm.Stop())
	select {
	case <-tm.C():
		t.Fatal("value received after Stop")
	default:
	}
}

func TestFakeClockZeroDurationFiresAtOnce(t *testing.T) {
	c := airkeep.NewFakeClock(t0)
	tm := c.NewTimer(0)
	require.Equal(t, t0, <-tm.C())
	require.Zero(t, c.Pending())
}

func TestFakeClockSetNeverGoesBack(t *testing.T) {
	c := airkeep.NewFakeClock(t0)
	c.Set(t0.Add(-time.Hour))
	require.Equal(t, t0, c.Now())
}

func TestSleepWithFakeClock(t *testing.T) {
	c := airkeep.NewFakeClock(t0)
	done := make(chan error, 1)
	go func() { done <- airkeep.Sleep(t.Context(), c, time.Minute) }()
	c.BlockUntil(1)
	c.Advance(time.Minute)
	require.NoError(t, <-done)
}

func TestSleepEndsWithContext(t *testing.T) {
	c := airkeep.NewFakeClock(t0)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- airkeep.Sleep(ctx, c, time.Minute) }()
	c.BlockUntil(1)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.Zero(t, c.Pending(), "Sleep must stop its timer")
}

func TestBlockUntilContextGivesUp(t *testing.T) {
	c := airkeep.NewFakeClock(t0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, c.BlockUntilContext(ctx, 1), context.Canceled)
}

// plainClock hides FakeClock's AfterFunc method, so AfterFunc takes the
// path of clocks that have none.
type plainClock struct{ c *airkeep.FakeClock }

func (p plainClock) Now() time.Time                         { return p.c.Now() }
func (p plainClock) NewTimer(d time.Duration) airkeep.Timer { return p.c.NewTimer(d) }

// TestAfterFunc: a function runs once its time is reached, in deadline
// order with the other timers, counts as pending until then, and a stop
// before then cancels it; the same with and without the clock's own
// AfterFunc.
func TestAfterFunc(t *testing.T) {
	for _, own := range []bool{true, false} {
		t.Run(fmt.Sprintf("own method %v", own), func(t *testing.T) {
			fc := airkeep.NewFakeClock(t0)
			var c airkeep.Clock = fc
			if !own {
				c = plainClock{fc}
			}
			fired := make(chan string, 3)
			at := func(name string) func() { return func() { fired <- name + " " + fc.Now().Sub(t0).String() } }
			airkeep.AfterFunc(c, 2*time.Second, at("second"))
			airkeep.AfterFunc(c, time.Second, at("first"))
			stop := airkeep.AfterFunc(c, 1500*time.Millisecond, at("stopped"))
			fc.BlockUntil(3)
			require.True(t, stop())
			require.False(t, stop(), "a second stop stops nothing")

			fc.Advance(time.Second - time.Nanosecond)
			select {
			case f := <-fired:
				t.Fatalf("%s ran before its time", f)
			default:
			}
			fc.Advance(time.Nanosecond)
			require.Equal(t, "first 1s", <-fired)
			fc.Advance(time.Second)
			require.Equal(t, "second 2s", <-fired)
			require.Zero(t, fc.Pending())
			select {
			case f := <-fired:
				t.Fatalf("%s ran after its stop", f)
			default:
			}

			late := airkeep.AfterFunc(c, 0, at("at once"))
			require.Equal(t, "at once 2s", <-fired)
			require.False(t, late(), "nothing to stop once it ran")
		})
	}
	t.Run("system clock", func(t *testing.T) {
		done := make(chan struct{})
		airkeep.AfterFunc(airkeep.SystemClock(), time.Millisecond, func() { close(done) })
		<-done
		require.True(t, airkeep.AfterFunc(airkeep.SystemClock(), time.Hour, func() { t.Error("ran") })())
	})
}

func TestOrSystem(t *testing.T) {
	require.Equal(t, airkeep.SystemClock(), airkeep.OrSystem(nil))
	c := airkeep.NewFakeClock(t0)
	require.Same(t, c, airkeep.OrSystem(c))
}

func TestSystemClockTimer(t *testing.T) {
	c := airkeep.SystemClock()
	tm := c.NewTimer(time.Millisecond)
	<-tm.C()
	require.False(t, tm.Stop())
	require.False(t, tm.Reset(time.Hour))
	require.True(t, tm.Stop())
}

// A test drives a component's wait without sleeping: wait until the
// component has armed its timer, then move time past it.
func ExampleFakeClock() {
	clock := airkeep.NewFakeClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = airkeep.Sleep(context.Background(), clock, 90*time.Second)
		fmt.Println("woke at", clock.Now().Format(time.TimeOnly))
	}()
	clock.BlockUntil(1)
	clock.Advance(90 * time.Second)
	<-done
	// Output: woke at 12:01:30
}

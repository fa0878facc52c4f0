package airkeep

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the source of time for every airkeep package. Components take one
// in their Config so that tests can drive time with a FakeClock instead of
// sleeping; nil in a Config means SystemClock().
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a Timer that delivers the time on C() once d has
	// elapsed.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer that airkeep uses, behind an interface so
// that a FakeClock can provide it.
type Timer interface {
	// C returns the channel on which the fire time is delivered.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether the call
	// stopped the timer (false if it had already fired or been stopped).
	Stop() bool
	// Reset changes the timer to fire after d. It reports whether the timer
	// had been active.
	Reset(d time.Duration) bool
}

// SystemClock returns the Clock backed by package time.
func SystemClock() Clock { return systemClock{} }

// OrSystem returns c, or SystemClock() when c is nil. Constructors use it to
// apply the documented default of a Config's Clock field.
func OrSystem(c Clock) Clock {
	if c == nil {
		return SystemClock()
	}
	return c
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

// AfterFunc is time.AfterFunc; see the package function AfterFunc.
func (systemClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time        { return t.t.C }
func (t systemTimer) Stop() bool                 { return t.t.Stop() }
func (t systemTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

// AfterFunc calls f in its own goroutine once d has elapsed on c, and
// returns a stop function that cancels the call and reports whether it did
// (false when f has been or is being called). Clocks with a method of the same
// signature (SystemClock, FakeClock) do it without a goroutine waiting in
// the meantime, which matters to a component that arms a deadline per
// request; for other clocks a goroutine waits on a Timer.
func AfterFunc(c Clock, d time.Duration, f func()) (stop func() bool) {
	if a, ok := c.(interface {
		AfterFunc(time.Duration, func()) func() bool
	}); ok {
		return a.AfterFunc(d, f)
	}
	// state decides, once, between the timer and stop: a stop that
	// reports false means f runs, as with time.AfterFunc.
	const pending, fired, stopped = 0, 1, 2
	var state atomic.Int32
	t := c.NewTimer(d)
	cancel := make(chan struct{})
	go func() {
		select {
		case <-t.C():
			if state.CompareAndSwap(pending, fired) {
				f()
			}
		case <-cancel:
		}
	}()
	return func() bool {
		if !state.CompareAndSwap(pending, stopped) {
			return false
		}
		t.Stop()
		close(cancel)
		return true
	}
}

// Sleep waits for d on c, or until ctx is done, whichever comes first. It
// returns ctx.Err() when the context ended the wait.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// FakeClock is a Clock for tests: time stands still until Advance or Set
// moves it, and timers fire, in deadline order, when it passes them. It is
// safe for concurrent use.
//
// The usual pattern is: start the component under test, wait with
// BlockUntil(n) until it has created n pending timers, then Advance.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	seq     uint64
	waiters []*blockWaiter
}

type blockWaiter struct {
	n  int
	ch chan struct{}
}

// NewFakeClock returns a FakeClock reading t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the fake current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when the fake time reaches Now()+d.
// A timer with d <= 0 fires at once, as time.NewTimer does.
func (c *FakeClock) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{clock: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.schedule(t, d)
	return t
}

// AfterFunc calls f in its own goroutine when the fake time reaches
// Now()+d; it counts as a pending timer until then. See the package
// function AfterFunc.
func (c *FakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	t := &fakeTimer{clock: c, fn: f}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.schedule(t, d)
	return t.Stop
}

// Advance moves the fake time forward by d, firing every timer whose
// deadline is reached, earliest first.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.Set(target)
}

// Set moves the fake time to t (never backwards) and fires due timers.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.now) {
		return
	}
	for len(c.timers) > 0 && !c.timers[0].deadline.After(t) {
		ft := c.timers[0]
		c.timers = c.timers[1:]
		ft.active = false
		// Time steps to each deadline so that a timer's value is its own
		// deadline, as with a real timer firing on time.
		c.now = ft.deadline
		ft.fire(ft.deadline)
	}
	c.now = t
	c.notify()
}

// Pending returns the number of timers that have not fired or been stopped.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// BlockUntil waits until at least n timers are pending. It is how a test
// knows that the code under test has reached its wait.
func (c *FakeClock) BlockUntil(n int) {
	_ = c.BlockUntilContext(context.Background(), n)
}

// BlockUntilContext is BlockUntil with a way out: it returns ctx.Err() if ctx
// ends first.
func (c *FakeClock) BlockUntilContext(ctx context.Context, n int) error {
	c.mu.Lock()
	if len(c.timers) >= n {
		c.mu.Unlock()
		return nil
	}
	w := &blockWaiter{n: n, ch: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		for i, x := range c.waiters {
			if x == w {
				c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
		return ctx.Err()
	}
}

// schedule (re)arms t to fire after d. c.mu must be held.
func (c *FakeClock) schedule(t *fakeTimer, d time.Duration) {
	c.remove(t)
	t.deadline = c.now.Add(d)
	c.seq++
	t.seq = c.seq
	if d <= 0 {
		t.fire(c.now)
		return
	}
	t.active = true
	i := sort.Search(len(c.timers), func(i int) bool {
		o := c.timers[i]
		return o.deadline.After(t.deadline) || (o.deadline.Equal(t.deadline) && o.seq > t.seq)
	})
	c.timers = append(c.timers, nil)
	copy(c.timers[i+1:], c.timers[i:])
	c.timers[i] = t
	c.notify()
}

// remove disarms t. c.mu must be held. It reports whether t was active.
func (c *FakeClock) remove(t *fakeTimer) bool {
	if !t.active {
		return false
	}
	t.active = false
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			break
		}
	}
	return true
}

// notify wakes BlockUntil callers whose count is reached. c.mu must be held.
func (c *FakeClock) notify() {
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if len(c.timers) >= w.n {
			close(w.ch)
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}

type fakeTimer struct {
	clock    *FakeClock
	ch       chan time.Time // nil for an AfterFunc
	fn       func()
	deadline time.Time
	seq      uint64
	active   bool
}

// fire delivers the timer's time, or calls its function. The clock's mu
// is held.
func (t *fakeTimer) fire(now time.Time) {
	if t.fn != nil {
		go t.fn()
		return
	}
	select {
	case t.ch <- now:
	default:
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	// Like time.Timer since Go 1.23: no receive after Stop sees a stale value.
	select {
	case <-t.ch:
	default:
	}
	return t.clock.remove(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := t.active
	// Like time.Timer since Go 1.23: a Reset discards a value not yet
	// received, so the next receive sees only the new deadline.
	select {
	case <-t.ch:
	default:
	}
	t.clock.schedule(t, d)
	return was
}

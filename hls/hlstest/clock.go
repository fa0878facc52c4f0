package hlstest

import (
	"sync"
	"time"

	"github.com/airkeep/airkeep"
)

// ScaledClock is an airkeep.Clock that runs Factor times faster than the
// wall clock, starting from a chosen time. Giving the same ScaledClock to an
// Origin and to a Recorder runs a live stream, its faults and every timeout
// of the capture faster than real time, with all their ratios intact: a
// 40 s stall at factor 20 takes 2 real seconds and still outlasts a 15 s
// soft timeout.
type ScaledClock struct {
	start  time.Time
	real0  time.Time
	factor float64
}

var _ airkeep.Clock = (*ScaledClock)(nil)

// NewScaledClock returns a clock reading start now and running factor
// times faster than real time. factor <= 0 means 1.
func NewScaledClock(start time.Time, factor float64) *ScaledClock {
	if factor <= 0 {
		factor = 1
	}
	return &ScaledClock{start: start, real0: time.Now(), factor: factor}
}

// Now returns the scaled time.
func (c *ScaledClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.real0)) * c.factor))
}

// NewTimer returns a timer that fires after d of scaled time and delivers
// the scaled time.
func (c *ScaledClock) NewTimer(d time.Duration) airkeep.Timer {
	t := &scaledTimer{clock: c, ch: make(chan time.Time, 1)}
	t.mu.Lock()
	t.arm(d)
	t.mu.Unlock()
	return t
}

// AfterFunc calls f in its own goroutine after d of scaled time; see
// airkeep.AfterFunc.
func (c *ScaledClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(c.real(d), f).Stop
}

func (c *ScaledClock) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.factor)
}

type scaledTimer struct {
	clock *ScaledClock
	ch    chan time.Time
	mu    sync.Mutex
	t     *time.Timer
	gen   uint64 // bumped by every arm, fire, Stop and Reset, so a late fire is dropped
}

// arm starts a fresh underlying timer. t.mu must be held.
func (t *scaledTimer) arm(d time.Duration) {
	t.gen++
	g := t.gen
	t.t = time.AfterFunc(t.clock.real(d), func() { t.fire(g) })
}

func (t *scaledTimer) fire(g uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if g != t.gen {
		return // stopped or reset after this firing was due
	}
	t.gen++ // fired: no longer active
	select {
	case t.ch <- t.clock.Now():
	default:
	}
}

func (t *scaledTimer) C() <-chan time.Time { return t.ch }

func (t *scaledTimer) Stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	select {
	case <-t.ch:
	default:
	}
	return t.t.Stop()
}

func (t *scaledTimer) Reset(d time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.t.Stop()
	select {
	case <-t.ch:
	default:
	}
	t.arm(d)
	return was
}

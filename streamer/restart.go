package streamer

import "time"

// stableRun is how long a process must have run for its crash not to count
// towards the backoff: a station that ran for an hour and crashed restarts
// at once, one that crashes every few seconds waits longer and longer.
const stableRun = time.Minute

// restartPolicy decides whether and when to restart after a crash: an
// exponential backoff between min and max, reset by a stable run, and a
// budget of at most budget restarts in any window.
type restartPolicy struct {
	min, max time.Duration
	budget   int
	window   time.Duration

	next     time.Duration
	restarts []time.Time // within the last window, oldest first
}

func newRestartPolicy(min, max time.Duration, budget int, window time.Duration) *restartPolicy {
	return &restartPolicy{min: min, max: max, budget: budget, window: window, next: min}
}

// crashed records a crash at now of a process started at started. It
// returns how long to wait before the restart, or ok false when the
// restart budget is spent.
func (p *restartPolicy) crashed(now, started time.Time) (delay time.Duration, ok bool) {
	kept := p.restarts[:0]
	for _, t := range p.restarts {
		if now.Sub(t) < p.window {
			kept = append(kept, t)
		}
	}
	p.restarts = kept
	if len(p.restarts) >= p.budget {
		return 0, false
	}
	if now.Sub(started) >= stableRun {
		p.next = p.min
	}
	delay = p.next
	p.next = min(2*p.next, p.max)
	p.restarts = append(p.restarts, now.Add(delay))
	return delay, true
}

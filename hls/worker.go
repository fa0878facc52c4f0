package hls

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/airkeep/airkeep/hls/playlist"
)

// worker polls one media playlist URL and hands what it finds to its
// variant. It asks for a replacement when its fetch fails or is slow, when
// the playlist goes stale, when its PDTs skew, when its URL reaches its
// maximum age, and at ENDLIST; it stops by itself on 403/404 (the URL
// expired), when its very first fetch fails while another worker delivers
// (alone, it keeps trying), and after ENDLIST once it has delivered the
// stream's end.
type worker struct {
	v       *variant
	id      int
	url     string
	issued  time.Time  // when the playlist that gave url was fetched
	maps    *blobCache // init sections, fetched once per worker
	cancel  context.CancelFunc
	working atomic.Bool // delivered real content: it is (or was) the active worker
	skewed  atomic.Bool // saw PDT skew: its later segments are suspect
}

func newWorker(v *variant, id int, url string, issued time.Time) *worker {
	return &worker{v: v, id: id, url: url, issued: issued, maps: newBlobCache(v.s.Limits.MapCache, &v.fetches)}
}

// playlistState is what the worker compares between reloads.
type playlistState struct {
	lastMSN uint64
	lastID  string
	n       int
	ended   bool
}

func stateOf(pl *playlist.Media) playlistState {
	st := playlistState{n: len(pl.Segments), ended: pl.Ended}
	if n := len(pl.Segments); n > 0 {
		st.lastMSN, st.lastID = pl.Segments[n-1].MSN, pl.Segments[n-1].ID()
	}
	return st
}

// run polls until ctx ends or the worker stops by itself, and returns why
// it stopped ("" when ctx ended) and whether its replacement needs a URL
// fresher than this one.
func (w *worker) run(ctx context.Context) (reason string, fresh bool) {
	s := w.v.s
	clock := s.clock
	var ageC <-chan time.Time
	if s.MaxURLAge > 0 {
		// The URL's token is as old as the master fetch that gave it, which
		// another variant's hand-over may have made a while ago.
		age := clock.NewTimer(max(0, s.MaxURLAge-clock.Now().Sub(w.issued)))
		defer age.Stop()
		ageC = age.C()
	}
	wait := clock.NewTimer(0)
	defer wait.Stop()
	<-wait.C()

	first := true
	var last playlistState
	lastChange := clock.Now()
	for {
		fetchStart := clock.Now()
		body, final, err := s.fetchBody(ctx, w.url, nil, int64(s.Limits.PlaylistBytes), s.Timeouts.PlaylistSoft, s.Timeouts.PlaylistHard,
			func(string) {
				// While this recorder's own downloads queue, a slow reload
				// says the machine is busy, not that the URL is bad: a new
				// worker would only add requests.
				if !w.v.behind() {
					w.v.request(w, "playlist soft timeout", true)
				}
			})
		var pl *playlist.Media
		if err == nil {
			if playlist.Sniff(body) == playlist.KindMaster {
				err = &playlist.Error{URL: final, Reason: "a master playlist where a media playlist was expected"}
			} else {
				pl, err = playlist.Parser{MaxBytes: s.Limits.PlaylistBytes}.Media(body, final)
			}
		}
		next := s.Reload.Retry
		if err != nil {
			if ctx.Err() != nil {
				return "", false
			}
			w.v.playlistError(w, err)
			var se *StatusError
			switch {
			case isExpired(err):
				if errors.As(err, &se) {
					return fmt.Sprintf("playlist %d", se.Code), true
				}
				return "playlist gone", true
			case first && w.v.covered():
				return "first playlist fetch failed", true
			case first:
				// wubloader stops a worker whose first load fails, but with
				// no other worker delivering, waiting for the next master
				// fetch (20 s by default) can let a short live window slide
				// past unseen: keep trying this URL while a fresh one is
				// sought.
				w.v.request(w, "first playlist fetch failed", true)
			default:
				w.v.request(w, "playlist fetch failed", true)
			}
		} else {
			first = false
			st := stateOf(pl)
			changed := st != last
			last = st
			if changed {
				lastChange = fetchStart
			}
			fresh := w.v.onPlaylist(w, pl, fetchStart)
			if pl.Ended && (w.working.Load() || fresh > 0) {
				return "ENDLIST", false
			}
			next = w.interval(pl.TargetDuration, changed)
			if w.v.behind() {
				next = max(next, w.behindInterval(pl))
			}
			stale := s.Reload.Stale
			if stale == 0 {
				stale = pl.TargetDuration*3/2 + next
			}
			if fetchStart.Sub(lastChange) > stale {
				w.v.request(w, "stale playlist", true)
				lastChange = fetchStart // ask again only after another stale period
			}
		}
		// RFC 8216 §6.3.4: the wait is timed from the start of the load.
		wait.Reset(next - clock.Now().Sub(fetchStart))
		for waiting := true; waiting; {
			select {
			case <-wait.C():
				waiting = false
			case <-ageC:
				ageC = nil
				w.v.request(w, "URL reached its maximum age", true)
			case <-ctx.Done():
				return "", false
			}
		}
	}
}

// behindInterval is the wait between reloads while the variant's segments
// queue for a download slot: reloading at the target duration then only
// lists segments that would wait too, and costs the requests and parsing
// the downloads lack. A third of the playlist's duration still sees every
// segment at least twice before it leaves the window (RFC 8216 §6.2.2 keeps
// a segment listed for at least three target durations).
func (w *worker) behindInterval(pl *playlist.Media) time.Duration {
	var window float64
	for i := range pl.Segments {
		window += float64(pl.Segments[i].Duration)
	}
	d := jitter(time.Duration(window/3*float64(time.Second)), 1, 1.1)
	if r := w.v.s.Reload; r.Max > 0 {
		d = min(d, r.Max)
	}
	return d
}

// interval returns the wait before the next reload.
func (w *worker) interval(td time.Duration, changed bool) time.Duration {
	r := w.v.s.Reload
	var d time.Duration
	switch {
	case r.Interval > 0:
		d = jitter(r.Interval, 0.9, 1.1)
	case changed:
		d = jitter(td, 1, 1.1)
	default:
		d = jitter(td/2, 1, 1.1)
	}
	d = max(d, r.Min)
	if r.Max > 0 {
		d = min(d, r.Max)
	}
	return d
}

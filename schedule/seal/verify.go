package seal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/schedule"
)

// Problem is what Verify can find wrong.
type Problem string

// Problems, from the chain's point of view.
const (
	// Edited: a sealed entry differs from its row now (a field changed, or
	// two rows swapped), or a seal's body changed.
	Edited Problem = "edited"
	// Removed: a sealed entry's row, or a seal, is gone.
	Removed Problem = "removed"
	// Inserted: a row is in the log between sealed entries but was never
	// sealed.
	Inserted Problem = "inserted"
	// Reordered: seals are out of log order.
	Reordered Problem = "reordered"
	// Unsealed: an entry of the period is not sealed (yet).
	Unsealed Problem = "unsealed"
	// SegmentMissing: a cited segment is not in the archive.
	SegmentMissing Problem = "segment-missing"
	// SegmentAltered: a cited segment's bytes do not hash to its name.
	SegmentAltered Problem = "segment-altered"
)

// Break is the first thing Verify found wrong.
type Break struct {
	Problem Problem
	Seq     int64 // the seal where it shows; 0 if none
	LogID   int64 // the entry concerned; 0 if none
	Detail  string
}

func (b *Break) Error() string {
	s := fmt.Sprintf("seal: %s", b.Problem)
	if b.LogID != 0 {
		s += fmt.Sprintf(": log entry %d", b.LogID)
	}
	if b.Seq != 0 {
		s += fmt.Sprintf(" (seal %d)", b.Seq)
	}
	return s + ": " + b.Detail
}

// ErrBroken is what a *Break matches with errors.Is.
var ErrBroken = errors.New("seal: the as-run chain is broken")

func (b *Break) Is(target error) bool { return target == ErrBroken }

// VerifyConfig says what to verify.
type VerifyConfig struct {
	Store     Store // required
	StationID int64 // required
	// Archive is where cited segments are re-hashed; nil leaves them
	// unchecked.
	Archive archive.Reader
	// From and To bound the entries (by date) whose rows and segments
	// are checked; zero means no bound. The chain is checked whole: a
	// link is only as good as the ones before it.
	From, To time.Time
}

// VerifyResult says what Verify checked.
type VerifyResult struct {
	Seals, Entries, Citations, Segments int
	// Head is the last link, in hex: what a published chain head is
	// compared with.
	Head string
	// Break is the first problem found, nil if none.
	Break *Break
}

// WriteText writes the result for a person: the chain, what was checked,
// then "intact" or the break.
//
//	chain: 42 seals, head 3f…
//	period: 40 entries and 12 citations checked, 12 segments re-hashed
//	intact
func (r VerifyResult) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "chain: %d seals, head %s\n", r.Seals, r.Head)
	fmt.Fprintf(&b, "period: %d entries and %d citations checked, %d segments re-hashed\n", r.Entries, r.Citations, r.Segments)
	if r.Break != nil {
		fmt.Fprintf(&b, "BROKEN: %s\n", r.Break)
	} else {
		b.WriteString("intact\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Verify recomputes a station's chain from its first seal, compares
// every sealed entry of [From, To) with its row and what it names, checks
// that no entry of the period was left out, and re-hashes every segment
// cited for the period. It stops at the first problem, in chain order,
// and returns it in VerifyResult.Break; the error is for failures to
// read.
func Verify(ctx context.Context, cfg VerifyConfig) (VerifyResult, error) {
	var res VerifyResult
	if cfg.Store == nil || cfg.StationID == 0 {
		return res, &ConfigError{"Store", "a store and a station are required"}
	}
	v := &verifier{cfg: cfg, st: newCache(cfg.Store), res: &res}
	err := v.run(ctx)
	return res, err
}

type verifier struct {
	cfg     VerifyConfig
	st      *cache
	res     *VerifyResult
	lastLog int64 // the last log ID sealed
}

func (v *verifier) inRange(t time.Time) bool {
	return (v.cfg.From.IsZero() || !t.Before(v.cfg.From)) && (v.cfg.To.IsZero() || t.Before(v.cfg.To))
}

func (v *verifier) fail(b *Break) { v.res.Break = b }

func (v *verifier) run(ctx context.Context) error {
	var prev [32]byte
	var seq int64
	for {
		seals, err := v.cfg.Store.Seals(ctx, v.cfg.StationID, seq, 1000)
		if err != nil {
			return err
		}
		if len(seals) == 0 {
			break
		}
		// The rows from the last sealed entry to this page's last: every
		// one must be sealed, in order.
		maxLog := v.lastLog
		for _, s := range seals {
			if s.Kind == schedule.SealLog && s.LogID > maxLog {
				maxLog = s.LogID
			}
		}
		rows, err := v.cfg.Store.Logs(ctx, schedule.LogFilter{StationID: v.cfg.StationID, AfterID: v.lastLog, BeforeID: maxLog + 1})
		if err != nil {
			return err
		}
		next := 0 // the first row not yet matched with a seal
		for _, s := range seals {
			seq++
			if s.Seq != seq {
				v.fail(&Break{Problem: Removed, Seq: seq, Detail: fmt.Sprintf("seal %d is missing: the next is %d", seq, s.Seq)})
				return nil
			}
			if link(prev, s.Body) != s.Link {
				v.fail(&Break{Problem: Edited, Seq: s.Seq, LogID: s.LogID, Detail: "the seal's link does not follow from the one before and its body: the chain was rewritten"})
				return nil
			}
			prev = s.Link
			v.res.Seals++
			switch s.Kind {
			case schedule.SealLog:
				if s.LogID <= v.lastLog {
					v.fail(&Break{Problem: Reordered, Seq: s.Seq, LogID: s.LogID, Detail: fmt.Sprintf("sealed after entry %d", v.lastLog)})
					return nil
				}
				if next < len(rows) && rows[next].ID < s.LogID {
					l := rows[next]
					v.fail(&Break{Problem: Inserted, LogID: l.ID, Detail: fmt.Sprintf("%s at %s is between sealed entries %d and %d but was never sealed", l.Type, stamp(l.Date), v.lastLog, s.LogID)})
					return nil
				}
				var row *schedule.Log
				if next < len(rows) && rows[next].ID == s.LogID {
					row = &rows[next]
					next++
				}
				v.lastLog = s.LogID
				b, err := v.checkEntry(ctx, s, row)
				if err != nil || b != nil {
					v.fail(b)
					return err
				}
			case schedule.SealCite:
				b, err := v.checkCitation(ctx, s)
				if err != nil {
					return err
				}
				if b != nil {
					v.fail(b)
					return nil
				}
			default:
				v.fail(&Break{Problem: Edited, Seq: s.Seq, LogID: s.LogID, Detail: fmt.Sprintf("unknown seal kind %d", s.Kind)})
				return nil
			}
		}
	}
	v.res.Head = hex.EncodeToString(prev[:])
	// What came after the last seal: unsealed entries of the period.
	rest, err := v.cfg.Store.Logs(ctx, schedule.LogFilter{StationID: v.cfg.StationID, AfterID: v.lastLog, From: v.cfg.From, To: v.cfg.To, Limit: 1})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		v.fail(&Break{Problem: Unsealed, LogID: rest[0].ID, Detail: fmt.Sprintf("%s at %s is not sealed", rest[0].Type, stamp(rest[0].Date))})
	}
	return nil
}

// checkEntry compares a sealed entry of the period with its row (nil: the
// row is gone).
func (v *verifier) checkEntry(ctx context.Context, s schedule.Seal, row *schedule.Log) (*Break, error) {
	var sealed Entry
	if err := json.Unmarshal(s.Body, &sealed); err != nil {
		return &Break{Problem: Edited, Seq: s.Seq, LogID: s.LogID, Detail: "the sealed body is not an entry"}, nil
	}
	t, _ := time.Parse(time.RFC3339Nano, sealed.Date)
	if !v.inRange(t) {
		return nil, nil
	}
	v.res.Entries++
	if row == nil {
		return &Break{Problem: Removed, Seq: s.Seq, LogID: s.LogID, Detail: fmt.Sprintf("the %s entry of %s (%s) was deleted", sealed.Type, sealed.Date, describe(sealed))}, nil
	}
	now, err := entryOf(ctx, v.st, *row)
	if err != nil {
		return nil, err
	}
	if b := encode(now); !bytes.Equal(b, s.Body) {
		return &Break{Problem: Edited, Seq: s.Seq, LogID: s.LogID, Detail: diff(sealed, now)}, nil
	}
	return nil, nil
}

// describe names an entry for a person.
func describe(e Entry) string {
	switch {
	case e.Title != "":
		return fmt.Sprintf("%q by %q", e.Title, e.Artist)
	case e.Path != "":
		return e.Path
	}
	return e.Comment
}

// diff says which fields of an entry changed.
func diff(was, now Entry) string {
	var parts []string
	a, b := reflect.ValueOf(was), reflect.ValueOf(now)
	for i := range a.NumField() {
		if x, y := a.Field(i).Interface(), b.Field(i).Interface(); x != y {
			name := strings.Split(a.Type().Field(i).Tag.Get("json"), ",")[0]
			parts = append(parts, fmt.Sprintf("%s was %v, is %v", name, fmt.Sprintf("%q", fmt.Sprint(x)), fmt.Sprintf("%q", fmt.Sprint(y))))
		}
	}
	return "edited: " + strings.Join(parts, "; ")
}

// checkCitation re-hashes the segments a cite seal names, for entries of
// the period.
func (v *verifier) checkCitation(ctx context.Context, s schedule.Seal) (*Break, error) {
	var c Citation
	if err := json.Unmarshal(s.Body, &c); err != nil {
		return &Break{Problem: Edited, Seq: s.Seq, LogID: s.LogID, Detail: "the sealed body is not a citation"}, nil
	}
	t, _ := time.Parse(time.RFC3339Nano, c.Start)
	if !v.inRange(t) {
		return nil, nil
	}
	v.res.Citations++
	if v.cfg.Archive == nil {
		return nil, nil
	}
	for _, p := range c.Segments {
		seg, err := archive.ParsePath(p)
		if err != nil {
			return &Break{Problem: Edited, Seq: s.Seq, LogID: s.LogID, Detail: fmt.Sprintf("cited segment %q is not a segment name", p)}, nil
		}
		rc, err := v.cfg.Archive.Open(ctx, seg)
		if errors.Is(err, archive.ErrNotFound) {
			return &Break{Problem: SegmentMissing, Seq: s.Seq, LogID: s.LogID, Detail: fmt.Sprintf("segment %s, recorded while it aired, is not in the archive", p)}, nil
		}
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		v.res.Segments++
		if !bytes.Equal(h.Sum(nil), seg.Hash[:]) {
			return &Break{Problem: SegmentAltered, Seq: s.Seq, LogID: s.LogID, Detail: fmt.Sprintf("segment %s, recorded while it aired, does not hash to its name", p)}, nil
		}
	}
	return nil, nil
}

// cache remembers the rows entries name while verifying.
type cache struct {
	Store
	sounds map[int64]schedule.Sound
	tracks map[int64]schedule.Track
	diffs  map[int64]schedule.Diffusion
	progs  map[int64]schedule.Program
}

func newCache(st Store) *cache {
	return &cache{Store: st, sounds: map[int64]schedule.Sound{}, tracks: map[int64]schedule.Track{},
		diffs: map[int64]schedule.Diffusion{}, progs: map[int64]schedule.Program{}}
}

func cached[T any](m map[int64]T, id int64, get func() (T, error)) (T, error) {
	if v, ok := m[id]; ok {
		return v, nil
	}
	v, err := get()
	if err == nil {
		m[id] = v
	}
	return v, err
}

func (c *cache) Sound(ctx context.Context, id int64) (schedule.Sound, error) {
	return cached(c.sounds, id, func() (schedule.Sound, error) { return c.Store.Sound(ctx, id) })
}

func (c *cache) Track(ctx context.Context, id int64) (schedule.Track, error) {
	return cached(c.tracks, id, func() (schedule.Track, error) { return c.Store.Track(ctx, id) })
}

func (c *cache) Diffusion(ctx context.Context, id int64) (schedule.Diffusion, error) {
	return cached(c.diffs, id, func() (schedule.Diffusion, error) { return c.Store.Diffusion(ctx, id) })
}

func (c *cache) Program(ctx context.Context, id int64) (schedule.Program, error) {
	return cached(c.progs, id, func() (schedule.Program, error) { return c.Store.Program(ctx, id) })
}

package archive

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"
)

// ProblemKind says what a Problem is.
type ProblemKind int

// The problem kinds.
const (
	// ProblemMismatch: the bytes do not hash to the name.
	ProblemMismatch ProblemKind = iota + 1
	// ProblemBadName: the name does not parse.
	ProblemBadName
	// ProblemUnreadable: the bytes could not be read.
	ProblemUnreadable
)

var problemKindNames = [...]string{ProblemMismatch: "mismatch", ProblemBadName: "badname", ProblemUnreadable: "unreadable"}

// String returns "mismatch", "badname" or "unreadable", as the archive
// example prints them.
func (k ProblemKind) String() string {
	if k > 0 && int(k) < len(problemKindNames) {
		return problemKindNames[k]
	}
	return fmt.Sprintf("ProblemKind(%d)", int(k))
}

// Problem is one thing Verify found wrong.
type Problem struct {
	// Path is the relative path of the file.
	Path string
	Kind ProblemKind
	// Actual is the hash of the bytes read, for a mismatch.
	Actual Hash
	// Err says what went wrong for badname and unreadable.
	Err error
}

// VerifyResult sums up a verification.
type VerifyResult struct {
	Segments int64
	Bytes    int64
	Problems int64
}

// VerifyConfig configures Verify.
type VerifyConfig struct {
	// Workers is how many segments are hashed at once. 0 means the number
	// of CPUs.
	Workers int
	// Streams limits verification to these streams. Empty means all.
	Streams []string
}

// Verify re-hashes every visible segment of the store and reports each file
// whose bytes do not match the hash in its name, each unreadable one and each
// name that does not parse, through report (called from one goroutine at a
// time). It is the archive's fsck: it streams each file through SHA-256,
// holds one hour's listing at a time, and hashes on every core. It stops
// early only when ctx ends or the store cannot be listed.
func Verify(ctx context.Context, store Reader, cfg VerifyConfig, report func(Problem)) (VerifyResult, error) {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	var (
		res VerifyResult
		mu  sync.Mutex // guards res and serialises report
	)
	found := func(p Problem) {
		mu.Lock()
		defer mu.Unlock()
		res.Problems++
		report(p)
	}
	streams := cfg.Streams
	if len(streams) == 0 {
		var err error
		if streams, err = store.Streams(ctx); err != nil {
			return res, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	err := walkHours(gctx, store, streams, func(stream, variant, hour string, l Listing) {
		for _, name := range l.Bad {
			found(Problem{Path: stream + "/" + variant + "/" + hour + "/" + name, Kind: ProblemBadName, Err: parseErr(stream, variant, hour, name)})
		}
		for _, e := range l.Segments {
			if e.Type == Temp {
				continue // still being written, by a wubloader downloader
			}
			g.Go(func() error {
				n, sum, err := hashSegment(gctx, store, e.Segment)
				switch {
				case gctx.Err() != nil:
					return gctx.Err()
				case errors.Is(err, ErrNotFound):
					return nil // removed since listed
				case err != nil:
					found(Problem{Path: e.Path(), Kind: ProblemUnreadable, Err: err})
				case sum != e.Hash:
					found(Problem{Path: e.Path(), Kind: ProblemMismatch, Actual: sum})
				}
				mu.Lock()
				res.Segments++
				res.Bytes += n
				mu.Unlock()
				return nil
			})
		}
	})
	if werr := g.Wait(); err == nil {
		err = werr
	}
	return res, err
}

func parseErr(stream, variant, hour, name string) error {
	_, err := ParseName(stream, variant, hour, name)
	if err == nil {
		_, err = ParseTombstoneName(stream, variant, hour, name)
	}
	return err
}

// walkHours calls fn with the listing of every hour of the given streams,
// one hour at a time.
func walkHours(ctx context.Context, store Reader, streams []string, fn func(stream, variant, hour string, l Listing)) error {
	for _, s := range streams {
		variants, err := store.Variants(ctx, s)
		if err != nil {
			return err
		}
		for _, v := range variants {
			hours, err := store.Hours(ctx, s, v)
			if err != nil {
				return err
			}
			for _, h := range hours {
				l, err := store.List(ctx, s, v, h)
				if err != nil {
					return err
				}
				fn(s, v, h, l)
			}
		}
	}
	return ctx.Err()
}

var hashBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

func hashSegment(ctx context.Context, store Reader, seg Segment) (int64, Hash, error) {
	r, err := store.Open(ctx, seg)
	if err != nil {
		return 0, Hash{}, err
	}
	defer r.Close()
	h := sha256.New()
	bufp := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(bufp)
	// Hide WriteTo so that the pooled buffer is the one used.
	n, err := io.CopyBuffer(h, struct{ io.Reader }{r}, *bufp)
	if err != nil {
		return n, Hash{}, fmt.Errorf("archive: read %s: %w", seg.Path(), err)
	}
	var sum Hash
	h.Sum(sum[:0])
	return n, sum, nil
}

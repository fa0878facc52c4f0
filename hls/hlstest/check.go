package hlstest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/airkeep/airkeep/archive"
)

// CheckResult compares what an origin published with what an archive
// holds.
type CheckResult struct {
	Published int // segments published
	Stored    int // of those, stored whole (full or suspect) with the right start
	// Missing lists the published segments not stored whole, as
	// "variant path".
	Missing []string
	// Corrupt lists stored files whose bytes do not hash to their name.
	Corrupt []string
}

// OK reports whether every published segment is stored whole and every
// stored file is intact.
func (r CheckResult) OK() bool { return r.Stored == r.Published && len(r.Corrupt) == 0 }

// Check reads every segment of stream in store, re-hashing its bytes, and
// checks that each published segment of channel is stored byte-exact, as a
// full or suspect segment starting at its published start.
func Check(ctx context.Context, store archive.Store, stream, channel string, pubs []Published) (CheckResult, error) {
	var res CheckResult
	type key struct {
		variant string
		hash    archive.Hash
	}
	whole := make(map[key][]archive.Segment)
	variants, err := store.Variants(ctx, stream)
	if err != nil {
		return res, err
	}
	buf := make([]byte, 64*1024)
	for _, v := range variants {
		hours, err := store.Hours(ctx, stream, v)
		if err != nil {
			return res, err
		}
		for _, h := range hours {
			l, err := store.List(ctx, stream, v, h)
			if err != nil {
				return res, err
			}
			for _, e := range l.Segments {
				rc, err := store.Open(ctx, e.Segment)
				if err != nil {
					return res, err
				}
				sum := sha256.New()
				_, err = io.CopyBuffer(sum, rc, buf)
				rc.Close()
				if err != nil {
					return res, err
				}
				if archive.Hash(sum.Sum(nil)) != e.Hash {
					res.Corrupt = append(res.Corrupt, e.Path())
					continue
				}
				if e.Type == archive.Full || e.Type == archive.Suspect {
					k := key{v, e.Hash}
					whole[k] = append(whole[k], e.Segment)
				}
			}
		}
	}
	for _, p := range pubs {
		if p.Channel != channel {
			continue
		}
		res.Published++
		found := false
		for _, s := range whole[key{p.Variant, p.SHA256}] {
			if s.Start.Equal(p.Start) {
				found = true
				break
			}
		}
		if found {
			res.Stored++
		} else {
			res.Missing = append(res.Missing, fmt.Sprintf("%s %s", p.Variant, p.Path))
		}
	}
	return res, nil
}

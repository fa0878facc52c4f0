package s3store_test

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/s3store/s3test"
)

// TestTwoNodes has two capture nodes, each with its own store talking to
// its own gateway process, both gateways over one data folder: the
// several-nodes-one-bucket deployment. They record the same segments at
// the same time (as redundant captures of one stream do) and some of their
// own. Every segment must end up stored exactly once, intact, visible from
// both nodes, and exactly one commit of each shared segment may count as a
// new object.
func TestTwoNodes(t *testing.T) {
	server(t)
	gwA, err := s3test.Start(s3test.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { gwA.Close() })
	gwB, err := s3test.Start(s3test.Config{Dir: gwA.Dir})
	require.NoError(t, err)
	t.Cleanup(func() { gwB.Close() })
	bucket := gwA.NewBucket(t)

	cfgA, cfgB := config(gwA, bucket), config(gwB, bucket)
	cfgA.Prefix, cfgB.Prefix = "shared", "shared"
	nodes := []*s3store.Store{newStore(t, cfgA), newStore(t, cfgB)}

	const shared, own = 40, 15
	type item struct {
		seg  archive.Segment
		data []byte
	}
	var sharedItems []item
	for i := range shared {
		sg := seg(time.Duration(i) * 2 * time.Second)
		if i%2 == 1 {
			sg.Variant = "480p"
		}
		size := 32<<10 + i*997
		if i%10 == 0 {
			size = 3 << 20 // larger than the socket buffers: see TestDuplicateOfLargeSegment
		}
		sharedItems = append(sharedItems, item{sg, payload(size, byte(i))})
	}
	ownItems := make([][]item, len(nodes))
	for n := range nodes {
		for i := range own {
			// Other start times: each node lost a different set of
			// segments, say, and only it has them.
			sg := seg(time.Duration(shared+n*own+i) * 2 * time.Second)
			ownItems[n] = append(ownItems[n], item{sg, payload(16<<10+i, byte(100+n*own+i))})
		}
	}

	g, ctx := errgroup.WithContext(t.Context())
	for n, node := range nodes {
		work := append(append([]item(nil), sharedItems...), ownItems[n]...)
		rand.Shuffle(len(work), func(i, j int) { work[i], work[j] = work[j], work[i] })
		// Four writers per node, so each node also races itself.
		var mu sync.Mutex
		for range 4 {
			g.Go(func() error {
				for {
					mu.Lock()
					if len(work) == 0 {
						mu.Unlock()
						return nil
					}
					it := work[0]
					work = work[1:]
					mu.Unlock()
					w, err := node.Create(ctx, it.seg)
					if err != nil {
						return err
					}
					for off := 0; off < len(it.data); off += 4096 {
						if _, err := w.Write(it.data[off:min(off+4096, len(it.data))]); err != nil {
							return err
						}
					}
					if _, err := w.Commit(ctx, archive.Full); err != nil {
						return err
					}
				}
			})
		}
	}
	require.NoError(t, g.Wait())

	want := map[string][]byte{}
	for _, it := range sharedItems {
		want[committed(it.seg, it.data).Path()] = it.data
	}
	for _, items := range ownItems {
		for _, it := range items {
			want[committed(it.seg, it.data).Path()] = it.data
		}
	}
	for n, node := range nodes {
		got := map[string]int64{}
		for _, v := range []string{"source", "480p"} {
			hours, err := node.Hours(t.Context(), "radio", v)
			require.NoError(t, err)
			for _, h := range hours {
				l, err := node.List(t.Context(), "radio", v, h)
				require.NoError(t, err)
				require.Empty(t, l.Bad)
				for _, e := range l.Segments {
					_, dup := got[e.Path()]
					require.False(t, dup, "node %d lists %s twice", n, e.Path())
					got[e.Path()] = e.Size
				}
			}
		}
		require.Len(t, got, len(want), "node %d sees every segment once", n)
		for p, data := range want {
			require.Equal(t, int64(len(data)), got[p], p)
		}
	}
	// Read every segment through the node that did not write it (or both,
	// for shared ones).
	for p, data := range want {
		sg, err := archive.ParsePath(p)
		require.NoError(t, err)
		for _, node := range nodes {
			require.True(t, bytes.Equal(data, readAll(t, node, sg)), p)
		}
	}
	a, b := nodes[0].Stats().Snapshot(), nodes[1].Stats().Snapshot()
	require.Equal(t, int64(shared+2*own), a.Full+b.Full, "each segment was created once")
	require.Equal(t, int64(shared), a.Duplicates+b.Duplicates, "each shared segment lost one race")
	require.Zero(t, a.WriteErrors+b.WriteErrors)
}

// committed returns sg as a commit of data as Full would name it.
func committed(sg archive.Segment, data []byte) archive.Segment {
	sg.Type = archive.Full
	sg.Hash = sha256.Sum256(data)
	sg.Start = sg.Start.UTC()
	return sg
}

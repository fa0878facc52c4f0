package s3store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	"github.com/airkeep/airkeep/archive"
)

// chunkSize is the unit in which writers hold segments in memory. Chunks
// are pooled and never copied as a segment grows; the memory limit is
// counted in whole chunks.
const chunkSize = 64 << 10

type chunk = [chunkSize]byte

// writer buffers one segment until Commit. S3 has no append and no
// rename, so the object is created in one conditional PUT of the whole
// segment; until then the bytes live in pooled memory chunks, or past the
// store's memory limit in an unlinked temporary file.
type writer struct {
	store *Store
	seg   archive.Segment
	h     hash.Hash
	n     int64

	chunks []*chunk // while in memory
	file   *os.File // once spilled
	name   string   // the spill file's name, if it could not be unlinked at once

	bodies []*guardedReader // handed to PUT attempts

	err  error // first failure; the writer can then only abort
	done bool
}

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, archive.ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.n+int64(len(p)) > w.store.maxSize {
		w.err = fmt.Errorf("s3store: write %s: more than %d bytes: %w", w.seg.Path(), w.store.maxSize, ErrTooLarge)
		w.store.stats.WriteErrors.Add(1)
		return 0, w.err
	}
	written := 0
	for written < len(p) && w.file == nil {
		off := int(w.n % chunkSize)
		if off == 0 && int64(len(w.chunks))*chunkSize == w.n {
			if !w.store.reserve(chunkSize) {
				if err := w.spill(); err != nil {
					return written, w.fail(err)
				}
				break
			}
			w.chunks = append(w.chunks, w.store.getChunk())
		}
		k := copy(w.chunks[len(w.chunks)-1][off:], p[written:])
		w.h.Write(p[written : written+k])
		w.n += int64(k)
		written += k
	}
	if written < len(p) {
		k, err := w.file.Write(p[written:])
		w.h.Write(p[written : written+k])
		w.n += int64(k)
		written += k
		if err != nil {
			return written, w.fail(err)
		}
	}
	return written, nil
}

func (w *writer) fail(err error) error {
	w.err = fmt.Errorf("s3store: write %s: %w", w.seg.Path(), err)
	w.store.stats.WriteErrors.Add(1)
	return w.err
}

// spill moves the bytes held in memory to a temporary file, which takes
// the rest of the segment.
func (w *writer) spill() error {
	f, err := os.CreateTemp(w.store.tempDir, ".airkeep-s3-*.tmp")
	if err != nil {
		return err
	}
	// Unlinked at once where the system allows it, so a crash cannot
	// leave it behind; the open file keeps its bytes.
	if os.Remove(f.Name()) != nil {
		w.name = f.Name()
	}
	w.file = f
	if _, err := (&chunkReader{chunks: w.chunks, n: w.n}).WriteTo(f); err != nil {
		return err
	}
	w.releaseChunks()
	w.store.log.Debug("segment spilled to a temporary file", "path", w.seg.Path(), "bytes", w.n)
	return nil
}

// Hash returns the SHA-256 of the bytes written so far.
func (w *writer) Hash() archive.Hash {
	var h archive.Hash
	copy(h[:], w.h.Sum(nil))
	return h
}

// Commit uploads the segment with one PUT that creates the object only if
// its key is absent. If another writer got there first, the key (so the
// content) is the same, and Commit succeeds as a duplicate. A PUT whose
// answer was lost is retried and then meets its own object, so retries
// never duplicate either.
func (w *writer) Commit(ctx context.Context, typ archive.Type) (archive.Segment, error) {
	if w.done {
		return archive.Segment{}, archive.ErrClosed
	}
	if err := archive.ValidateCommitType(typ); err != nil {
		return archive.Segment{}, err
	}
	if w.err != nil {
		w.Abort()
		return archive.Segment{}, w.err
	}
	if err := ctx.Err(); err != nil {
		w.Abort()
		return archive.Segment{}, err
	}
	w.done = true
	defer w.release()
	seg := w.seg
	seg.Type = typ
	seg.Hash = w.Hash()
	s := w.store
	// Even a failed PUT may have landed (an answer lost on the way back),
	// so the hour's listing is refreshed either way.
	defer s.invalidate(seg)
	existed, err := s.putIfAbsent(ctx, s.key(seg), w.n, hex.EncodeToString(seg.Hash[:]), "video/mp2t", w.body)
	if err != nil {
		s.stats.WriteErrors.Add(1)
		return archive.Segment{}, err
	}
	s.stats.Committed(typ, w.n, existed)
	s.log.Debug("segment stored", "path", seg.Path(), "bytes", w.n, "duplicate", existed)
	return seg, nil
}

// body returns a new reader of the whole segment, for one PUT attempt.
// net/http may go on reading a request body after the response arrived
// (a server that answers 412 before reading it), and minio-go hides the
// body's Close from us, so every body is guarded: release detaches them
// all before the chunks go back to the pool or the file is closed.
func (w *writer) body() io.Reader {
	var r io.Reader
	if w.file != nil {
		r = io.NewSectionReader(w.file, 0, w.n)
	} else {
		r = &chunkReader{chunks: w.chunks, n: w.n}
	}
	g := &guardedReader{r: r}
	w.bodies = append(w.bodies, g)
	return g
}

// guardedReader reads r until detached, then fails.
type guardedReader struct {
	mu       sync.Mutex
	r        io.Reader
	detached bool
}

func (g *guardedReader) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.detached {
		return 0, errDetached
	}
	return g.r.Read(p)
}

func (g *guardedReader) detach() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.detached, g.r = true, nil
}

var errDetached = errors.New("s3store: request body read after its commit ended")

// Abort discards the segment. Nothing was sent, so nothing is visible.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.store.stats.Aborted.Add(1)
	return w.release()
}

func (w *writer) release() error {
	for _, g := range w.bodies {
		g.detach()
	}
	w.bodies = nil
	w.releaseChunks()
	if w.file == nil {
		return nil
	}
	err := w.file.Close()
	w.file = nil
	if w.name != "" {
		if rerr := os.Remove(w.name); rerr != nil && err == nil {
			err = rerr
		}
		w.name = ""
	}
	if err != nil {
		return fmt.Errorf("s3store: release %s: %w", w.seg.Path(), err)
	}
	return nil
}

func (w *writer) releaseChunks() {
	for i, c := range w.chunks {
		w.store.putChunk(c)
		w.chunks[i] = nil
	}
	w.store.memUsed.Add(-int64(len(w.chunks)) * chunkSize)
	w.chunks = w.chunks[:0]
}

// reserve takes n bytes of the store's memory budget, if they are free.
func (s *Store) reserve(n int64) bool {
	for {
		used := s.memUsed.Load()
		if used+n > s.memLimit {
			return false
		}
		if s.memUsed.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

func (s *Store) getChunk() *chunk {
	if c, ok := s.chunks.Get().(*chunk); ok {
		return c
	}
	return new(chunk)
}

func (s *Store) putChunk(c *chunk) { s.chunks.Put(c) }

// chunkReader reads the first n bytes held in chunks.
type chunkReader struct {
	chunks []*chunk
	n, off int64
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	c := r.chunks[r.off/chunkSize]
	start := r.off % chunkSize
	end := min(int64(chunkSize), r.n-(r.off-start))
	k := copy(p, c[start:end])
	r.off += int64(k)
	return k, nil
}

// WriteTo writes the chunks without an intermediate buffer; net/http uses
// it through io.Copy.
func (r *chunkReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for r.off < r.n {
		c := r.chunks[r.off/chunkSize]
		start := r.off % chunkSize
		end := min(int64(chunkSize), r.n-(r.off-start))
		k, err := w.Write(c[start:end])
		r.off += int64(k)
		total += int64(k)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

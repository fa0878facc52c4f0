package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/minio/minio-go/v7"
)

// reader streams one object. It holds at most one response body, positioned
// at bodyOff; a Seek only moves off, and the next Read opens a range request
// at off if the body is elsewhere. A body that fails mid-way (connection
// reset, truncated response) is dropped and the read resumes at off with a
// range request, under the store's retry policy.
type reader struct {
	s    *Store
	ctx  context.Context
	key  string
	size int64

	off     int64
	body    io.ReadCloser
	bodyOff int64
	closed  bool
}

// open makes the first GET, so that a missing object fails Open.
func (s *Store) open(ctx context.Context, key string) (*reader, error) {
	r := &reader{s: s, ctx: ctx, key: key}
	var info minio.ObjectInfo
	err := s.retry(ctx, "get", key, func() error {
		var err error
		r.body, info, _, err = s.core.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	r.size = info.Size
	if r.size < 0 {
		// No Content-Length: ask for the size.
		r.body.Close()
		r.body = nil
		err = s.retry(ctx, "get", key, func() error {
			var err error
			info, err = s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
			return err
		})
		if err != nil {
			return nil, err
		}
		r.size = info.Size
	}
	return r, nil
}

// Size returns the object's size in bytes.
func (r *reader) Size() int64 { return r.size }

func (r *reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fs.ErrClosed
	}
	if r.off >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > r.size-r.off {
		p = p[:r.size-r.off]
	}
	var n int
	err := r.s.retry(r.ctx, "get", r.key, func() error {
		if r.body == nil || r.bodyOff != r.off {
			r.dropBody()
			opts := minio.GetObjectOptions{}
			if err := opts.SetRange(r.off, 0); err != nil {
				return err
			}
			body, _, header, err := r.s.core.GetObject(r.ctx, r.s.bucket, r.key, opts)
			if err != nil {
				return err
			}
			if header.Get("Content-Range") == "" && r.off > 0 {
				// The server ignored the range and sent it all.
				if _, err := io.CopyN(io.Discard, body, r.off); err != nil {
					body.Close()
					return err
				}
			}
			r.body, r.bodyOff = body, r.off
		}
		k, err := r.body.Read(p)
		r.off += int64(k)
		r.bodyOff += int64(k)
		n = k
		switch {
		case k > 0:
			if err != nil && !errors.Is(err, io.EOF) {
				r.dropBody() // resume from off next time
			}
			return nil
		case err == nil:
			return nil
		case errors.Is(err, io.EOF):
			// The body ended before the object did: the connection was cut.
			err = io.ErrUnexpectedEOF
		}
		r.dropBody()
		return err
	})
	if err != nil {
		return n, err
	}
	return n, nil
}

func (r *reader) dropBody() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
}

// Seek sets the offset of the next Read. It makes no request.
func (r *reader) Seek(offset int64, whence int) (int64, error) {
	if r.closed {
		return 0, fs.ErrClosed
	}
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.off + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, fmt.Errorf("s3store: seek %s: bad whence %d", r.key, whence)
	}
	if abs < 0 {
		return 0, fmt.Errorf("s3store: seek %s: negative position %d", r.key, abs)
	}
	r.off = abs
	return abs, nil
}

// ReadAt reads len(p) bytes at off with its own range request, leaving
// the stream's position alone. It is safe to call concurrently.
func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	if r.closed {
		return 0, fs.ErrClosed
	}
	if off < 0 {
		return 0, fmt.Errorf("s3store: read %s: negative offset %d", r.key, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := p
	if int64(len(want)) > r.size-off {
		want = want[:r.size-off]
	}
	n := 0
	err := r.s.retry(r.ctx, "get", r.key, func() error {
		opts := minio.GetObjectOptions{}
		if err := opts.SetRange(off+int64(n), off+int64(len(want))-1); err != nil {
			return err
		}
		body, _, header, err := r.s.core.GetObject(r.ctx, r.s.bucket, r.key, opts)
		if err != nil {
			return err
		}
		defer body.Close()
		if header.Get("Content-Range") == "" && off+int64(n) > 0 {
			if _, err := io.CopyN(io.Discard, body, off+int64(n)); err != nil {
				return err
			}
		}
		k, err := io.ReadFull(body, want[n:])
		n += k
		return err
	})
	if err != nil {
		return n, err
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Close releases the response body.
func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.dropBody()
	return nil
}

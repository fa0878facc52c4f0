package hls

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/airkeep/airkeep/hls/playlist"
)

// blobCache holds small resources fetched once and shared: init sections
// per worker (wubloader prepends the map to every segment file) and keys
// per variant. Concurrent misses for one key share a single fetch; the
// cache keeps the last max entries.
type blobCache struct {
	max int
	// fetches counts the shared fetches in flight; the variant that owns
	// the cache waits for it, so that no fetch outlives Run.
	fetches *sync.WaitGroup
	sf      singleflight.Group
	mu      sync.Mutex
	order   []string
	data    map[string][]byte
}

func newBlobCache(max int, fetches *sync.WaitGroup) *blobCache {
	return &blobCache{max: max, fetches: fetches, data: make(map[string][]byte)}
}

func (c *blobCache) get(ctx context.Context, key string, fetch func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if b, ok := c.data[key]; ok {
		c.mu.Unlock()
		return b, nil
	}
	c.mu.Unlock()
	// The shared fetch runs under the first caller's context; a caller
	// that gives up early makes the others retry, never hang. Each caller
	// waits in a goroutine of its own, counted in c.fetches, rather than
	// in DoChan's, which nobody would wait for.
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	c.fetches.Add(1)
	go func() {
		defer c.fetches.Done()
		v, err, _ := c.sf.Do(key, func() (any, error) { return c.fetchAndKeep(ctx, key, fetch) })
		b, _ := v.([]byte)
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		return r.b, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fetchAndKeep fetches key and caches it, keeping the last c.max keys.
func (c *blobCache) fetchAndKeep(ctx context.Context, key string, fetch func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	b, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.data[key]; !ok {
		c.data[key] = b
		c.order = append(c.order, key)
		if len(c.order) > c.max {
			delete(c.data, c.order[0])
			c.order = c.order[1:]
		}
	}
	return b, nil
}

// errBadPadding reports AES-128 data whose PKCS#7 padding is wrong: a wrong
// key or IV, or a body that is not what the playlist says.
var errBadPadding = errors.New("hls: AES-128 segment has bad PKCS#7 padding")

// cbcReader decrypts AES-128-CBC as it streams (RFC 8216 §4.3.2.4), holding
// back the last block until EOF to strip its PKCS#7 padding. If the stream
// breaks, what was decrypted so far has been returned: the partial segment
// is stored decrypted too.
type cbcReader struct {
	r    io.Reader
	mode cipher.BlockMode
	in   []byte // ciphertext not yet decrypted (< one block, or the held block)
	out  []byte // plaintext ready to return
	buf  []byte
	eof  bool
	err  error
}

func newCBCReader(r io.Reader, key, iv []byte) (*cbcReader, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &cbcReader{r: r, mode: cipher.NewCBCDecrypter(b, iv), buf: make([]byte, 32*1024)}, nil
}

// ivFor returns the IV of a segment: the key's own, or its MSN as a
// 128-bit big-endian number.
func ivFor(k *playlist.Key, msn uint64) []byte {
	if k.IV != nil {
		return k.IV
	}
	iv := make([]byte, 16)
	binary.BigEndian.PutUint64(iv[8:], msn)
	return iv
}

func (c *cbcReader) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.eof {
			return 0, io.EOF
		}
		n, err := c.r.Read(c.buf)
		c.in = append(c.in, c.buf[:n]...)
		if err == io.EOF {
			c.eof = true
			if len(c.in)%aes.BlockSize != 0 || len(c.in) == 0 {
				if len(c.in) != 0 {
					c.err = fmt.Errorf("hls: AES-128 segment of %d bytes is not whole blocks", len(c.in))
				}
				continue
			}
			c.mode.CryptBlocks(c.in, c.in)
			pad := int(c.in[len(c.in)-1])
			if pad == 0 || pad > aes.BlockSize {
				c.err = errBadPadding
				continue
			}
			for _, x := range c.in[len(c.in)-pad:] {
				if int(x) != pad {
					c.err = errBadPadding
				}
			}
			if c.err == nil {
				c.out = c.in[:len(c.in)-pad]
			}
			c.in = nil
			continue
		}
		if err != nil {
			c.err = err
		}
		// Decrypt all whole blocks but the last, which may hold padding.
		whole := len(c.in) / aes.BlockSize * aes.BlockSize
		if whole == len(c.in) {
			whole -= aes.BlockSize
		}
		if whole > 0 {
			c.mode.CryptBlocks(c.in[:whole], c.in[:whole])
			c.out = append(c.out[:0], c.in[:whole]...)
			c.in = append(c.in[:0], c.in[whole:]...)
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

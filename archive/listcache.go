package archive

import (
	"container/list"
	"sync"
	"time"
)

// mtimeSlack is how long after a folder's last change a listing must have
// been taken to be trusted later on the strength of an unchanged mtime alone.
// Some file systems keep coarse timestamps, so two changes a few
// milliseconds apart can leave the same mtime; a listing taken between them
// would otherwise hide the second forever.
const mtimeSlack = 2 * time.Second

type cachedListing struct {
	mtime    time.Time // the folder's mtime when listed
	listedAt time.Time
	listing  Listing
	sizes    map[string]int64 // by name; a name fixes its content and so its size
}

// fresh reports whether the cached listing still describes a folder whose
// mtime is now mtime.
func (c *cachedListing) fresh(mtime time.Time) bool {
	return c.mtime.Equal(mtime) && c.listedAt.Sub(mtime) > mtimeSlack
}

// lru is a bounded, concurrency-safe least-recently-used map. A negative
// bound disables it.
type lru[K comparable, V any] struct {
	max   int
	mu    sync.Mutex
	order *list.List // of *lruEntry[K, V], most recent first
	items map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key K
	val V
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{max: max, order: list.New(), items: make(map[K]*list.Element)}
}

func (c *lru[K, V]) get(k K) (V, bool) {
	var zero V
	if c.max < 0 {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[K, V]).val, true
}

func (c *lru[K, V]) put(k K, v V) {
	if c.max < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		el.Value.(*lruEntry[K, V]).val = v
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&lruEntry[K, V]{key: k, val: v})
	for c.order.Len() > c.max {
		old := c.order.Remove(c.order.Back()).(*lruEntry[K, V])
		delete(c.items, old.key)
	}
}

func (c *lru[K, V]) forget(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.order.Remove(el)
		delete(c.items, k)
	}
}

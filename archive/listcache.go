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
// bound disables it. With a cost function it also bounds the sum of its
// values' costs (bytes, say): an entry costing more than the whole budget
// is not kept at all.
type lru[K comparable, V any] struct {
	max     int
	maxCost int64
	cost    func(V) int64 // nil: count entries only
	mu      sync.Mutex
	total   int64      // sum of the entries' costs
	order   *list.List // of *lruEntry[K, V], most recent first
	items   map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key  K
	val  V
	cost int64
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{max: max, order: list.New(), items: make(map[K]*list.Element)}
}

// newCostLRU returns an lru of at most max entries whose costs sum to at
// most maxCost.
func newCostLRU[K comparable, V any](max int, maxCost int64, cost func(V) int64) *lru[K, V] {
	c := newLRU[K, V](max)
	c.maxCost, c.cost = maxCost, cost
	return c
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
	var cost int64
	if c.cost != nil {
		cost = c.cost(v)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cost != nil && cost > c.maxCost {
		c.remove(k) // never kept; an older value would be stale
		return
	}
	if el, ok := c.items[k]; ok {
		e := el.Value.(*lruEntry[K, V])
		c.total += cost - e.cost
		e.val, e.cost = v, cost
		c.order.MoveToFront(el)
	} else {
		c.items[k] = c.order.PushFront(&lruEntry[K, V]{key: k, val: v, cost: cost})
		c.total += cost
	}
	for c.order.Len() > c.max || (c.cost != nil && c.total > c.maxCost) {
		c.remove(c.order.Back().Value.(*lruEntry[K, V]).key)
	}
}

func (c *lru[K, V]) forget(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(k)
}

// remove drops k. c.mu must be held.
func (c *lru[K, V]) remove(k K) {
	if el, ok := c.items[k]; ok {
		c.order.Remove(el)
		delete(c.items, k)
		c.total -= el.Value.(*lruEntry[K, V]).cost
	}
}

// size returns the number of entries and the sum of their costs.
func (c *lru[K, V]) size() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.total
}

package s3store

import (
	"container/list"
	"sync"
	"time"

	"github.com/airkeep/airkeep/archive"
)

type hourKey struct{ stream, variant, hour string }

// hourCache keeps recent hour listings, bounded, least recently used out.
//
// A listing fetched while a write through this Store was in flight must not
// be cached after that write's invalidation, or the write would stay hidden
// until the TTL ran out. So every invalidation bumps an epoch and marks its
// key with it; a fetch remembers the epoch it started at and is dropped if
// its key was invalidated since.
type hourCache struct {
	max int

	mu    sync.Mutex
	epoch uint64
	order *list.List // of *cacheEntry, most recent first
	items map[hourKey]*list.Element
}

type cacheEntry struct {
	key       hourKey
	listing   archive.Listing
	fetched   time.Time // when the request that produced listing started
	valid     bool
	invalidAt uint64 // epoch of the key's last invalidation
}

func newHourCache(max int) *hourCache {
	return &hourCache{max: max, order: list.New(), items: make(map[hourKey]*list.Element)}
}

// get returns the cached listing of k if fresh says the time it was
// fetched is recent enough.
func (c *hourCache) get(k hourKey, fresh func(fetched time.Time) bool) (archive.Listing, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return archive.Listing{}, false
	}
	e := el.Value.(*cacheEntry)
	if !e.valid || !fresh(e.fetched) {
		return archive.Listing{}, false
	}
	c.order.MoveToFront(el)
	return e.listing, true
}

// begin returns the epoch a fetch starts at, for put.
func (c *hourCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put caches the listing of k fetched at fetched by a fetch that began at
// epoch start, unless k was invalidated since.
func (c *hourCache) put(k hourKey, l archive.Listing, fetched time.Time, start uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		e := el.Value.(*cacheEntry)
		if e.invalidAt > start || (e.valid && e.fetched.After(fetched)) {
			return // stale, or older than what is cached
		}
		e.listing, e.fetched, e.valid = l, fetched, true
		c.order.MoveToFront(el)
		return
	}
	if c.epoch > start {
		// Something was invalidated since the fetch began and its mark
		// may have been evicted: do not risk caching a stale listing.
		return
	}
	c.insert(&cacheEntry{key: k, listing: l, fetched: fetched, valid: true})
}

// invalidate drops the listing of k: something was written to its hour.
func (c *hourCache) invalidate(k hourKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if el, ok := c.items[k]; ok {
		e := el.Value.(*cacheEntry)
		e.valid, e.listing, e.invalidAt = false, archive.Listing{}, c.epoch
		return
	}
	c.insert(&cacheEntry{key: k, invalidAt: c.epoch})
}

func (c *hourCache) insert(e *cacheEntry) {
	c.items[e.key] = c.order.PushFront(e)
	for c.order.Len() > c.max {
		old := c.order.Remove(c.order.Back()).(*cacheEntry)
		delete(c.items, old.key)
	}
}

// len returns the number of entries, for tests.
func (c *hourCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

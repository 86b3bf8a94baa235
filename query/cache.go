package query

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// DefaultCacheBytes bounds the engine's cache of evaluated conditions. A condition's member
// set over a million people is at most about 130 kB as a roaring bitmap, so this keeps
// thousands of them.
const DefaultCacheBytes = 256 << 20

// setCache keeps evaluated conditions as member sets, least recently used first out when
// their bytes exceed the bound, and runs each missing key once however many callers ask for
// it at the same time.
type setCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	lru      *list.List // of *cacheEntry, most recent at the front
	entries  map[string]*list.Element
	inflight map[string]*cacheCall
}

type cacheEntry struct {
	key  string
	set  *MemberSet
	size int64
}

type cacheCall struct {
	done chan struct{}
	set  *MemberSet
	err  error
}

func newSetCache(maxBytes int64) *setCache {
	return &setCache{maxBytes: maxBytes, lru: list.New(), entries: map[string]*list.Element{},
		inflight: map[string]*cacheCall{}}
}

// get returns the cached set of key, computing it with compute when missing; hit says
// whether it came from the cache (or from another caller's computation). When the caller
// computing a key is cancelled, the callers waiting for it compute it themselves rather
// than inherit the cancellation.
func (c *setCache) get(ctx context.Context, key string, compute func(context.Context) (*MemberSet, error)) (set *MemberSet, hit bool, err error) {
	for {
		c.mu.Lock()
		if el, ok := c.entries[key]; ok {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return el.Value.(*cacheEntry).set, true, nil
		}
		if call, ok := c.inflight[key]; ok {
			c.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
			if call.err == nil {
				return call.set, true, nil
			}
			if isCancel(call.err) && ctx.Err() == nil {
				continue // its caller gave up; try again for ours
			}
			return nil, false, call.err
		}
		call := &cacheCall{done: make(chan struct{})}
		c.inflight[key] = call
		c.mu.Unlock()

		call.set, call.err = compute(ctx)
		c.mu.Lock()
		delete(c.inflight, key)
		if call.err == nil {
			c.put(key, call.set)
		}
		c.mu.Unlock()
		close(call.done)
		return call.set, false, call.err
	}
}

// peek returns the cached set of key, if there is one, without computing it.
func (c *setCache) peek(key string) (*MemberSet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cacheEntry).set, true
}

// put stores a set; c.mu is held.
func (c *setCache) put(key string, set *MemberSet) {
	size := set.sizeBytes() + int64(len(key)) + 64
	if size > c.maxBytes {
		return
	}
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, set: set, size: size})
	c.bytes += size
	for c.bytes > c.maxBytes {
		el := c.lru.Back()
		e := el.Value.(*cacheEntry)
		c.lru.Remove(el)
		delete(c.entries, e.key)
		c.bytes -= e.size
	}
}

// stats reports the entries and bytes held.
func (c *setCache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

// clear empties the cache.
func (c *setCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	c.entries = map[string]*list.Element{}
	c.bytes = 0
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

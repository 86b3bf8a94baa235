package serve

import (
	"context"
	"sync"

	"github.com/segscope/segscope/query"
)

// sharedInfo reads a served store's description once for every session: the store is
// read-only while served, so the first reading holds for all. Sessions asking while it is
// read wait for it; a reading that fails or is cancelled is not kept, and the next session
// asking reads again.
type sharedInfo struct {
	store *query.Store

	mu      sync.Mutex
	info    *query.Info
	reading chan struct{} // closed when the reading under way ends; nil when none is
}

func (s *sharedInfo) read(ctx context.Context) (*query.Info, error) {
	for {
		s.mu.Lock()
		if s.info != nil {
			info := s.info
			s.mu.Unlock()
			return info, nil
		}
		if wait := s.reading; wait != nil {
			s.mu.Unlock()
			select {
			case <-wait:
				continue // read, or failed: look again
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		s.reading = done
		s.mu.Unlock()

		info, err := s.store.Info(ctx)
		s.mu.Lock()
		if err == nil {
			s.info = info
		}
		s.reading = nil
		s.mu.Unlock()
		close(done)
		return info, err
	}
}

package serve

import (
	"context"
	"sync"
	"testing"

	"github.com/segscope/segscope/query"
)

// TestSharedInfoIsReadOnce: sessions asking for the store's description at the same time,
// and later, all get the one reading.
func TestSharedInfoIsReadOnce(t *testing.T) {
	shared := &sharedInfo{store: sealedDemo(t)}
	got := make([]*query.Info, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			info, err := shared.read(context.Background())
			if err != nil {
				t.Error(err)
			}
			got[i] = info
		})
	}
	wg.Wait()
	later, err := shared.read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, info := range got {
		if info == nil || info != later {
			t.Errorf("session %d got a reading of its own", i)
		}
	}
	if later.Events == 0 {
		t.Error("the shared reading is empty")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&sharedInfo{store: sealedDemo(t)}).read(ctx); err == nil {
		t.Error("a cancelled first reading succeeded")
	}
}

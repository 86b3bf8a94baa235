package demo

import (
	"context"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	store, err := Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	t.Logf("demo store built in %v", time.Since(start))
	info, err := store.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Users != 3000 || info.Events == 0 || info.Rejected != 0 {
		t.Errorf("demo store: %d users, %d events, %d rejected; want 3000 users, events, none rejected", info.Users, info.Events, info.Rejected)
	}
	if len(info.Attributes) == 0 {
		t.Error("demo store has no user attributes: the users file was not loaded")
	}
}

package server

import (
	"context"
	"strings"
	"testing"
)

// TestBoundedCache: the query caches hold at most their byte budget, whatever the number
// of distinct queries (gqlgen's held 1,000 documents of any size: about 1.2 GB of parsed
// 16 KiB queries), and never one entry larger than a quarter of it.
func TestBoundedCache(t *testing.T) {
	ctx := context.Background()
	c := newBoundedCache(1000, 64<<10, func(k, v string) int { return len(k) + len(v) })
	for i := 0; i < 5000; i++ {
		k := strings.Repeat("q", 100) + string(rune('a'+i%26)) + strings.Repeat("x", i%50) + string(rune(i))
		c.Add(ctx, k, "")
		if c.bytes > c.budget {
			t.Fatalf("after %d additions the cache holds %d bytes, more than its %d", i+1, c.bytes, c.budget)
		}
	}
	c.Add(ctx, strings.Repeat("big", 10000), "")
	if _, ok := c.Get(ctx, strings.Repeat("big", 10000)); ok {
		t.Error("an entry of 30,000 bytes was cached in a 64 KiB budget")
	}
	c.Add(ctx, "small", "v")
	if v, ok := c.Get(ctx, "small"); !ok || v != "v" {
		t.Error("a small entry was not cached")
	}
}

package memstore

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"testing"

	"github.com/chainmap/chainmap"
)

func gcPercent(t *testing.T) int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		t.Fatal("no /gc/gogc:percent metric")
	}
	return int(s[0].Value.Uint64())
}

// TestLoadLowersGCTarget checks that a load lowers the collector's target and that the
// target comes back when the last of two overlapping loads ends, by Commit or by Abort
// (once, however often Abort is called), and that a stricter target is left alone.
func TestLoadLowersGCTarget(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	ctx := context.Background()
	begin := func(s *Store) chainmap.LoadSession {
		l, err := s.BeginLoad(ctx, chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: "x"}})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a, b := begin(New()), begin(New())
	if got := gcPercent(t); got != loadGCPercent {
		t.Fatalf("during loads GOGC is %d, want %d", got, loadGCPercent)
	}
	a.Abort(ctx)
	a.Abort(ctx)
	if got := gcPercent(t); got != loadGCPercent {
		t.Fatalf("with one load still running GOGC is %d, want %d", got, loadGCPercent)
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	b.Abort(ctx)
	if got := gcPercent(t); got != 100 {
		t.Fatalf("after the loads GOGC is %d, want 100 back", got)
	}
	debug.SetGCPercent(20)
	c := begin(New())
	if got := gcPercent(t); got != 20 {
		t.Fatalf("a load changed the operator's stricter GOGC 20 to %d", got)
	}
	c.Abort(ctx)
	if got := gcPercent(t); got != 20 {
		t.Fatalf("after a load GOGC is %d, want the operator's 20", got)
	}
}

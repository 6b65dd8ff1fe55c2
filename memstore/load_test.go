package memstore

import (
	"context"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
)

// TestLoadSessions checks the embedded store's load sessions: nothing is served before
// Commit, a dry run serves nothing, an aborted session's late Abort or Write cannot touch
// the load that followed it, and a committed session cannot write again.
func TestLoadSessions(t *testing.T) {
	ctx := context.Background()
	s := New()
	if _, err := loaders.Load(ctx, "../testdata/minimal", s, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	served := func() string {
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.ID
	}

	dry, err := s.BeginLoad(ctx, chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: "dry"}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := dry.Write(ctx, chainmap.Rows[chainmap.Source]{{ID: "S"}}); err != nil {
		t.Fatal(err)
	}
	if err := dry.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := served(); got != "minimal" {
		t.Errorf("after a dry run the store serves %q, want minimal", got)
	}

	old, err := s.BeginLoad(ctx, chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: "old"}})
	if err != nil {
		t.Fatal(err)
	}
	old.Abort(ctx)
	next, err := s.BeginLoad(ctx, chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: "next"}})
	if err != nil {
		t.Fatalf("BeginLoad after Abort: %v", err)
	}
	old.Abort(ctx) // late: must not end the next load
	if err := old.Write(ctx, chainmap.Rows[chainmap.Source]{{ID: "S"}}); err == nil {
		t.Error("an aborted session wrote")
	}
	if _, err := s.BeginLoad(ctx, chainmap.LoadOptions{}); chainmap.ErrorCode(err) != chainmap.ECONFLICT {
		t.Errorf("BeginLoad while next runs: %v, want CONFLICT", err)
	}
	if err := next.Write(ctx, chainmap.Rows[chainmap.Source]{{ID: "S"}}); err != nil {
		t.Fatal(err)
	}
	if got := served(); got != "minimal" {
		t.Errorf("before Commit the store serves %q", got)
	}
	if err := next.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := served(); got != "next" {
		t.Errorf("after Commit the store serves %q, want next", got)
	}
	if err := next.Write(ctx, chainmap.Rows[chainmap.Source]{{ID: "T"}}); err == nil {
		t.Error("a committed session wrote")
	}
	next.Abort(ctx) // after Commit: nothing
	if got := served(); got != "next" {
		t.Errorf("Abort after Commit changed what is served: %q", got)
	}
}

package memstore

import (
	"context"
	"testing"
	"time"

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

// TestReadersServedWhileIndexing holds a Commit just before it builds the index and
// checks that a reader is served the old dataset meanwhile (the index used to be built
// under the store's lock, blocking every reader for seconds at a million enterprises),
// and the new one once Commit returns.
func TestReadersServedWhileIndexing(t *testing.T) {
	ctx := context.Background()
	s := New()
	if _, err := loaders.Load(ctx, "../testdata/minimal", s, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	indexing, release := make(chan struct{}), make(chan struct{})
	beforeIndex = func() {
		close(indexing)
		<-release
	}
	defer func() { beforeIndex = nil }()
	l, err := s.BeginLoad(ctx, chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: "next"}})
	if err != nil {
		t.Fatal(err)
	}
	committed := make(chan error, 1)
	go func() { committed <- l.Commit(ctx) }()
	<-indexing
	served := make(chan string, 1)
	go func() {
		info, err := s.Info(ctx)
		if err != nil {
			served <- err.Error()
			return
		}
		served <- info.ID
	}()
	select {
	case id := <-served:
		if id != "minimal" {
			t.Errorf("while the next graph is indexed the store serves %q, want minimal", id)
		}
	case <-time.After(30 * time.Second): // a deadline against a hang, not a timing assertion
		t.Fatal("a reader waited for the index of the next graph")
	}
	close(release)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	if info, err := s.Info(ctx); err != nil || info.ID != "next" {
		t.Errorf("after Commit: %v %v, want next", info, err)
	}
}

// TestConcurrentCommits commits one session from two goroutines (a careless caller): one
// Commit serves the graph, the other is refused, and (under -race) the index is never
// built twice at once.
func TestConcurrentCommits(t *testing.T) {
	ctx := context.Background()
	s := New()
	l, err := s.BeginLoad(ctx, chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Write(ctx, chainmap.Rows[chainmap.Enterprise]{{ID: "a", NameZh: "甲", Region: "r"}}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- l.Commit(ctx) }()
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Errorf("two Commits of one session: %v and %v, want one to succeed", e1, e2)
	}
	if info, err := s.Info(ctx); err != nil || info.ID != "x" {
		t.Errorf("after Commit: %v %v", info, err)
	}
}

package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/neotest"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/chainmap/chainmap/server"
)

// TestParallelReloads is issue 12's finding 2: parallel POST /admin/reload crashed the
// server ("fatal error: concurrent map writes" in memstore's Write), and two in parallel
// answered 200 and 422 "Write before Begin" in turn. Now every answer is 200 or 409
// CONFLICT, the process survives, and readers running meanwhile always see the whole
// dataset, never an empty or half-built one.
func TestParallelReloads(t *testing.T) {
	const dir = "../data/zhengzhou-aluminium"
	mem := memstore.New()
	ctx := context.Background()
	if _, err := loaders.Load(ctx, dir, mem, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	want, _ := mem.Counts(ctx)
	tokens, _ := server.ParseTokens("admin-token-0123456789:admin")
	ts := newServer(t, mem, server.Config{Tokens: tokens, Reload: func(ctx context.Context) error {
		// Small batches: many writes per load, so interleaved loads would collide.
		_, err := loaders.Load(ctx, dir, mem, loaders.Options{BatchSize: 3})
		return err
	}})

	stop := make(chan struct{})
	var readers sync.WaitGroup
	var torn []map[string]int
	var tornMu sync.Mutex
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, _ := mem.Counts(ctx)
				if got["enterprises"] != want["enterprises"] || got["operations"] != want["operations"] {
					tornMu.Lock()
					torn = append(torn, got)
					tornMu.Unlock()
				}
			}
		}()
	}

	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for round := 0; round < 4; round++ {
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, body := reload(t, ts.URL, "admin-token-0123456789")
				mu.Lock()
				defer mu.Unlock()
				statuses[status]++
				switch status {
				case http.StatusOK:
				case http.StatusConflict:
					if body["code"] != chainmap.ECONFLICT {
						t.Errorf("409 with code %v, want %s: %v", body["code"], chainmap.ECONFLICT, body)
					}
				default:
					t.Errorf("reload answered %d: %v", status, body)
				}
			}()
		}
		wg.Wait()
	}
	close(stop)
	readers.Wait()
	t.Logf("answers: %v", statuses)
	if statuses[http.StatusOK] == 0 {
		t.Error("no reload succeeded")
	}
	if len(torn) > 0 {
		t.Errorf("readers saw %d torn datasets during reloads, first %v (want %v)", len(torn), torn[0], want)
	}
	if got, _ := mem.Counts(ctx); got["enterprises"] != want["enterprises"] {
		t.Errorf("after the reloads: %v, want %v", got, want)
	}
}

// TestFailedReloadKeepsServing: a reload of a dataset broken since the last one is
// refused with 422 and the previous dataset stays served; once fixed, a reload works
// (the failed load left no half-built state that would refuse the next one).
func TestFailedReloadKeepsServing(t *testing.T) {
	dir := neotest.CopyDataset(t, "../testdata/minimal")
	mem := memstore.New()
	ctx := context.Background()
	if _, err := loaders.Load(ctx, dir, mem, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	want, _ := mem.Counts(ctx)
	tokens, _ := server.ParseTokens("admin-token-0123456789:admin")
	ts := newServer(t, mem, server.Config{Tokens: tokens, Reload: func(ctx context.Context) error {
		_, err := loaders.Load(ctx, dir, mem, loaders.Options{})
		return err
	}})
	good, err := os.ReadFile(filepath.Join(dir, "enterprises.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "enterprises.csv"), append(good, []byte("\"unterminated\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if status, body := reload(t, ts.URL, "admin-token-0123456789"); status != http.StatusUnprocessableEntity {
		t.Errorf("reload of a broken dataset: %d %v, want 422", status, body)
	}
	if got, _ := mem.Counts(ctx); got["enterprises"] != want["enterprises"] || got["enterprises"] == 0 {
		t.Errorf("after a refused reload the store holds %v, want %v", got, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "enterprises.csv"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	if status, body := reload(t, ts.URL, "admin-token-0123456789"); status != http.StatusOK {
		t.Errorf("reload after the fix: %d %v, want 200", status, body)
	}
}

// TestMemstoreLoadsDoNotInterleave: a second BeginLoad while a load runs is refused
// with CONFLICT; a load that fails after BeginLoad is aborted by loaders.Load, so the
// next one starts; the served graph never changes until Commit.
func TestMemstoreLoadsDoNotInterleave(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	sess, err := mem.BeginLoad(ctx, chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = mem.BeginLoad(ctx, chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: "b"}})
	if !errors.Is(err, memstore.ErrLoadInProgress) || chainmap.ErrorCode(err) != chainmap.ECONFLICT {
		t.Fatalf("second BeginLoad: %v, want ErrLoadInProgress (CONFLICT)", err)
	}
	_, err = loaders.Load(ctx, "../testdata/minimal", mem, loaders.Options{})
	if chainmap.ErrorCode(err) != chainmap.ECONFLICT {
		t.Fatalf("a load while another runs: %v, want CONFLICT", err)
	}
	sess.Abort(ctx)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := loaders.Load(cctx, "../testdata/minimal", mem, loaders.Options{}); err == nil {
		t.Fatal("a cancelled load succeeded")
	}
	if _, err := loaders.Load(ctx, "../testdata/minimal", mem, loaders.Options{}); err != nil {
		t.Fatalf("load after a cancelled one: %v", err)
	}
}

func reload(t *testing.T, base, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/admin/reload", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("reload: %v", err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Errorf("reload answered %d with a body that is not JSON: %q", resp.StatusCode, b)
	}
	return resp.StatusCode, body
}

package loaders_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
)

// TestBrokenCorpus runs every broken dataset under testdata/broken: validate must report
// each problem its expect.txt lists (file:line: field: message), and load must refuse it
// and write nothing.
func TestBrokenCorpus(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/broken/*")
	if err != nil || len(dirs) < 15 {
		t.Fatalf("broken corpus: %d cases (%v)", len(dirs), err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, "expect.txt"))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := loaders.Validate(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("validated without problems")
			}
			var got []string
			for _, p := range rep.Problems {
				got = append(got, p.String())
			}
			all := strings.Join(got, "\n")
			for _, want := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				if !strings.Contains(all, want) {
					t.Errorf("missing problem %q; got:\n%s", want, all)
				}
			}
			// The embedded store stages its loads, so it is validated and written in one
			// reading: the load must report what Validate reports, and leave the store
			// empty and ready for the next load.
			store := memstore.New()
			lrep, err := loaders.Load(context.Background(), dir, store, loaders.Options{})
			if err == nil {
				t.Fatal("load accepted a broken dataset")
			}
			var ve *loaders.ValidationError
			if lrep == nil && errors.As(err, &ve) {
				lrep = ve.Report // refused when opened (the manifest)
			}
			var loaded []string
			if lrep != nil {
				for _, p := range lrep.Problems {
					loaded = append(loaded, p.String())
				}
			}
			if l := strings.Join(loaded, "\n"); l != all {
				t.Errorf("load (%v) reported\n%s\nvalidate reported\n%s", err, l, all)
			}
			if _, err := store.Info(context.Background()); err == nil {
				t.Error("the store holds a dataset after a refused load")
			}
			if _, err := loaders.Load(context.Background(), "../testdata/minimal", store, loaders.Options{}); err != nil {
				t.Errorf("the next load into the store: %v", err)
			}
		})
	}
}

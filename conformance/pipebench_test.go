package conformance

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/pipebench"
	"github.com/chainmap/chainmap/server"
)

// TestFiftyWritersLoseNothing is the short form of `chainbench pipeline` (issue 16, item
// 9) on both stores: 50 writers create leads and move them through the stages for 10 s
// (PIPEBENCH_DURATION overrides) through the GraphQL API; afterwards every acknowledged
// write is in the store exactly once, with one audit entry each. Timings are printed, not
// asserted.
func TestFiftyWritersLoseNothing(t *testing.T) {
	d := 10 * time.Second
	if v := os.Getenv("PIPEBENCH_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	}
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			cfg := pipebench.Config{Writers: 50, Duration: d, RunID: "t" + time.Now().Format("150405")}
			spec, _ := pipebench.Tokens(cfg)
			tokens, err := server.ParseTokens(spec)
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(server.New(server.Config{Pipeline: &chainmap.Pipeline{Data: lc.data, Leads: lc.leads},
				Tokens: tokens, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, lc.data, nil).Handler())
			cfg.URL = ts.URL
			res, err := pipebench.Run(context.Background(), cfg)
			ts.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.Failed != 0 {
				t.Errorf("%d requests failed: %v", res.Failed, res.Errors)
			}
			if res.Creates == 0 || res.Moves == 0 {
				t.Fatalf("nothing acknowledged: %d creates, %d moves", res.Creates, res.Moves)
			}
			check, err := pipebench.Verify(ctxT(t), lc.leads, res)
			if err != nil {
				t.Fatal(err)
			}
			if err := check.Err(); err != nil {
				t.Error(err)
			}
			t.Logf("%s: %d writers, %s: %d creates + %d moves acknowledged, %d failed; stored %d leads, %d audit entries; move p50 %s p95 %s p99 %s",
				lc.name, cfg.Writers, res.Elapsed.Round(time.Millisecond), res.Creates, res.Moves, res.Failed, check.Stored, check.AuditEntries,
				pipebench.Percentile(res.MoveLatency, 50), pipebench.Percentile(res.MoveLatency, 95), pipebench.Percentile(res.MoveLatency, 99))
		})
	}
}

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chainmap/chainmap/internal/benchq"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/chainmap/chainmap/server"
	"github.com/chainmap/chainmap/synth"
)

// BenchmarkGapAnalysisRequest measures one whole city gap-analysis request through the
// HTTP handler on the embedded store (10k synthetic enterprises, chainbench's city):
// what a request costs apart from the database, the part issue 18's goal 2 is about.
func BenchmarkGapAnalysisRequest(b *testing.B) {
	dir := b.TempDir()
	if _, err := synth.Generate(dir, synth.Options{Enterprises: 10000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	s := memstore.New()
	if _, err := loaders.Load(context.Background(), dir, s, loaders.Options{}); err != nil {
		b.Fatal(err)
	}
	h := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, s, nil).Handler()
	body, _ := json.Marshal(map[string]any{"query": benchq.Gap, "variables": map[string]any{"chain": "c1", "region": "110100"}})
	do := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := do(); w.Code != http.StatusOK || bytes.Contains(w.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		do()
	}
}

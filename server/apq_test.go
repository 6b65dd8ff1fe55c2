package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chainmap/chainmap/server"
)

// TestPersistedQueryRefusalsAreCoded is a sibling of finding 9 of issue 12 found by the
// review: a persisted-query hash that does not match the query, an unknown version or
// malformed extension data answered INTERNAL_SERVER_ERROR "internal error" and logged at
// ERROR. They are the client's mistakes: PERSISTED_QUERY_INVALID, and no ERROR line.
func TestPersistedQueryRefusalsAreCoded(t *testing.T) {
	ts, logs := logged(t, load(t, "../testdata/minimal"), server.Config{}, true)
	for name, ext := range map[string]any{
		"hash mismatch":   map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)},
		"unknown version": map[string]any{"version": 2, "sha256Hash": strings.Repeat("0", 64)},
		"malformed":       map[string]any{"version": "x"},
	} {
		body, _ := json.Marshal(map[string]any{"query": "{ __typename }", "extensions": map[string]any{"persistedQuery": ext}})
		req, _ := http.NewRequestWithContext(t.Context(), "POST", ts.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if a := do(t, http.DefaultClient, req); a.code != "PERSISTED_QUERY_INVALID" {
			t.Errorf("%s: status %d code %q message %q", name, a.status, a.code, a.message)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a client's mistake was logged as an error:\n%s", logs.String())
	}
}

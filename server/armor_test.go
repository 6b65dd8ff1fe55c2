package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chainmap/chainmap/server"
)

// TestArmorChecks writes the checks of GraphQL Armor and graphql-cop as tests against the
// server in production mode (introspection off).
func TestArmorChecks(t *testing.T) {
	s := load(t, "../testdata/minimal")
	cfg := server.Config{}
	ts := newServer(t, s, cfg)
	prod := httptest.NewServer(server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, s, nil).Handler())
	t.Cleanup(prod.Close)

	t.Run("introspection off in production", func(t *testing.T) {
		_, r := post(t, prod, `{ __schema { queryType { name } } }`)
		if len(r.Errors) == 0 {
			t.Errorf("introspection answered in production: %s", r.Data)
		}
	})
	t.Run("no field suggestions in production", func(t *testing.T) {
		_, r := post(t, prod, `{ chains { nme } }`)
		if len(r.Errors) == 0 || strings.Contains(r.Errors[0].Message, "Did you mean") {
			t.Errorf("suggestions leak the schema: %v", r.Errors)
		}
		_, r = post(t, ts, `{ chains { nme } }`)
		if len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "Did you mean") {
			t.Logf("development mode keeps suggestions: %v", r.Errors)
		}
	})
	t.Run("circular introspection", func(t *testing.T) {
		q := `{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } } } } } } } } }`
		_, r := post(t, ts, q)
		if len(r.Errors) == 0 {
			t.Error("a circular introspection query 20 levels deep was answered")
		}
	})
	t.Run("alias flood", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < 100; i++ {
			b.WriteString(" a" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ": dataset { id }")
		}
		b.WriteString(" }")
		_, r := post(t, ts, b.String())
		if len(r.Errors) == 0 {
			t.Error("100 aliases were answered")
		}
	})
	t.Run("directive overloading", func(t *testing.T) {
		q := "{ dataset " + strings.Repeat("@include(if: true) ", 60) + "{ id } }"
		_, r := post(t, ts, q)
		if len(r.Errors) == 0 {
			t.Error("60 directives were answered")
		}
	})
	t.Run("token flood", func(t *testing.T) {
		q := "{ dataset { " + strings.Repeat("id ", 6000) + "} }"
		_, r := post(t, ts, q)
		if len(r.Errors) == 0 {
			t.Error("6000 tokens were parsed")
		}
	})
	t.Run("batched requests", func(t *testing.T) {
		body := `[{"query":"{ dataset { id } }"},{"query":"{ dataset { id } }"}]`
		resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("a batch of queries was answered with 200")
		}
	})
	t.Run("GET mutation", func(t *testing.T) {
		resp, err := http.Get(ts.URL + "/graphql?query=" + url.QueryEscape("mutation { x }"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `"errors"`) || strings.Contains(string(b), `"data":{`) {
			t.Errorf("GET mutation executed: %d %s", resp.StatusCode, b)
		}
	})
}

package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/chainmap/chainmap/server"
	"github.com/chainmap/chainmap/synth"
)

// TestResolvedFieldsAreBounded is a sibling of finding 1 of issue 12 found by the review
// after it: the complexity limit prices pages but not the lists the schema returns whole,
// so a query like the one below (depth 8, cost 8) over a 20,000-enterprise dataset
// resolved hundreds of millions of fields, ran past the 30 s request deadline and was
// killed for memory (6 GB in 70 s; 22 GB on another run). Over 2,000 enterprises this
// one (depth 10) asks for 335,767 fields (425 MB in the server): the default budget of
// 100,000 must stop it with one error, and a query of an honest size over the same data
// must still answer.
func TestResolvedFieldsAreBounded(t *testing.T) {
	dir := t.TempDir()
	if _, err := synth.Generate(dir, synth.Options{Enterprises: 2000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	ts, _ := logged(t, load(t, dir), server.Config{}, true)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second) // a hang guard only
	defer cancel()

	const amplifying = `{ chain(id: "c1") { segments { operations { enterprise { operations { segment { operations { enterprise { operations { capacity } } } } } } } } } }`
	a := postQuery(t, ctx, ts, amplifying, nil)
	if a.code != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("amplifying query: want COMPLEXITY_LIMIT_EXCEEDED, got status %d code %q, %d bytes", a.status, a.code, len(a.body))
	}
	var r gqlResponse
	if err := json.Unmarshal([]byte(a.body), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 1 {
		t.Errorf("want the stop reported once, got %d errors", len(r.Errors))
	}
	if len(a.body) > 64<<10 {
		t.Errorf("the refused answer is %d bytes; it should carry no partial flood", len(a.body))
	}

	const honest = `{ chain(id: "c1") { segments { id operations { capacity enterprise { nameZh operations { segment { id } } } } } } }`
	if a := postQuery(t, ctx, ts, honest, nil); a.status != 200 || a.code != "" {
		t.Fatalf("honest query: status %d code %q %s", a.status, a.code, a.message)
	}
}

package graph_test

import (
	"context"
	"slices"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/chainmap/chainmap/graph"
	"github.com/chainmap/chainmap/graph/generated"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
)

// newClient serves the resolvers over the embedded store loaded with testdata/minimal,
// through gqlgen's own test client: the GraphQL layer alone, without the HTTP server's
// guards.
func newClient(t *testing.T) *client.Client {
	t.Helper()
	s := memstore.New()
	if _, err := loaders.Load(context.Background(), "../testdata/minimal", s, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	h := handler.New(generated.NewExecutableSchema(*graph.NewSchema(s, nil)))
	h.AddTransport(transport.POST{})
	return client.New(graph.Middleware(s, h))
}

// TestGapAnalysisResolvers: the gap fields read from the domain's report, including the
// suggested count and the verified-only switch (hand-computed on testdata/minimal: in
// 北京市辖区, W2 holds acme-parts, verified, and beta, suggested).
func TestGapAnalysisResolvers(t *testing.T) {
	c := newClient(t)
	type seg struct {
		Segment     struct{ ID string }
		Enterprises int
		Suggested   int
		Capacity    *float64
	}
	var resp struct {
		All, Verified struct{ Segments []seg }
	}
	c.MustPost(`{
		all: gapAnalysis(chain: "widget", scope: {region: "110100"}, orderBy: CHAIN) { segments { segment { id } enterprises suggested capacity } }
		verified: gapAnalysis(chain: "widget", scope: {region: "110100"}, orderBy: CHAIN, verifiedOnly: true) { segments { segment { id } enterprises suggested capacity } }
	}`, &resp)
	find := func(l []seg, id string) seg {
		t.Helper()
		for _, s := range l {
			if s.Segment.ID == id {
				return s
			}
		}
		t.Fatalf("no segment %s in %v", id, l)
		return seg{}
	}
	all, ver := find(resp.All.Segments, "W2"), find(resp.Verified.Segments, "W2")
	if all.Enterprises != 2 || all.Suggested != 1 || all.Capacity == nil || *all.Capacity != 5 {
		t.Errorf("W2, every placement: %+v, want 2 enterprises, 1 suggested, capacity 5", all)
	}
	if ver.Enterprises != 1 || ver.Suggested != 1 || ver.Capacity == nil || *ver.Capacity != 3 {
		t.Errorf("W2, verified only: %+v, want 1 enterprise, 1 suggested left out, capacity 3", ver)
	}
}

// TestScopeCoverageResolver: a park scope covers the park and the parks inside it.
func TestScopeCoverageResolver(t *testing.T) {
	c := newClient(t)
	var resp struct {
		ScopeCoverage struct{ Parks, Regions []string }
	}
	c.MustPost(`{ scopeCoverage(scope: {park: "east-park"}) { parks regions } }`, &resp)
	if !slices.Contains(resp.ScopeCoverage.Parks, "east-park") || !slices.Contains(resp.ScopeCoverage.Parks, "east-sub") {
		t.Errorf("east-park covers %v, want itself and east-sub", resp.ScopeCoverage)
	}
	err := c.Post(`{ scopeCoverage(scope: {region: "110100", park: "east-park"}) { parks } }`, &resp)
	if err == nil {
		t.Error("a scope naming both a region and a park was accepted")
	}
}

// TestListFieldResolvers: list-of-id fields resolve to the records, skipping ids the
// dataset does not hold, in the order given.
func TestListFieldResolvers(t *testing.T) {
	c := newClient(t)
	var resp struct {
		Parks []struct {
			ID      string
			Regions []struct{ ID string }
		}
	}
	c.MustPost(`{ parks { id regions { id } } }`, &resp)
	if len(resp.Parks) == 0 {
		t.Fatal("no parks")
	}
	for _, p := range resp.Parks {
		if len(p.Regions) == 0 {
			t.Errorf("park %s resolved no region", p.ID)
		}
	}
}

package conformance

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/chainmap/chainmap"
)

func ids[T any](t *testing.T, list []*T) []string {
	t.Helper()
	out := make([]string, 0, len(list))
	for _, x := range list {
		v := reflect.ValueOf(x).Elem()
		if f := v.FieldByName("ID"); f.IsValid() {
			out = append(out, f.String())
			continue
		}
		out = append(out, v.Addr().Interface().(interface{ Key() string }).Key())
	}
	return out
}

func wantIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestMinimal(t *testing.T) {
	defer failOnMust(t)
	stores := loadAll(t, "../testdata/minimal")

	t.Run("info and counts", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			info := must(s.Info(ctxT(t)))
			if info.ID != "minimal" || info.FocusChain != "widget" || info.FocusRegion != "110100" {
				t.Errorf("info = %+v", info)
			}
			counts := must(s.Counts(ctxT(t)))
			want := map[string]int{"sources": 1, "chains": 1, "segments": 4, "flows": 2, "regions": 6, "parks": 2,
				"enterprises": 5, "operations": 5, "supply_links": 2, "projects": 2, "policies": 2, "goals": 2,
				"indicators": 1, "platforms": 1, "technologies": 1}
			if !reflect.DeepEqual(counts, want) {
				t.Errorf("counts = %v, want %v", counts, want)
			}
		})
	})

	t.Run("taxonomy", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			segs := must(s.Segments(ctxT(t), chainmap.SegmentQuery{Chain: "widget"}))
			wantIDs(t, "segments", ids(t, segs), []string{"W1", "W2", "W2a", "W3"})
			w1 := segs[0]
			if w1.Stage != chainmap.StageUpstream || w1.Unit != "万吨/年" || w1.MinEnterprises == nil || *w1.MinEnterprises != 1 {
				t.Errorf("W1 = %+v", w1)
			}
			if len(w1.Priorities) != 1 || w1.Priorities[0].Tag() != "延链" || w1.Priorities[0].Clause() != "DOC#2" {
				t.Errorf("W1 priorities = %v", w1.Priorities)
			}
			if len(w1.Sources) != 1 || w1.Sources[0].SourceID() != "DOC" || w1.Sources[0].Locator() != "1" {
				t.Errorf("W1 sources = %v", w1.Sources)
			}
			if segs[2].Parent != "W2" {
				t.Errorf("W2a parent = %q", segs[2].Parent)
			}
			one := must(s.Segments(ctxT(t), chainmap.SegmentQuery{IDs: []string{"W3", "nope", "W1", "W3"}}))
			wantIDs(t, "segments by id", ids(t, one), []string{"W1", "W3"})
			flows := must(s.Flows(ctxT(t), chainmap.FlowQuery{Chain: "widget"}))
			wantIDs(t, "flows", ids(t, flows), []string{"W1>W2", "W2>W3"})
			if flows[0].Coefficient == nil || *flows[0].Coefficient != 1.5 || !flows[0].Illustrative() {
				t.Errorf("flow W1>W2 = %+v", flows[0])
			}
			touching := must(s.Flows(ctxT(t), chainmap.FlowQuery{Segments: []string{"W3"}}))
			wantIDs(t, "flows touching W3", ids(t, touching), []string{"W2>W3"})
		})
	})

	t.Run("regions and parks", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			kids := must(s.Regions(ctxT(t), chainmap.RegionQuery{Parent: "110100"}))
			wantIDs(t, "children of 110100", ids(t, kids), []string{"110105", "110108"})
			if kids[0].Lon == nil || *kids[0].Lon != 116.44 {
				t.Errorf("110105 lon = %v", kids[0].Lon)
			}
			parks := must(s.Parks(ctxT(t), chainmap.ParkQuery{Region: "110000"}))
			wantIDs(t, "parks in Beijing", ids(t, parks), []string{"east-park", "east-sub"})
			none := must(s.Parks(ctxT(t), chainmap.ParkQuery{Region: "310000"}))
			wantIDs(t, "parks in Shanghai", ids(t, none), nil)
			if p := parks[0]; !reflect.DeepEqual(p.FocusSegments, []string{"W2", "W3"}) || p.Kind != "cluster" {
				t.Errorf("east-park = %+v", p)
			}
		})
	})

	t.Run("enterprise filters and pages", func(t *testing.T) {
		defer failOnMust(t)
		f := func(v float64) *float64 { return &v }
		cases := []struct {
			name string
			q    chainmap.EnterpriseQuery
			want []string
		}{
			{"all", chainmap.EnterpriseQuery{}, []string{"acme", "acme-parts", "beta", "delta", "gamma"}},
			{"by ids", chainmap.EnterpriseQuery{IDs: []string{"gamma", "acme", "zzz"}}, []string{"acme", "gamma"}},
			{"region subtree", chainmap.EnterpriseQuery{Region: "110000"}, []string{"acme", "acme-parts", "beta", "delta"}},
			{"park with sub-parks", chainmap.EnterpriseQuery{Park: "east-park"}, []string{"acme", "acme-parts"}},
			{"sub-park", chainmap.EnterpriseQuery{Park: "east-sub"}, []string{"acme-parts"}},
			{"segment subtree", chainmap.EnterpriseQuery{Segment: "W2"}, []string{"acme-parts", "beta"}},
			{"chain", chainmap.EnterpriseQuery{Chain: "widget"}, []string{"acme", "acme-parts", "beta", "delta", "gamma"}},
			{"designation", chainmap.EnterpriseQuery{Designation: "上市"}, []string{"acme", "gamma"}},
			{"status active", chainmap.EnterpriseQuery{Status: "active"}, []string{"acme", "acme-parts", "beta", "gamma"}},
			{"revenue range", chainmap.EnterpriseQuery{MinRevenue: f(50), MaxRevenue: f(100)}, []string{"acme"}},
			{"combined", chainmap.EnterpriseQuery{Region: "110100", Segment: "W2", Designation: "专精特新"}, []string{"acme-parts"}},
			{"ids and region", chainmap.EnterpriseQuery{IDs: []string{"gamma", "beta"}, Region: "110000"}, []string{"beta"}},
			{"text in name", chainmap.EnterpriseQuery{Text: "ACME"}, []string{"acme", "acme-parts"}},
			{"unknown region", chainmap.EnterpriseQuery{Region: "999999"}, nil},
			{"unknown park", chainmap.EnterpriseQuery{Park: "nope"}, nil},
			{"text in Chinese name", chainmap.EnterpriseQuery{Text: "贝塔"}, []string{"beta"}},
			{"text in stock code", chainmap.EnterpriseQuery{Text: "600001"}, []string{"acme"}},
			{"by revenue", chainmap.EnterpriseQuery{Sort: chainmap.SortByRevenue}, []string{"gamma", "acme", "acme-parts", "beta", "delta"}},
			{"by name", chainmap.EnterpriseQuery{Sort: chainmap.SortByName}, []string{"gamma", "delta", "beta", "acme", "acme-parts"}}, // code-point order: 伽 德 贝 阿
		}
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			for _, tc := range cases {
				page := must(s.Enterprises(ctxT(t), tc.q))
				wantIDs(t, tc.name, ids(t, page.Enterprises), tc.want)
				if page.Total != len(tc.want) {
					t.Errorf("%s: total = %d, want %d", tc.name, page.Total, len(tc.want))
				}
			}
			// Paging: two at a time through everything, the total on every page.
			var got []string
			q := chainmap.EnterpriseQuery{First: 2}
			for pages := 0; ; pages++ {
				p := must(s.Enterprises(ctxT(t), q))
				if p.Total != 5 {
					t.Errorf("page total = %d", p.Total)
				}
				got = append(got, ids(t, p.Enterprises)...)
				if !p.HasNext {
					break
				}
				if pages > 5 {
					t.Fatal("paging does not end")
				}
				q.After = p.EndCursor
			}
			wantIDs(t, "paged", got, []string{"acme", "acme-parts", "beta", "delta", "gamma"})
			// Paging by revenue, two at a time, keeps the order across pages.
			got = nil
			q = chainmap.EnterpriseQuery{First: 2, Sort: chainmap.SortByRevenue}
			for pages := 0; pages < 5; pages++ {
				p := must(s.Enterprises(ctxT(t), q))
				got = append(got, ids(t, p.Enterprises)...)
				if !p.HasNext {
					break
				}
				q.After = p.EndCursor
			}
			wantIDs(t, "paged by revenue", got, []string{"gamma", "acme", "acme-parts", "beta", "delta"})
			if _, err := s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{After: q.After, Sort: chainmap.SortByName}); chainmap.ErrorCode(err) != chainmap.EINVALID {
				t.Errorf("a revenue cursor used for the name order: err = %v", err)
			}
			if _, err := s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{After: "not-a-cursor"}); chainmap.ErrorCode(err) != chainmap.EINVALID {
				t.Errorf("bad cursor: err = %v", err)
			}
			acme := must(s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{IDs: []string{"acme"}})).Enterprises[0]
			if acme.Revenue == nil || *acme.Revenue != 60 || *acme.RevenueYear != 2020 || acme.StockCode != "600001" ||
				!reflect.DeepEqual(acme.Designations, []string{"规上", "链主", "上市"}) || acme.Confidence != chainmap.ConfidenceIllustrative {
				t.Errorf("acme = %+v", acme)
			}
		})
	})

	t.Run("operations and links", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			ops := must(s.Operations(ctxT(t), chainmap.OperationQuery{Enterprises: []string{"beta", "acme"}}))
			wantIDs(t, "ops of acme, beta", ids(t, ops), []string{"acme>W3", "beta>W2"})
			if o := ops[1]; o.Capacity == nil || *o.Capacity != 20000 || o.CapacityUnit != "吨" || o.Verification != "suggested" {
				t.Errorf("beta op = %+v", o)
			}
			if o := ops[0]; !reflect.DeepEqual(o.Products, []string{"widget X", "widget Y"}) {
				t.Errorf("acme products = %v", o.Products)
			}
			bySeg := must(s.Operations(ctxT(t), chainmap.OperationQuery{Segments: []string{"W1"}}))
			wantIDs(t, "ops in W1", ids(t, bySeg), []string{"delta>W1", "gamma>W1"})
			links := must(s.SupplyLinks(ctxT(t), chainmap.SupplyLinkQuery{Customers: []string{"beta"}}))
			wantIDs(t, "links to beta", ids(t, links), []string{"gamma>beta>W1"})
			out := must(s.SupplyLinks(ctxT(t), chainmap.SupplyLinkQuery{Suppliers: []string{"acme-parts"}, Customers: []string{"beta"}}))
			wantIDs(t, "links from acme-parts or to beta", ids(t, out), []string{"acme-parts>acme>W2a", "gamma>beta>W1"})
		})
	})

	t.Run("plans", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			wantIDs(t, "projects in Beijing", ids(t, must(s.Projects(ctxT(t), chainmap.ProjectQuery{Region: "110000"}))), []string{"p1"})
			wantIDs(t, "projects in W1", ids(t, must(s.Projects(ctxT(t), chainmap.ProjectQuery{Segment: "W1"}))), []string{"p2"})
			wantIDs(t, "projects of acme", ids(t, must(s.Projects(ctxT(t), chainmap.ProjectQuery{Enterprises: []string{"acme"}}))), []string{"p1"})
			pol := must(s.Policies(ctxT(t), chainmap.PolicyQuery{Segment: "W2a"}))
			wantIDs(t, "policies for W2a", ids(t, pol), []string{"sub1"})
			if p := pol[0]; *p.Rate != 20 || *p.Cap != 1000 || p.Base != "设备投资额" || p.Document != "DOC" {
				t.Errorf("sub1 = %+v", p)
			}
			goals := must(s.Goals(ctxT(t), chainmap.GoalQuery{Region: "110100"}))
			wantIDs(t, "goals", ids(t, goals), []string{"g1", "g2"})
			if g := goals[0]; g.Comparator != "between" || g.TargetValue != 1 || *g.TargetMax != 3 || g.Derive != "count_enterprises(revenue>=50)" {
				t.Errorf("g1 = %+v", g)
			}
			ind := must(s.Indicators(ctxT(t), chainmap.IndicatorQuery{Metric: "output"}))
			if len(ind) != 1 || *ind[0].Share != 40 || ind[0].ShareOf != "110000" {
				t.Errorf("indicators = %+v", ind)
			}
			wantIDs(t, "platforms", ids(t, must(s.Platforms(ctxT(t), chainmap.IDQuery{}))), []string{"lab"})
			tech := must(s.Technologies(ctxT(t), chainmap.IDQuery{IDs: []string{"t1"}}))
			if len(tech) != 1 || !reflect.DeepEqual(tech[0].Platforms, []string{"lab", "acme"}) {
				t.Errorf("technologies = %+v", tech)
			}
			src := must(s.Sources(ctxT(t), chainmap.IDQuery{}))
			if len(src) != 1 || src[0].Title != "Widget plan" || src[0].Licence != "CC0" {
				t.Errorf("sources = %+v", src)
			}
		})
	})

	t.Run("same answers on both stores", func(t *testing.T) {
		defer failOnMust(t)
		if len(stores) < 2 {
			t.Skip("Neo4j not configured")
		}
		sameAnswers(t, stores)
	})
}

// sameAnswers asks every store every kind of question and compares the JSON answers.
func sameAnswers(t *testing.T, stores []storeCase) {
	t.Helper()
	type question struct {
		name string
		ask  func(s chainmap.Store) (any, error)
	}
	qs := []question{
		{"sources", func(s chainmap.Store) (any, error) { return s.Sources(ctxT(t), chainmap.IDQuery{}) }},
		{"chains", func(s chainmap.Store) (any, error) { return s.Chains(ctxT(t), chainmap.IDQuery{}) }},
		{"segments", func(s chainmap.Store) (any, error) { return s.Segments(ctxT(t), chainmap.SegmentQuery{}) }},
		{"flows", func(s chainmap.Store) (any, error) { return s.Flows(ctxT(t), chainmap.FlowQuery{}) }},
		{"regions", func(s chainmap.Store) (any, error) { return s.Regions(ctxT(t), chainmap.RegionQuery{}) }},
		{"parks", func(s chainmap.Store) (any, error) { return s.Parks(ctxT(t), chainmap.ParkQuery{}) }},
		{"enterprises", func(s chainmap.Store) (any, error) { return s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{}) }},
		{"operations", func(s chainmap.Store) (any, error) { return s.Operations(ctxT(t), chainmap.OperationQuery{}) }},
		{"supply links", func(s chainmap.Store) (any, error) { return s.SupplyLinks(ctxT(t), chainmap.SupplyLinkQuery{}) }},
		{"projects", func(s chainmap.Store) (any, error) { return s.Projects(ctxT(t), chainmap.ProjectQuery{}) }},
		{"policies", func(s chainmap.Store) (any, error) { return s.Policies(ctxT(t), chainmap.PolicyQuery{}) }},
		{"goals", func(s chainmap.Store) (any, error) { return s.Goals(ctxT(t), chainmap.GoalQuery{}) }},
		{"indicators", func(s chainmap.Store) (any, error) { return s.Indicators(ctxT(t), chainmap.IndicatorQuery{}) }},
		{"platforms", func(s chainmap.Store) (any, error) { return s.Platforms(ctxT(t), chainmap.IDQuery{}) }},
		{"technologies", func(s chainmap.Store) (any, error) { return s.Technologies(ctxT(t), chainmap.IDQuery{}) }},
		{"counts", func(s chainmap.Store) (any, error) { return s.Counts(ctxT(t)) }},
		{"info", func(s chainmap.Store) (any, error) { return s.Info(ctxT(t)) }},
	}
	for _, q := range qs {
		var first string
		for i, sc := range stores {
			v, err := q.ask(sc.store)
			if err != nil {
				t.Fatalf("%s on %s: %v", q.name, sc.name, err)
			}
			b, _ := json.Marshal(v)
			if i == 0 {
				first = string(b)
				continue
			}
			if string(b) != first {
				t.Errorf("%s differs:\n%s: %s\n%s: %s", q.name, stores[0].name, first, sc.name, b)
			}
		}
	}
}

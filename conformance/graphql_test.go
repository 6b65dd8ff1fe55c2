package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/chainmap/chainmap/server"
)

// apiQueries exercises every top-level query of the API over the bundled dataset.
var apiQueries = []struct{ name, query string }{
	{"dataset", `{ dataset { id titleZh version focusChain { id } focusRegion { id } focusParks { id } } counts { kind count } }`},
	{"chains", `{ chains { id nameZh segments { id stage order } flows { from { id } to { id } coefficient coefficientUnit kind oneWay confidence } } }`},
	{"chain", `{ chain(id: "aluminium") { id segments(stage: UPSTREAM) { id nameZh unit priorities { tag clause { text source { title } } } } } }`},
	{"segment", `{ segment(id: "M1a") { id parent { id } children { id } upstream { id } downstream { id } gbt hs alloySeries operations { enterprise { id } capacity capacityUnit } sources { text locator source { id title } } } }`},
	{"regions", `{ regions(parent: "410100") { id nameZh level lon lat parent { id } children { id } parks { id } } }`},
	{"region", `{ region(id: "410181") { id nameZh enterprises(first: 5) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } }`},
	{"parks", `{ parks(region: "410100") { id nameZh kind regions { id } focusSegments { id } parent { id } } }`},
	{"park", `{ park(id: "gongyi-zone") { id enterprises(first: 50) { totalCount nodes { id } } projects { id } } }`},
	{"enterprise", `{ enterprise(id: "mingtai") { id nameZh stockCode designations revenue revenueYear region { id } park { id } parent { id } operations { segment { id } products capacity verification } supplies { customer { id } } suppliedBy { supplier { id } } projects { id capacity } sources { text } confidence } }`},
	{"enterprises", `{ enterprises(filter: {region: "410100", segment: "M1"}, orderBy: REVENUE, first: 10) { totalCount edges { cursor node { id revenue } } pageInfo { hasNextPage endCursor } } }`},
	{"enterprises by text", `{ enterprises(filter: {text: "铝业"}, orderBy: NAME, first: 20) { totalCount nodes { id nameZh } } }`},
	{"projects", `{ projects(region: "410100") { id nameZh capacity capacityUnit stage enterprise { id } segments { id } sources { text } } }`},
	{"policies", `{ policies(segment: "U4a") { id titleZh instrument rate base cap capPeriod clause document { id } segments { id } } }`},
	{"goals", `{ goals(region: "410100") { id comparator targetValue targetMax unit current currentDerived onTrack } }`},
	{"indicators", `{ indicators(region: "410100") { id metric value unit share qualifier shareOf { id } segment { id } } }`},
	{"bounds", `{ indicators(metric: "employees") { id value qualifier } goals(region: "410100") { id baselineValue baselineQualifier current currentQualifier onTrack } }`},
	{"platforms and technologies", `{ platforms { id kind hosts { id } status } technologies { id segments { id } platformIds } sources { id title licence } }`},
	{"search", `{ search(text: "明泰") { kind id nameZh } }`},
	{"gapAnalysis", `{ gapAnalysis(chain: "aluminium", scope: {region: "410100"}) { present total completeness byStage { stage present total } segments { segment { id } status kind score enterprises capacity lq elsewhere factors { name points } reasonZh balances { from { id } kind net } } } }`},
	{"gapAnalysis verified only", `{ gapAnalysis(chain: "aluminium", scope: {region: "410100"}, verifiedOnly: true) { present segments { segment { id } status kind enterprises suggested capacity } } }`},
	{"scopeCoverage", `{ scopeCoverage(scope: {park: "gongyi-zone"}) { parks regions } }`},
	{"gapAnalysis park", `{ gapAnalysis(chain: "aluminium", scope: {park: "gongyi-zone"}, thresholds: [{minEnterprises: 1}], orderBy: CHAIN) { present segments { segment { id } status kind } } }`},
	{"investmentTargets", `{ investmentTargets(chain: "aluminium", scope: {region: "410100"}, segment: "E1.wheel", first: 5) { enterprise { id } score capacity distanceKm factors { name points } host { park { id } score } } }`},
	{"clusterComposition", `{ clusterComposition(park: "gongyi-zone") { enterprises coverage reference { id } byStage { stage present } segments { segment { id } enterprises lq } hostable { segment { id } } } }`},
	{"roadmap", `{ roadmap(chain: "aluminium", scope: {region: "410100"}, steps: 8) { steps { phase gap { segment { id } score upstream { segment { id } return } } targets { enterprise { id } } host { park { id } } policies { id } after { id } loop { id } } dataGaps { segment { id } } } }`},
	{"whatIf", `{ whatIf(chain: "aluminium", scope: {region: "410100"}, add: [{enterprise: "dicastal", segment: "E1.wheel", park: "dengfeng-cluster"}]) { before { present } after { present } changes { segment { id } statusBefore statusAfter } } }`},
}

// TestGraphQLSameOnBothStores runs every API query through the HTTP handler over each
// store and compares the answers byte for byte; it logs each query's latency per store.
func TestGraphQLSameOnBothStores(t *testing.T) {
	stores := loadAll(t, "../data/zhengzhou-aluminium")
	answers := map[string]map[string]string{}
	type timing struct {
		name  string
		store string
		took  time.Duration
	}
	var timings []timing
	for _, sc := range stores {
		h := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Introspection: true}, sc.store, nil).Handler()
		answers[sc.name] = map[string]string{}
		for _, q := range apiQueries {
			body, _ := json.Marshal(map[string]string{"query": q.query})
			var best time.Duration
			var out string
			status := 0
			for run := 0; run < 3; run++ { // the fastest of three: the first warms caches and plans
				req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(w, req)
				took := time.Since(start)
				if run == 0 || took < best {
					best = took
				}
				out, status = w.Body.String(), w.Code
			}
			var resp struct {
				Data   json.RawMessage `json:"data"`
				Errors []any           `json:"errors"`
			}
			if err := json.Unmarshal([]byte(out), &resp); err != nil {
				t.Errorf("%s on %s: HTTP %d, the answer is not JSON (%v): %.300s", q.name, sc.name, status, err, out)
			} else if status != 200 || len(resp.Errors) > 0 || len(resp.Data) < 4 || string(resp.Data) == "null" {
				t.Errorf("%s on %s: HTTP %d: %.500s", q.name, sc.name, status, out)
			}
			answers[sc.name][q.name] = out
			timings = append(timings, timing{q.name, sc.name, best})
		}
	}
	sort.SliceStable(timings, func(i, j int) bool { return timings[i].name < timings[j].name })
	for _, tm := range timings {
		t.Logf("%-28s %-9s %8.2f ms", tm.name, tm.store, float64(tm.took.Microseconds())/1000)
	}
	if len(stores) < 2 {
		t.Skip("Neo4j not configured: answers not compared")
	}
	for _, q := range apiQueries {
		if a, b := answers[stores[0].name][q.name], answers[stores[1].name][q.name]; a != b {
			t.Errorf("%s differs:\n%s: %s\n%s: %s", q.name, stores[0].name, a, stores[1].name, b)
		}
	}
}

// TestGraphQLAbsentStringsAreNull checks, on both stores, that an optional String the
// dataset leaves empty comes back as null, not "", while a present one keeps its text.
func TestGraphQLAbsentStringsAreNull(t *testing.T) {
	stores := loadAll(t, "../data/zhengzhou-aluminium")
	query := `{ enterprise(id: "zhongfu-industry") { nameZh nameEn shortName creditCode stockCode }
	            sources { id title publisher date url licence } }`
	for _, sc := range stores {
		h := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, sc.store, nil).Handler()
		body, _ := json.Marshal(map[string]string{"query": query})
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var resp struct {
			Data struct {
				Enterprise map[string]*string   `json:"enterprise"`
				Sources    []map[string]*string `json:"sources"`
			} `json:"data"`
			Errors []any `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || len(resp.Errors) > 0 {
			t.Fatalf("%s: %s", sc.name, w.Body.String())
		}
		e, s := resp.Data.Enterprise, map[string]*string(nil)
		for _, src := range resp.Data.Sources {
			if id := src["id"]; id != nil && *id == "GEO" {
				s = src
			}
		}
		if s == nil {
			t.Fatalf("%s: source GEO missing", sc.name)
		}
		for _, f := range []string{"shortName", "creditCode", "stockCode"} {
			if v, ok := e[f]; !ok || v != nil {
				t.Errorf("%s: enterprise.%s = %v, want null (present: %v)", sc.name, f, v, ok)
			}
		}
		for _, f := range []string{"date", "licence"} {
			if v, ok := s[f]; !ok || v != nil {
				t.Errorf("%s: source.%s = %v, want null", sc.name, f, v)
			}
		}
		if e["nameZh"] == nil || *e["nameZh"] != "中孚实业" || e["nameEn"] == nil || s["url"] == nil || *s["url"] == "" {
			t.Errorf("%s: present strings lost: %s", sc.name, w.Body.String())
		}
	}
}

package loaders_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const minimal = "../testdata/minimal"

// copyDataset copies a dataset folder into a temp dir and applies edits (file → func
// rewriting its content), as a new user would break a copy of a good dataset.
func copyDataset(t *testing.T, src string, edits map[string]func(string) string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if fn, ok := edits[e.Name()]; ok {
			s = fn(s)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, fn := range edits {
		if _, err := os.Stat(filepath.Join(dst, name)); os.IsNotExist(err) {
			if err := os.WriteFile(filepath.Join(dst, name), []byte(fn("")), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dst
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("test edit: " + old + " not found")
		}
		return strings.Replace(s, old, new, 1)
	}
}

func appendLine(line string) func(string) string {
	return func(s string) string { return s + line + "\n" }
}

func TestValidateMinimal(t *testing.T) {
	rep, err := loaders.Validate(context.Background(), minimal)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		t.Errorf("unexpected problem: %s", p)
	}
	if rep.Rows[chainmap.KindEnterprises] != 5 || rep.Rows[chainmap.KindSegments] != 4 {
		t.Errorf("rows read = %v", rep.Rows)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("id,title\nDOC,部件规划\n")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		edits map[string]func(string) string
		want  []string // substrings of "file:line: field: message" lines
	}{
		{"typo'd park id", map[string]func(string) string{
			"enterprises.csv": replace("acme,阿克米,Acme,,110105,east-park", "acme,阿克米,Acme,,110105,east-prak"),
		}, []string{`enterprises.csv:2: park: unknown park "east-prak"`}},
		{"duplicate enterprise", map[string]func(string) string{
			"enterprises.csv": appendLine("beta,贝塔二,,,110108,,,,,,,active,"),
		}, []string{`enterprises.csv:7: id: duplicate enterprise "beta" (first defined at enterprises.csv:4)`}},
		{"GBK file", map[string]func(string) string{
			"sources.csv": func(string) string { return gbk },
		}, []string{"sources.csv:2: file is not UTF-8: it looks like GBK/GB18030"}},
		{"negative capacity", map[string]func(string) string{
			"operations.csv": replace("acme,W3,producer,50,", "acme,W3,producer,-50,"),
		}, []string{"operations.csv:2: capacity: must not be negative, got -50"}},
		{"cycle in segments", map[string]func(string) string{
			"segments.csv": replace("W2,widget,,零件", "W2,widget,W2a,零件"),
		}, []string{"segments.csv:", "parent: cycle in the segment hierarchy: W2"}},
		{"unit mismatch", map[string]func(string) string{
			"operations.csv": replace("acme-parts,W2a,producer,3,万吨/年", "acme-parts,W2a,producer,3,万台"),
		}, []string{`operations.csv:3: capacity_unit: unit mismatch: "万台" does not convert to segment W2a's unit "万吨/年"`}},
		{"bad adcode and coordinates", map[string]func(string) string{
			"regions.csv": replace("110108,海淀区,Haidian,county,110100,116.3,39.96", "11010X,海淀区,Haidian,county,110100,216.3,39.96"),
		}, []string{`regions.csv:6: id: "11010X" is not an adcode`, "regions.csv:6: lon: must be at most 180, got 216.3"}},
		{"figure without source", map[string]func(string) string{
			"enterprises.csv": replace("60,2020,600001,规上;链主;上市,active,illustrative", "60,2020,600001,规上;链主;上市,active,"),
		}, []string{"enterprises.csv:2: sources: a figure without a source must be marked confidence illustrative"}},
		{"unknown column", map[string]func(string) string{
			"parks.csv": replace("focus_segments", "focus_segmnts"),
		}, []string{"parks.csv:1: focus_segmnts: unknown column"}},
		{"ragged row", map[string]func(string) string{
			"parks.csv": appendLine("west,西园,West,park,,110108"),
		}, []string{"parks.csv:4: row has 6 fields, the header has 7"}},
		{"unknown source in citation", map[string]func(string) string{
			"chains.csv": replace("DOC#1", "DCO#1"),
		}, []string{`chains.csv:2: sources: unknown source "DCO"`}},
		{"region parent finer", map[string]func(string) string{
			"regions.csv": replace("110000,北京市,Beijing,province,100000", "110000,北京市,Beijing,province,110105"),
		}, []string{`parent: region "110000" (province) cannot sit inside "110105" (county)`}},
		{"keyword also excluded", map[string]func(string) string{
			"segments.csv": func(s string) string {
				s = replace("min_enterprises,priorities,sources", "min_enterprises,priorities,sources,keywords,exclude_keywords")(s)
				return replace("延链@DOC#2,DOC#1", "延链@DOC#2,DOC#1,矿石;精矿,精矿")(s)
			},
		}, []string{`segments.csv:2: exclude_keywords: "精矿" is also a keyword`}},
		{"between without max", map[string]func(string) string{
			"goals.csv": replace("between,1,3,", "between,1,,"),
		}, []string{"goals.csv:2: target_max: is required when comparator is between"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDataset(t, minimal, tc.edits)
			rep, err := loaders.Validate(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("broken dataset validated without problems")
			}
			var all []string
			for _, p := range rep.Problems {
				all = append(all, p.String())
			}
			joined := strings.Join(all, "\n")
			for _, w := range tc.want {
				if !strings.Contains(joined, w) {
					t.Errorf("want a problem containing %q; got:\n%s", w, joined)
				}
			}
		})
	}
}

func TestValidateReportsAllProblemsAtOnce(t *testing.T) {
	dir := copyDataset(t, minimal, map[string]func(string) string{
		"enterprises.csv": replace("east-park,,60", "east-prak,,60"),
		"operations.csv":  replace("acme,W3,producer,50,", "acme,W3,producer,-50,"),
		"parks.csv":       replace("east-sub,东部子园,East sub-park,park,east-park", "east-sub,东部子园,East sub-park,park,east-sub"),
	})
	rep, err := loaders.Validate(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) < 3 {
		t.Fatalf("want at least 3 problems, got %d: %v", len(rep.Problems), rep.Problems)
	}
}

func TestGB18030DeclaredIsDecoded(t *testing.T) {
	dir := copyDataset(t, minimal, map[string]func(string) string{
		"manifest.yaml": replace("licence:", "encoding: gb18030\nlicence:"),
	})
	for _, name := range []string{"sources.csv", "chains.csv", "segments.csv", "flows.csv", "regions.csv", "parks.csv",
		"enterprises.csv", "operations.csv", "supply_links.csv", "projects.csv", "policies.csv", "goals.csv",
		"indicators.csv", "platforms.csv", "technologies.csv"} {
		p := filepath.Join(dir, name)
		b, _ := os.ReadFile(p)
		enc, err := simplifiedchinese.GB18030.NewEncoder().Bytes(b)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(p, enc, 0o644)
	}
	sink := &recordingSink{}
	if _, err := loaders.Load(context.Background(), dir, sink, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range sink.enterprises {
		if e.ID == "acme" && e.NameZh == "阿克米" {
			found = true
		}
	}
	if !found {
		t.Errorf("GB18030 names not decoded: %+v", sink.enterprises)
	}
}

func TestLoadWritesNothingOnProblems(t *testing.T) {
	dir := copyDataset(t, minimal, map[string]func(string) string{
		"operations.csv": replace("acme,W3,producer,50,", "acme,W3,producer,-50,"),
	})
	sink := &recordingSink{}
	_, err := loaders.Load(context.Background(), dir, sink, loaders.Options{})
	if err == nil {
		t.Fatal("load of a broken dataset succeeded")
	}
	if sink.begun || sink.batches > 0 {
		t.Errorf("sink was written to: begun=%v batches=%d", sink.begun, sink.batches)
	}
}

func TestLoadBatchesAndKeys(t *testing.T) {
	sink := &recordingSink{}
	if _, err := loaders.Load(context.Background(), minimal, sink, loaders.Options{BatchSize: 2}); err != nil {
		t.Fatal(err)
	}
	if len(sink.enterprises) != 5 {
		t.Errorf("enterprises = %d, want 5", len(sink.enterprises))
	}
	if sink.maxBatch > 2 {
		t.Errorf("batch of %d rows, want at most 2", sink.maxBatch)
	}
	if !sink.keys.Has(chainmap.KindOperations, "acme>W3") || !sink.keys.Has(chainmap.KindEnterprises, "delta") {
		t.Errorf("keys incomplete")
	}
	acme := sink.enterprises[0]
	if acme.Revenue == nil || *acme.Revenue != 60 || acme.Confidence != chainmap.ConfidenceIllustrative {
		t.Errorf("acme parsed wrong: %+v", acme)
	}
}

// recordingSink is a chainmap.Loader (and its own LoadSession) that keeps what it is given.
type recordingSink struct {
	begun       bool
	opts        chainmap.LoadOptions
	batches     int
	maxBatch    int
	enterprises []chainmap.Enterprise
	keys        chainmap.KeySet
}

func (r *recordingSink) BeginLoad(_ context.Context, opts chainmap.LoadOptions) (chainmap.LoadSession, error) {
	r.begun, r.opts = true, opts
	return r, nil
}
func (r *recordingSink) Write(_ context.Context, b chainmap.Batch) error {
	r.batches++
	r.maxBatch = max(r.maxBatch, b.Len())
	if e, ok := b.(chainmap.Rows[chainmap.Enterprise]); ok {
		r.enterprises = append(r.enterprises, e...)
	}
	return nil
}
func (r *recordingSink) Commit(context.Context) error { r.keys = r.opts.Keys; return nil }
func (r *recordingSink) Abort(context.Context)        {}

// TestValidateFlowCycle: flows may loop; only a loop through a flow marked one_way is
// reported, at that flow's line.
func TestValidateFlowCycle(t *testing.T) {
	for _, c := range []struct {
		name, flows string
		want        string
	}{
		{"a recycling loop", "from,to,coefficient,coefficient_unit,kind,one_way,confidence\nW1,W2,1.5,t/t,,,illustrative\nW2,W3,,,,,\nW3,W1,,,return,,\n", ""},
		{"a loop through a one-way input", "from,to,coefficient,coefficient_unit,kind,one_way,confidence\nW1,W2,1.5,t/t,,,illustrative\nW2,W3,,,,true,\nW3,W1,,,return,,\n",
			"flows.csv:3: one_way: flows form a cycle through the one-way flow W2 → W3: W2 → W3 → W1 → W2"},
	} {
		dir := copyDataset(t, minimal, map[string]func(string) string{
			"flows.csv": func(string) string { return c.flows },
		})
		rep, err := loaders.Validate(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range rep.Problems {
			got = append(got, p.String())
		}
		if all := strings.Join(got, "\n"); (c.want == "" && len(got) != 0) || (c.want != "" && !strings.Contains(all, c.want)) {
			t.Errorf("%s: problems %v, want %q", c.name, got, c.want)
		}
	}
}

// TestLoadWriteFailureStopsTheLoad checks the pipelined load: batches reach the sink in
// the dataset's order (kinds never interleave), and when a write fails the load returns
// that error (not the reader's cancellation), writes nothing more, never commits and
// aborts the session.
func TestLoadWriteFailureStopsTheLoad(t *testing.T) {
	var kinds []chainmap.Kind
	ok := &orderSink{seen: &kinds}
	if _, err := loaders.Load(context.Background(), minimal, ok, loaders.Options{BatchSize: 1}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(kinds); i++ {
		for j := 0; j < i-1; j++ {
			if kinds[j] == kinds[i] && kinds[i-1] != kinds[i] {
				t.Fatalf("kind %s written again after %s: %v", kinds[i], kinds[i-1], kinds)
			}
		}
	}
	total := len(kinds)
	for _, failAt := range []int{1, 3, total / 2, total} {
		var got []chainmap.Kind
		s := &orderSink{seen: &got, failAt: failAt}
		_, err := loaders.Load(context.Background(), minimal, s, loaders.Options{BatchSize: 1})
		if err == nil || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "write "+string(kinds[failAt-1])) {
			t.Errorf("fail at write %d: err = %v", failAt, err)
		}
		if len(got) != failAt {
			t.Errorf("fail at write %d: %d writes attempted", failAt, len(got))
		}
		if s.ended {
			t.Errorf("fail at write %d: Commit was called", failAt)
		}
		if !s.aborted {
			t.Errorf("fail at write %d: the session was not aborted", failAt)
		}
	}
}

type orderSink struct {
	seen    *[]chainmap.Kind
	failAt  int
	ended   bool
	aborted bool
}

func (o *orderSink) BeginLoad(context.Context, chainmap.LoadOptions) (chainmap.LoadSession, error) {
	return o, nil
}
func (o *orderSink) Write(_ context.Context, b chainmap.Batch) error {
	*o.seen = append(*o.seen, b.Kind())
	if len(*o.seen) == o.failAt {
		return errors.New("boom")
	}
	return nil
}
func (o *orderSink) Commit(context.Context) error { o.ended = true; return nil }
func (o *orderSink) Abort(context.Context)        { o.aborted = true }

// preparingSink is a load session that prepares batches (chainmap.BatchPreparer) and
// counts changes (chainmap.ChangeCounter), like the Neo4j store's.
type preparingSink struct {
	opts     chainmap.LoadOptions
	prepared int
	written  map[chainmap.Kind]int
	raw      int // batches that reached Write without being prepared
}

type preparedBatch struct {
	kind chainmap.Kind
	n    int
}

func (p preparedBatch) Kind() chainmap.Kind { return p.kind }
func (p preparedBatch) Len() int            { return p.n }

func (p *preparingSink) BeginLoad(_ context.Context, opts chainmap.LoadOptions) (chainmap.LoadSession, error) {
	p.opts, p.written = opts, map[chainmap.Kind]int{}
	return p, nil
}
func (p *preparingSink) Prepare(b chainmap.Batch) (chainmap.Batch, error) {
	p.prepared++
	return preparedBatch{b.Kind(), b.Len()}, nil
}
func (p *preparingSink) Write(_ context.Context, b chainmap.Batch) error {
	if _, ok := b.(preparedBatch); !ok {
		p.raw++
	}
	p.written[b.Kind()] += b.Len()
	return nil
}
func (p *preparingSink) Commit(context.Context) error { return nil }
func (p *preparingSink) Abort(context.Context)        {}
func (p *preparingSink) Changes() map[chainmap.Kind]chainmap.Change {
	out := map[chainmap.Kind]chainmap.Change{}
	for k, n := range p.written {
		out[k] = chainmap.Change{Created: n}
	}
	return out
}

// TestLoadSessionContract checks what Load hands a store and takes back: the dataset
// and the caller's prune and dry-run choices in LoadOptions with the dataset's keys,
// every batch prepared before it is written (so preparing overlaps with writing), and
// the session's change counts in the report.
func TestLoadSessionContract(t *testing.T) {
	p := &preparingSink{}
	rep, err := loaders.Load(context.Background(), minimal, p, loaders.Options{BatchSize: 2, Prune: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.opts.Dataset.ID != "minimal" || !p.opts.Prune || !p.opts.DryRun || p.opts.Keys == nil ||
		!p.opts.Keys.Has(chainmap.KindEnterprises, "acme") {
		t.Errorf("options = %+v", p.opts)
	}
	if p.raw != 0 || p.prepared == 0 {
		t.Errorf("%d batches prepared, %d written unprepared", p.prepared, p.raw)
	}
	for k, n := range rep.Rows {
		if c := rep.Changes[k]; c.Created != n {
			t.Errorf("%s: report says %d created, %d rows read", k, c.Created, n)
		}
	}
	if len(rep.Changes) == 0 {
		t.Error("report has no changes")
	}
}

// TestLoadCancelledAborts: a load cancelled after BeginLoad aborts its session and never
// commits (the store drops its half-built data).
func TestLoadCancelledAborts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var seen []chainmap.Kind
	s := &cancellingSink{orderSink: orderSink{seen: &seen}, cancel: cancel}
	if _, err := loaders.Load(ctx, minimal, s, loaders.Options{BatchSize: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if s.ended || !s.aborted {
		t.Errorf("committed = %v, aborted = %v", s.ended, s.aborted)
	}
}

// cancellingSink cancels the load's context at its second write.
type cancellingSink struct {
	orderSink
	cancel context.CancelFunc
}

func (c *cancellingSink) BeginLoad(context.Context, chainmap.LoadOptions) (chainmap.LoadSession, error) {
	return c, nil
}
func (c *cancellingSink) Write(ctx context.Context, b chainmap.Batch) error {
	if len(*c.seen) == 1 {
		c.cancel()
	}
	return c.orderSink.Write(ctx, b)
}

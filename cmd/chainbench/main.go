// Command chainbench is chainmap's benchmark (issue 7). From one command it generates
// synthetic datasets with `chainmap gen` (10k, 100k, 1M enterprises), loads them into a
// local Neo4j of its own and into the embedded store, runs the workloads, measures each
// against a baseline run in the same process on the same machine, and writes
// docs/performance.md with the PROFILE of every query the analysis sends.
//
// It only talks to 127.0.0.1: its own Neo4j (scripts/neo4j.sh with its own home and
// port), the chainmap servers and the @neo4j/graphql peer it starts, and it stops only
// the processes it started. Every loop is bounded in count and in time.
//
//	go build -o bin/chainmap ./cmd/chainmap && go build -o bin/chainbench ./cmd/chainbench
//	bin/chainbench --chainmap bin/chainmap --tiers 10k,100k,1m --out docs/performance.md
//
// scripts/bench.sh does exactly that (and installs the peer's npm packages).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

type options struct {
	chainmap    string
	repo        string
	work        string
	tiers       []string
	smoke       bool
	out         string
	jsonOut     string
	iterations  int
	warmup      int
	clients     int
	duration    time.Duration
	maxRequests int
	batch       int
	neo4jHome   string
	neo4jPort   int
	neo4jHeap   string
	pagecache   string
	peer        bool
	peerDir     string
	node        string
	neo4j       bool
	embedded    bool
	baseline    bool
	gobench     bool
	command     string
	merge       string
	loadOnly    bool
	baseSchema  bool
	reuseDB     bool
	timeout     time.Duration
	// throughputFirst measures the mixed throughput before the latency figures (after a
	// warm-up of the mix): a one-off tier whose later figures may not finish in time.
	throughputFirst bool
	// checkpoint, when set, writes what has been measured so far (see run).
	checkpoint func()
}

// save writes the results measured so far, if the run keeps a results file: each tier's
// figures are on disk as soon as they are measured, so a run stopped by a deadline loses
// only the figure it was measuring.
func (o options) save() {
	if o.checkpoint != nil {
		o.checkpoint()
	}
}

// modes are the flags that pick what chainbench does instead of (or after) the benchmark.
type modes struct {
	render, compare, compareURI, compareData string
	// guard is the committed ratio file the run is compared with (empty: no guard);
	// guardFactor how many times worse a ratio may be before the run fails.
	guard       string
	guardFactor float64
	// ratios is where the run's ratios go (default: beside --out, as .json).
	ratios string
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("chainbench: ")
	if len(os.Args) > 1 && os.Args[1] == "pipeline" { // the pipeline's write benchmark (pipeline.go)
		os.Exit(pipelineMain(os.Args[2:]))
	}
	o, m, err := parseFlags()
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	switch {
	case m.render != "":
		err = renderMode(o, m)
	case m.compare != "":
		err = compareMode(ctx, o, m)
	default:
		err = benchMode(ctx, o, m)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// parseFlags reads the command line into options, applies the smoke test's limits and
// the defaults that depend on other flags, and creates the work folder.
func parseFlags() (options, modes, error) {
	var o options
	var m modes
	var tiers string
	flag.StringVar(&o.chainmap, "chainmap", "bin/chainmap", "the chainmap binary to benchmark")
	flag.StringVar(&o.repo, "repo", ".", "the chainmap repository (for scripts/neo4j.sh and the peer)")
	flag.StringVar(&o.work, "work", filepath.Join(os.TempDir(), "chainbench"), "folder for datasets and logs")
	flag.StringVar(&tiers, "tiers", "10k,100k,1m", "dataset sizes in enterprises, comma-separated (10k, 100k, 1m or a number)")
	flag.BoolVar(&o.smoke, "smoke", false, "quick run for CI: few iterations, short throughput runs, no load baseline, no peer, no Go benchmarks; figures printed, ratios checked by --guard")
	flag.StringVar(&m.render, "render", "", "instead of the benchmark, rewrite --out from a results JSON written by an earlier run (--json)")
	flag.StringVar(&m.compare, "compare", "", "A,B: instead of the benchmark, compare two chainmap binaries (before and after a fix) on --compare-uri (a loaded Neo4j) or --compare-data (embedded)")
	flag.StringVar(&m.compareURI, "compare-uri", "", "Neo4j that --compare reads (already loaded)")
	flag.StringVar(&m.compareData, "compare-data", "", "dataset folder that --compare loads into the embedded store")
	flag.StringVar(&m.guard, "guard", "", "after the run, compare its ratios (chainmap ÷ best hand-written Cypher, per question) with this committed ratio file (docs/performance.json) and fail when one is more than --guard-factor × worse")
	flag.Float64Var(&m.guardFactor, "guard-factor", 2, "how many times the committed ratio a measured ratio may reach before --guard fails")
	flag.StringVar(&m.ratios, "ratios", "", "write the run's ratios here (default: beside --out with the extension .json)")
	flag.BoolVar(&o.throughputFirst, "throughput-first", false, "on Neo4j, measure the mixed throughput right after the correctness checks (after --warmup-time of unmeasured mixed requests), before the latency figures: for a long one-off tier whose later figures may not finish in time")
	flag.BoolVar(&o.reuseDB, "reuse-db", false, "skip the loads and query the graph already in the benchmark's Neo4j (one tier; load figures come from --merge)")
	flag.DurationVar(&o.timeout, "serve-timeout", 5*time.Minute, "request and database-call deadline of the chainmap servers measured (chainmap's default is 30 s; raised so that slow analyses are measured rather than cut off)")
	flag.BoolVar(&o.loadOnly, "load-only", false, "measure only the Neo4j loads (workload 1)")
	flag.BoolVar(&o.baseSchema, "baseline-with-chainmap-schema", false, "experiment: the baseline first creates chainmap's constraints and indexes (neo4jstore EnsureSchema), to tell index upkeep from the rest of the load's cost")
	flag.StringVar(&o.merge, "merge", "", "results JSON of an earlier run whose tiers (those not measured now) go into the report too")
	flag.StringVar(&o.out, "out", "", "write the Markdown report here (e.g. docs/performance.md)")
	flag.StringVar(&o.jsonOut, "json", "", "write the raw results here as JSON")
	flag.IntVar(&o.iterations, "iterations", 40, "measured requests per latency figure")
	flag.IntVar(&o.warmup, "warmup", 3, "unmeasured requests before each latency figure (at least; see --warmup-time)")
	flag.DurationVar(&warmupFor, "warmup-time", 15*time.Second, "keep warming each group of measured operations up for this long (at most 300 rounds): a freshly started Neo4j runs its first few hundred queries before the JIT compiles them")
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients of the throughput runs")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "length of each throughput run")
	flag.IntVar(&o.maxRequests, "max-requests", 200000, "most requests of one throughput run")
	flag.IntVar(&o.batch, "batch-size", 2000, "rows per write transaction, for chainmap load and the baseline alike")
	flag.StringVar(&o.neo4jHome, "neo4j-home", "", "home of the benchmark's Neo4j (default <repo>/.neo4j/bench; deleted between loads)")
	flag.IntVar(&o.neo4jPort, "neo4j-port", 7700, "Bolt port of the benchmark's Neo4j on 127.0.0.1")
	flag.StringVar(&o.neo4jHeap, "neo4j-heap", "4g", "Neo4j JVM heap")
	flag.StringVar(&o.pagecache, "neo4j-pagecache", "2g", "Neo4j page cache")
	flag.BoolVar(&o.peer, "peer", true, "measure the @neo4j/graphql peer (needs node and npm packages in scripts/bench)")
	flag.StringVar(&o.node, "node", "node", "node binary for the peer")
	flag.BoolVar(&o.neo4j, "neo4j", true, "run the Neo4j workloads")
	flag.BoolVar(&o.embedded, "embedded", true, "run the embedded-store workloads")
	flag.BoolVar(&o.baseline, "load-baseline", true, "measure the plain-driver load baseline")
	flag.BoolVar(&o.gobench, "gobench", true, "run the Go benchmarks of the pure gap rules (go test -bench) and include them")
	flag.Parse()
	o.command = "chainbench " + strings.Join(os.Args[1:], " ")
	for _, t := range strings.Split(tiers, ",") {
		if t = strings.TrimSpace(t); t != "" {
			o.tiers = append(o.tiers, t)
		}
	}
	if o.smoke {
		applySmoke(&o)
	}
	if m.ratios == "" && o.out != "" {
		m.ratios = ratiosPath(o.out)
	}
	if m.guardFactor <= 1 {
		return o, m, fmt.Errorf("--guard-factor must be above 1, not %g", m.guardFactor)
	}
	if o.neo4jHome == "" {
		o.neo4jHome = filepath.Join(o.repo, ".neo4j", "bench")
	}
	o.peerDir = filepath.Join(o.repo, "scripts", "bench")
	var err error
	if o.chainmap, err = filepath.Abs(o.chainmap); err != nil {
		return o, m, err
	}
	return o, m, os.MkdirAll(o.work, 0o755)
}

// applySmoke cuts the run down to the CI smoke test: few iterations, short warm-up and
// throughput runs, and no peer, Go benchmarks or load baseline unless asked for.
func applySmoke(o *options) {
	o.iterations, o.warmup, o.duration = min(o.iterations, 5), 1, min(o.duration, 2*time.Second)
	warmupFor = min(warmupFor, 2*time.Second)
	if !flagSet("peer") {
		o.peer = false
	}
	if !flagSet("gobench") {
		o.gobench = false
	}
	if !flagSet("load-baseline") {
		o.baseline = false
	}
}

// renderMode rewrites the report (and its ratio file) from the results of an earlier run.
func renderMode(o options, m modes) error {
	b, err := os.ReadFile(m.render)
	if err != nil {
		return err
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		return err
	}
	if o.merge != "" {
		if err := mergeResults(&res, o.merge); err != nil {
			return err
		}
	}
	o.command = res.Command
	if o.jsonOut != "" { // the merged results, for a later run's --merge
		if err := saveResults(o.jsonOut, &res); err != nil {
			return err
		}
	}
	if o.out == "" {
		fmt.Print(report(&res, o))
		return nil
	}
	if err := writeReport(o.out, report(&res, o)); err != nil {
		return err
	}
	return writeRatios(m.ratios, ratiosOf(&res))
}

// compareMode compares two chainmap binaries instead of running the benchmark.
func compareMode(ctx context.Context, o options, m modes) error {
	a, b, err := splitPair(m.compare)
	if err != nil {
		return err
	}
	return compareBinaries(ctx, o, a, b, m.compareURI, m.compareData)
}

// benchMode runs the benchmark, writes what it measured (raw JSON, report, ratios), prints
// the summary, and then applies the ratio guard.
func benchMode(ctx context.Context, o options, m modes) error {
	res, err := run(ctx, o)
	if res != nil && o.merge != "" {
		if merr := mergeResults(res, o.merge); merr != nil {
			log.Print(merr)
		}
	}
	if res != nil {
		writeOutputs(res, o, m)
		fmt.Println(summaryText(res))
	}
	if err != nil {
		return err
	}
	if m.guard != "" {
		return guard(m.guard, res, m.guardFactor)
	}
	return nil
}

// saveResults writes the raw results to path through a temporary file in the same folder
// and a rename, so that a run stopped mid-write leaves the previous complete file.
func saveResults(path string, res *Results) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writeOutputs writes the raw results, the report and its ratio file where asked; a
// failed write is logged, not fatal (the summary still prints).
func writeOutputs(res *Results, o options, m modes) {
	if o.jsonOut != "" {
		if werr := saveResults(o.jsonOut, res); werr != nil {
			log.Print(werr)
		}
	}
	if o.out != "" {
		if werr := writeReport(o.out, report(res, o)); werr != nil {
			log.Print(werr)
		} else {
			log.Printf("wrote %s", o.out)
		}
	}
	if m.ratios != "" {
		if werr := writeRatios(m.ratios, ratiosOf(res)); werr != nil {
			log.Print(werr)
		} else {
			log.Printf("wrote %s", m.ratios)
		}
	}
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

func tierSize(t string) (int, error) {
	s := strings.ToLower(t)
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1000, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1000000, strings.TrimSuffix(s, "m")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad tier %q (10k, 100k, 1m or a number)", t)
	}
	return n * mult, nil
}

// Results is everything one run measured.
type Results struct {
	Machine Machine       `json:"machine"`
	Smoke   bool          `json:"smoke"`
	Tiers   []*TierResult `json:"tiers"`
	GoBench string        `json:"go_bench,omitempty"`
	Merged  []string      `json:"merged_runs,omitempty"`
	Command string        `json:"command,omitempty"`
	Elapsed float64       `json:"elapsed_s"`
}

type Machine struct {
	Date      string  `json:"date"`
	CPU       string  `json:"cpu"`
	Cores     int     `json:"cores"`
	MemGiB    float64 `json:"mem_gib"`
	Kernel    string  `json:"kernel"`
	Go        string  `json:"go"`
	Java      string  `json:"java"`
	Neo4j     string  `json:"neo4j"`
	Node      string  `json:"node"`
	PeerLib   string  `json:"peer_lib"`
	Chainmap  string  `json:"chainmap"`
	Commit    string  `json:"commit"`
	Heap      string  `json:"neo4j_heap"`
	PageCache string  `json:"neo4j_pagecache"`
}

type TierResult struct {
	Tier        string         `json:"tier"`
	Enterprises int            `json:"enterprises"`
	Rows        int            `json:"rows"`
	RowsByTable map[string]int `json:"rows_by_table"`
	GenSeconds  float64        `json:"gen_s"`
	ScopeSize   map[string]int `json:"scope_enterprises"`
	TargetSeg   string         `json:"target_segment"`
	LoadAvg     []string       `json:"loadavg"`
	Load        *LoadResult    `json:"load,omitempty"`
	Neo4j       *StoreResult   `json:"neo4j,omitempty"`
	Embedded    *StoreResult   `json:"embedded,omitempty"`
	Peer        *PeerResult    `json:"peer,omitempty"`
	Profiles    []Profiled     `json:"profiles,omitempty"`
	LoadPlans   []Profiled     `json:"load_plans,omitempty"`
	Checks      []string       `json:"checks"`
	Problems    []string       `json:"problems,omitempty"`
	Seconds     float64        `json:"seconds"`
	FromRun     string         `json:"from_run,omitempty"`
	// Origin is the machine and software of the run a merged tier comes from (its
	// commit and Neo4j settings may differ from this run's).
	Origin *Machine `json:"origin,omitempty"`
}

type LoadResult struct {
	BaselineSeconds float64 `json:"baseline_s"`
	BaselineRate    float64 `json:"baseline_rows_per_s"`
	ChainmapSeconds float64 `json:"chainmap_s"`
	ChainmapRate    float64 `json:"chainmap_rows_per_s"`
	Ratio           float64 `json:"ratio"`
	PeakRSSMiB      float64 `json:"chainmap_load_peak_rss_mib"`
	LoaderCPU       float64 `json:"chainmap_load_cpu_s,omitempty"`
	Neo4jRSSMiB     float64 `json:"neo4j_rss_after_load_mib"`
}

// loadRuns are chainmap's load statements with one batch of parameters each, recorded
// in the first tier.
var loadRuns []capturedRun

type StoreResult struct {
	StartSeconds float64                       `json:"start_s"`
	RSSMiB       float64                       `json:"rss_after_start_mib"`
	RSSAfterMiB  float64                       `json:"rss_after_queries_mib"`
	Latency      map[string]Latency            `json:"latency"`
	Baseline     map[string]map[string]Latency `json:"baseline,omitempty"`
	Ratio        map[string]float64            `json:"ratio_p50,omitempty"`
	RatioP95     map[string]float64            `json:"ratio_p95,omitempty"`
	Throughput   *Throughput                   `json:"throughput,omitempty"`
}

type PeerPair struct {
	Name     string  `json:"name"`
	Chainmap Latency `json:"chainmap"`
	Peer     Latency `json:"peer"`
	Ratio    float64 `json:"ratio_p50"`
	RatioP95 float64 `json:"ratio_p95"`
}

type PeerResult struct {
	Pairs     []PeerPair  `json:"pairs"`
	Chainmap  *Throughput `json:"chainmap_throughput"`
	Peer      *Throughput `json:"peer_throughput"`
	TPRatio   float64     `json:"throughput_ratio"`
	P99Ratio  float64     `json:"p99_ratio"`
	StartSecs float64     `json:"peer_start_s"`
	Check     string      `json:"check"`
}

func run(ctx context.Context, o options) (*Results, error) {
	t0 := time.Now()
	res := &Results{Smoke: o.smoke, Machine: machine(o), Command: o.command}
	defer func() {
		res.Elapsed = time.Since(t0).Seconds()
		if res.Machine.Neo4j == "" {
			res.Machine.Neo4j = neo4jVersion(o)
		}
	}()
	if o.jsonOut != "" {
		o.checkpoint = func() {
			if err := saveResults(o.jsonOut, res); err != nil {
				log.Printf("saving the results so far: %v", err)
			}
		}
	}
	n := &neo4jInstance{script: filepath.Join(o.repo, "scripts", "neo4j.sh"), home: o.neo4jHome, port: o.neo4jPort, heap: o.neo4jHeap, pagecache: o.pagecache}
	if o.neo4j {
		defer func() {
			if err := n.stop(context.Background()); err != nil {
				log.Print(err)
			}
		}()
	}
	if o.gobench {
		res.GoBench = goBench(ctx, o)
	}
	for i, t := range o.tiers {
		size, err := tierSize(t)
		if err != nil {
			return res, err
		}
		tr := &TierResult{Tier: t, Enterprises: size, ScopeSize: map[string]int{}}
		res.Tiers = append(res.Tiers, tr)
		if err := runTier(ctx, o, n, tr, i == 0, res); err != nil {
			tr.Problems = append(tr.Problems, err.Error())
			log.Printf("tier %s: %v", t, err)
			if ctx.Err() != nil {
				return res, err
			}
		}
		o.save()
	}
	return res, nil
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

func runTier(ctx context.Context, o options, n *neo4jInstance, tr *TierResult, first bool, all *Results) error {
	start := time.Now()
	defer func() { tr.Seconds = time.Since(start).Seconds() }()
	tr.LoadAvg = append(tr.LoadAvg, "start "+loadavg())
	defer func() { tr.LoadAvg = append(tr.LoadAvg, "end "+loadavg()) }()
	dir := filepath.Join(o.work, "d"+strings.ToLower(tr.Tier))
	log.Printf("tier %s: generating %d enterprises into %s", tr.Tier, tr.Enterprises, dir)
	gen, err := generate(ctx, o.chainmap, dir, tr.Enterprises)
	if err != nil {
		return err
	}
	tr.GenSeconds = gen.Seconds()
	if tr.RowsByTable, tr.Rows, err = countRows(dir); err != nil {
		return err
	}
	logs := filepath.Join(o.work, "logs-"+strings.ToLower(tr.Tier))
	os.MkdirAll(logs, 0o755)
	if o.neo4j {
		if err := neo4jTier(ctx, o, n, tr, dir, logs, first); err != nil {
			if ctx.Err() != nil {
				return err
			}
			tr.Problems = append(tr.Problems, "Neo4j: "+err.Error())
			log.Printf("tier %s: Neo4j: %v", tr.Tier, err)
		}
		o.save()
		if o.embedded {
			// The embedded store gets the machine to itself.
			if err := n.stop(ctx); err != nil {
				log.Print(err)
			}
		}
	}
	if o.embedded && !o.loadOnly {
		if err := embeddedTier(ctx, o, tr, dir, logs); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// wipe empties the benchmark's Neo4j: a fresh home (restart) for large graphs, Cypher
// deletes for small ones (faster than a restart).
func wipe(ctx context.Context, n *neo4jInstance, small bool) error {
	if !small || n.uri == "" {
		return n.fresh(ctx)
	}
	drv, err := neo4j.NewDriverWithContext(n.uri, neo4j.NoAuth())
	if err != nil {
		return err
	}
	defer drv.Close(context.Background())
	if err := drv.VerifyConnectivity(ctx); err != nil {
		return n.fresh(ctx)
	}
	sess := drv.NewSession(ctx, neo4j.SessionConfig{DatabaseName: "neo4j"})
	defer sess.Close(context.Background())
	r, err := sess.Run(ctx, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS", nil)
	if err == nil {
		_, err = r.Consume(ctx)
	}
	if err != nil {
		return err
	}
	for _, q := range []string{"SHOW CONSTRAINTS YIELD name RETURN name", "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"} {
		res, err := neo4j.ExecuteQuery(ctx, drv, q, nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("neo4j"))
		if err != nil {
			return err
		}
		kind := "CONSTRAINT"
		if strings.Contains(q, "INDEXES") {
			kind = "INDEX"
		}
		for _, rec := range res.Records {
			if _, err := neo4j.ExecuteQuery(ctx, drv, fmt.Sprintf("DROP %s `%s` IF EXISTS", kind, rec.Values[0]), nil,
				neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("neo4j")); err != nil {
				return err
			}
		}
	}
	return nil
}

func neo4jPid(n *neo4jInstance) int {
	b, err := os.ReadFile(filepath.Join(n.home, "neo4j.pid"))
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return p
}

func neo4jTier(ctx context.Context, o options, n *neo4jInstance, tr *TierResult, dir, logs string, first bool) error {
	small := tr.Enterprises <= 20000
	lr := &LoadResult{}
	if o.reuseDB {
		log.Printf("tier %s: Neo4j: reusing the graph already loaded", tr.Tier)
		if err := n.start(ctx); err != nil {
			return err
		}
		return neo4jQueries(ctx, o, n, tr, logs)
	}
	log.Printf("tier %s: Neo4j: empty database", tr.Tier)
	if err := wipe(ctx, n, small); err != nil {
		return err
	}
	tr.Load = lr
	if first && !o.smoke {
		// chainmap's load statements, recorded on a tiny dataset; this also warms the JVM,
		// so that neither load below pays for it (larger tiers restart Neo4j before each).
		runs, err := captureLoadRuns(ctx, o, n, logs)
		if err != nil {
			tr.Problems = append(tr.Problems, "capturing the load statements: "+err.Error())
		}
		loadRuns = runs
		if err := wipe(ctx, n, small); err != nil {
			return err
		}
	}
	if o.baseline {
		log.Printf("tier %s: baseline load (plain driver, UNWIND … CREATE, batch %d)", tr.Tier, o.batch)
		el, rows, err := baselineLoad(ctx, n.uri, dir, o.batch, o.baseSchema)
		if err != nil {
			return err
		}
		lr.BaselineSeconds, lr.BaselineRate = el.Seconds(), float64(rows)/el.Seconds()
		log.Printf("tier %s: baseline %d rows in %.1f s (%.0f rows/s)", tr.Tier, rows, el.Seconds(), lr.BaselineRate)
		if err := wipe(ctx, n, small); err != nil {
			return err
		}
	}
	log.Printf("tier %s: chainmap load", tr.Tier)
	el, rss, err := chainmapLoad(ctx, o.chainmap, n.uri, dir, filepath.Join(logs, "chainmap-load.log"), o.batch)
	if err != nil {
		return err
	}
	lr.ChainmapSeconds, lr.ChainmapRate, lr.PeakRSSMiB = el.Seconds(), float64(tr.Rows)/el.Seconds(), rss
	lr.LoaderCPU = lastLoadCPU.Seconds()
	lr.Neo4jRSSMiB = rssMiB(neo4jPid(n))
	if lr.BaselineRate > 0 {
		lr.Ratio = lr.ChainmapRate / lr.BaselineRate
	}
	log.Printf("tier %s: chainmap load %.1f s (%.0f rows/s, %.2f× baseline), peak RSS %.0f MiB", tr.Tier, el.Seconds(), lr.ChainmapRate, lr.Ratio, rss)
	o.save()

	if o.loadOnly {
		return nil
	}
	return neo4jQueries(ctx, o, n, tr, logs)
}

// neo4jQueries runs workloads 2 to 5 on the loaded graph.
func neo4jQueries(ctx context.Context, o options, n *neo4jInstance, tr *TierResult, logs string) error {
	drv, err := neo4j.NewDriverWithContext(n.uri, neo4j.NoAuth())
	if err != nil {
		return err
	}
	defer drv.Close(context.Background())
	cy := &cypherRunner{drv: drv}
	if len(loadRuns) > 0 {
		log.Printf("tier %s: PROFILE of chainmap's load statements (rolled back)", tr.Tier)
		tr.LoadPlans = profileLoad(ctx, cy, loadRuns)
	}
	for _, sc := range []string{benchCity, benchProvince} {
		r, err := cy.run(ctx, `MATCH (:Region {id: $r})<-[:WITHIN*0..]-(:Region)<-[:LOCATED_IN]-(e:Enterprise) RETURN count(e)`, map[string]any{"r": sc})
		if err == nil {
			tr.ScopeSize[sc] = int(r.Records[0].Values[0].(int64))
		}
	}

	port, err := freePort()
	if err != nil {
		return err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	t0 := time.Now()
	srv, err := start("chainmap serve (neo4j)", filepath.Join(logs, "serve-neo4j.log"), childEnv("NEO4J_URI="+n.uri), o.chainmap,
		serveArgs(o, port, true)...)
	if err != nil {
		return err
	}
	defer srv.stop(10 * time.Second)
	if err := waitHTTP(srv, url+"/readyz", 60*time.Second); err != nil {
		return err
	}
	sr := &StoreResult{StartSeconds: time.Since(t0).Seconds(), RSSMiB: rssMiB(srv.pid()), Latency: map[string]Latency{},
		Baseline: map[string]map[string]Latency{}, Ratio: map[string]float64{}, RatioP95: map[string]float64{}}
	tr.Neo4j = sr
	cl := newClient(url+"/graphql", o.clients)
	if err := prepare(ctx, cl, tr); err != nil {
		tr.Problems = append(tr.Problems, "Neo4j: the first gapAnalysis failed: "+err.Error())
	}
	// Correctness first: the baselines compute what chainmap computes.
	for _, sc := range []string{benchCity, benchProvince} {
		resp, err := cl.do(ctx, gqlRequest{Name: "gapCounts", Query: qGapCounts, Variables: map[string]any{"chain": benchChain, "region": sc}})
		if err != nil {
			tr.Problems = append(tr.Problems, "Neo4j: "+err.Error())
			continue
		}
		cm, err := chainmapStats(resp.Data)
		if err != nil {
			return err
		}
		for _, v := range []string{"traverse", "index"} {
			bs, err := cy.baselineStats(ctx, v, sc)
			if err != nil {
				return fmt.Errorf("baseline %s: %w", v, err)
			}
			if d := sameStats(cm, bs); d != "" {
				tr.Problems = append(tr.Problems, fmt.Sprintf("baseline %s disagrees with chainmap for %s: %s", v, sc, d))
			} else {
				tr.Checks = append(tr.Checks, fmt.Sprintf("hand-written Cypher (%s) gives chainmap's counts and capacities for %s (%d segments present)", v, sc, len(cm)))
			}
		}
	}
	measureThroughput := func() {
		log.Printf("tier %s: throughput (%d clients, %s)", tr.Tier, o.clients, o.duration)
		mix, weights := mixedWorkload(tr)
		if o.throughputFirst {
			// Nothing has warmed the server and Neo4j's JIT up yet: the mix, unmeasured.
			throughput(ctx, cl, mix, weights, o.clients, warmupFor, o.maxRequests, 0, 0)
		}
		tp := throughput(ctx, cl, mix, weights, o.clients, o.duration, o.maxRequests, srv.pid(), neo4jPid(n))
		sr.Throughput = &tp
		sr.RSSAfterMiB = rssMiB(srv.pid())
		log.Printf("tier %s: %.1f req/s, p99 %.0f ms, %d errors", tr.Tier, tp.ReqPerSec, tp.Latency.P99, tp.Errors)
		o.save()
	}
	if o.throughputFirst {
		measureThroughput()
	}
	log.Printf("tier %s: gap analysis latency on Neo4j vs hand-written Cypher", tr.Tier)
	for _, sc := range []struct{ name, region string }{{"city", benchCity}, {"province", benchProvince}} {
		gq := gqlRequest{Name: "gap-" + sc.name, Query: qGap, Variables: map[string]any{"chain": benchChain, "region": sc.region}}
		p := statsParams(sc.region)
		ops := []op{
			{"graphql", func(ctx context.Context) error { _, err := cl.do(ctx, gq); return err }},
			{"traverse", func(ctx context.Context) error { _, err := cy.run(ctx, baselineCypher["traverse"], p); return err }},
			{"index", func(ctx context.Context) error { _, err := cy.run(ctx, baselineCypher["index"], p); return err }},
		}
		ls := interleaved(ctx, ops, o.warmup, o.iterations, budget(o, 4*time.Minute))
		key := "gap-" + sc.name
		sr.Latency[key] = ls[0]
		sr.Baseline[key] = map[string]Latency{"traverse": ls[1], "index": ls[2]}
		best := ls[1]
		if ls[2].P50 > 0 && (best.P50 == 0 || ls[2].P50 < best.P50) {
			best = ls[2]
		}
		if best.P50 > 0 {
			sr.Ratio[key], sr.RatioP95[key] = ls[0].P50/best.P50, ls[0].P95/best.P95
		}
		log.Printf("tier %s: %s p50 %.1f ms p95 %.1f ms; best Cypher p50 %.1f ms (%.2f×)", tr.Tier, key, ls[0].P50, ls[0].P95, best.P50, sr.Ratio[key])
		o.save()
	}
	otherLatencies(ctx, o, cl, tr, sr)
	o.save()

	log.Printf("tier %s: PROFILE of every query chainmap sends", tr.Tier)
	tr.Profiles = profileQueries(ctx, o, n, cy, tr, logs)
	o.save()

	if !o.throughputFirst {
		measureThroughput()
	}

	if o.peer {
		pr, err := peerTier(ctx, o, n, cl, srv.pid(), tr, logs)
		if err != nil {
			tr.Problems = append(tr.Problems, "peer: "+err.Error())
			log.Printf("tier %s: peer: %v", tr.Tier, err)
		}
		tr.Peer = pr
	}
	return nil
}

func budget(o options, d time.Duration) time.Duration {
	if o.smoke {
		return 10 * time.Second
	}
	return d
}

// prepare picks the investment-target segment: the top gap of the city.
func prepare(ctx context.Context, cl *gqlClient, tr *TierResult) error {
	if tr.TargetSeg != "" {
		return nil
	}
	resp, err := cl.do(ctx, gqlRequest{Name: "gap", Query: qGap, Variables: map[string]any{"chain": benchChain, "region": benchCity}})
	if err != nil {
		tr.TargetSeg = "c1.s31a" // the top gap of the city at the smaller tiers
		return err
	}
	var d struct {
		GapAnalysis struct {
			Segments []struct {
				Segment struct{ ID string }
				Status  string
				Factors []struct{ Name string }
			}
		}
	}
	if err := json.Unmarshal(resp.Data, &d); err != nil {
		return err
	}
	// The city's top gap that some enterprise elsewhere could fill (a segment nobody in
	// the dataset operates in has no candidates, and would measure nothing).
	for _, s := range d.GapAnalysis.Segments {
		blank := false
		for _, f := range s.Factors {
			blank = blank || f.Name == "no candidates"
		}
		if s.Status != "STRONG" && !blank {
			tr.TargetSeg = s.Segment.ID
			break
		}
	}
	// No fillable gap: the highest-scored segment that has candidates (targets for 强链).
	for _, s := range d.GapAnalysis.Segments {
		blank := false
		for _, f := range s.Factors {
			blank = blank || f.Name == "no candidates"
		}
		if tr.TargetSeg == "" && !blank {
			tr.TargetSeg = s.Segment.ID
		}
	}
	if tr.TargetSeg == "" && len(d.GapAnalysis.Segments) > 0 {
		tr.TargetSeg = d.GapAnalysis.Segments[0].Segment.ID
	}
	return nil
}

func otherRequests(tr *TierResult, cursor string) []gqlRequest {
	return []gqlRequest{
		{Name: "targets", Query: qTargets, Variables: map[string]any{"chain": benchChain, "region": benchCity, "segment": tr.TargetSeg}},
		{Name: "cluster", Query: qCluster, Variables: map[string]any{"park": benchPark}},
		{Name: "enterprises-p1", Query: qEnterprises, Variables: map[string]any{"region": benchProvince}},
		{Name: "enterprises-p2", Query: qEnterprises, Variables: map[string]any{"region": benchProvince, "after": cursor}},
	}
}

func otherLatencies(ctx context.Context, o options, cl *gqlClient, tr *TierResult, sr *StoreResult) {
	cursor := ""
	if resp, err := cl.do(ctx, gqlRequest{Name: "enterprises", Query: qEnterprises, Variables: map[string]any{"region": benchProvince}}); err == nil {
		var d struct {
			Enterprises struct {
				PageInfo struct{ EndCursor string }
			}
		}
		json.Unmarshal(resp.Data, &d)
		cursor = d.Enterprises.PageInfo.EndCursor
	}
	reqs := otherRequests(tr, cursor)
	var ops []op
	for _, r := range reqs {
		r := r
		ops = append(ops, op{r.Name, func(ctx context.Context) error { _, err := cl.do(ctx, r); return err }})
	}
	ls := interleaved(ctx, ops, o.warmup, o.iterations, budget(o, 4*time.Minute))
	for i, r := range reqs {
		sr.Latency[r.Name] = ls[i]
		log.Printf("tier %s: %s p50 %.1f ms p95 %.1f ms", tr.Tier, r.Name, ls[i].P50, ls[i].P95)
	}
}

func mixedWorkload(tr *TierResult) ([]gqlRequest, []int) {
	mix := []gqlRequest{
		{Name: "gap-city", Query: qGap, Variables: map[string]any{"chain": benchChain, "region": benchCity}},
		{Name: "gap-province", Query: qGap, Variables: map[string]any{"chain": benchChain, "region": benchProvince}},
	}
	mix = append(mix, otherRequests(tr, "")[:3]...)
	return mix, []int{3, 1, 1, 1, 4}
}

// profileQueries runs each analysis through a second chainmap server whose Neo4j
// connection goes through a Bolt proxy, records every query its second run sends (the
// first fills the caches), and PROFILEs each with the parameters it was sent with.
func profileQueries(ctx context.Context, o options, n *neo4jInstance, cy *cypherRunner, tr *TierResult, logs string) []Profiled {
	target := strings.TrimPrefix(n.uri, "bolt://")
	px, err := newBoltProxy(target, true)
	if err != nil {
		tr.Problems = append(tr.Problems, "proxy: "+err.Error())
		return nil
	}
	defer px.close()
	port, err := freePort()
	if err != nil {
		return nil
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	srv, err := start("chainmap serve (profiled)", filepath.Join(logs, "serve-profiled.log"), childEnv("NEO4J_URI="+px.uri()), o.chainmap,
		serveArgs(o, port, true)...)
	if err != nil {
		tr.Problems = append(tr.Problems, err.Error())
		return nil
	}
	defer srv.stop(10 * time.Second)
	if err := waitHTTP(srv, url+"/readyz", 60*time.Second); err != nil {
		tr.Problems = append(tr.Problems, err.Error())
		return nil
	}
	cl := newClient(url+"/graphql", 1)
	reqs := []gqlRequest{
		{Name: "gapAnalysis (city " + benchCity + ")", Query: qGap, Variables: map[string]any{"chain": benchChain, "region": benchCity}},
		{Name: "gapAnalysis (province " + benchProvince + ")", Query: qGap, Variables: map[string]any{"chain": benchChain, "region": benchProvince}},
	}
	for _, r := range otherRequests(tr, "")[:3] {
		r.Name = map[string]string{"targets": "investmentTargets (" + tr.TargetSeg + " into " + benchCity + ")",
			"cluster": "clusterComposition (" + benchPark + ")", "enterprises-p1": "enterprises (" + benchProvince + ", by revenue, first 20)"}[r.Name]
		reqs = append(reqs, r)
	}
	var out []Profiled
	for _, r := range reqs {
		// Once unrecorded, so that what is recorded is a warm server's request (caches
		// per dataset version filled), as every measured request is.
		if _, err := cl.do(ctx, r); err != nil {
			tr.Problems = append(tr.Problems, "profile run: "+err.Error())
		}
		px.take()
		px.setLabel(r.Name)
		if _, err := cl.do(ctx, r); err != nil {
			tr.Problems = append(tr.Problems, "profile run: "+err.Error())
		}
		seen := map[string]int{}
		var uniq []capturedRun
		for _, c := range px.take() {
			if strings.HasPrefix(c.Query, "RETURN 1") {
				continue
			}
			key := c.Query + paramString(c.Params)
			if i, ok := seen[key]; ok {
				_ = i
				seen[key]++
				continue
			}
			seen[key] = 1
			uniq = append(uniq, c)
		}
		for _, c := range uniq {
			p := cy.profile(ctx, c)
			p.Repeats = seen[c.Query+paramString(c.Params)]
			out = append(out, p)
		}
	}
	return out
}

// captureLoadRuns loads a tiny synthetic dataset through the Bolt proxy to record
// chainmap's load statements with one batch of parameters each; every tier then PROFILEs
// them, rolled back, on its full database.
func captureLoadRuns(ctx context.Context, o options, n *neo4jInstance, logs string) ([]capturedRun, error) {
	dir := filepath.Join(o.work, "d-tiny")
	if _, err := generate(ctx, o.chainmap, dir, 20); err != nil {
		return nil, err
	}
	px, err := newBoltProxy(strings.TrimPrefix(n.uri, "bolt://"), true)
	if err != nil {
		return nil, err
	}
	defer px.close()
	if _, _, err := chainmapLoad(ctx, o.chainmap, px.uri(), dir, filepath.Join(logs, "capture-load.log"), o.batch); err != nil {
		return nil, err
	}
	count := map[string]int{}
	var out []capturedRun
	for _, c := range px.take() {
		if !strings.HasPrefix(c.Query, "UNWIND $rows") {
			continue
		}
		if count[c.Query] == 0 {
			c.Label = "load"
			out = append(out, c)
		}
		count[c.Query]++
	}
	return out, nil
}

func profileLoad(ctx context.Context, cy *cypherRunner, runs []capturedRun) []Profiled {
	var out []Profiled
	for _, r := range runs {
		out = append(out, cy.profileRolledBack(ctx, r))
	}
	return out
}

func peerTier(ctx context.Context, o options, n *neo4jInstance, cl *gqlClient, chainmapPid int, tr *TierResult, logs string) (*PeerResult, error) {
	if _, err := os.Stat(filepath.Join(o.peerDir, "node_modules", "@neo4j", "graphql")); err != nil {
		return nil, fmt.Errorf("the peer's packages are not installed (cd scripts/bench && npm ci)")
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	t0 := time.Now()
	p, err := start("@neo4j/graphql peer", filepath.Join(logs, "peer.log"),
		childEnv("NEO4J_URI="+n.uri, fmt.Sprintf("PORT=%d", port)), o.node, filepath.Join(o.peerDir, "peer.mjs"))
	if err != nil {
		return nil, err
	}
	defer p.stop(10 * time.Second)
	if err := waitHTTP(p, url+"/healthz", 60*time.Second); err != nil {
		return nil, err
	}
	pr := &PeerResult{StartSecs: time.Since(t0).Seconds()}
	pc := newClient(url+"/graphql", o.clients)
	// The peer counts direct operations per segment; chainmap counts the segment's
	// subtree. On leaf segments (where synthetic enterprises operate) both must agree.
	for _, sc := range []string{benchCity, benchProvince} {
		a, err := cl.do(ctx, gqlRequest{Name: "gapCounts", Query: qGapCounts, Variables: map[string]any{"chain": benchChain, "region": sc}})
		if err != nil {
			return pr, err
		}
		b, err := pc.do(ctx, gqlRequest{Name: "peerCounts", Query: peerCounts(sc), Variables: map[string]any{"chain": benchChain, "region": sc}})
		if err != nil {
			return pr, err
		}
		cm, _ := chainmapStats(a.Data)
		pm, err := peerLeafCounts(b.Data)
		if err != nil {
			return pr, err
		}
		bad := 0
		for seg, v := range pm {
			if strings.Count(seg, ".") == 1 && len(seg) > len("c1.s11") { // leaf: c1.s11a
				if int(cm[seg][0]) != v {
					bad++
				}
			}
		}
		if bad > 0 {
			tr.Problems = append(tr.Problems, fmt.Sprintf("peer counts differ from chainmap on %d leaf segments for %s", bad, sc))
		} else {
			tr.Checks = append(tr.Checks, fmt.Sprintf("the peer's per-segment counts equal chainmap's on every leaf segment for %s", sc))
		}
	}
	pairs := []struct {
		name   string
		cm, pe gqlRequest
	}{
		{"counts per segment, city " + benchCity,
			gqlRequest{Name: "cm-counts-city", Query: qGapCounts, Variables: map[string]any{"chain": benchChain, "region": benchCity}},
			gqlRequest{Name: "peer-counts-city", Query: peerCounts(benchCity), Variables: map[string]any{"chain": benchChain, "region": benchCity}}},
		{"counts per segment, province " + benchProvince,
			gqlRequest{Name: "cm-counts-province", Query: qGapCounts, Variables: map[string]any{"chain": benchChain, "region": benchProvince}},
			gqlRequest{Name: "peer-counts-province", Query: peerCounts(benchProvince), Variables: map[string]any{"chain": benchChain, "region": benchProvince}}},
		{"paged list with nested segments, province " + benchProvince,
			gqlRequest{Name: "cm-list", Query: qEnterprises, Variables: map[string]any{"region": benchProvince}},
			gqlRequest{Name: "peer-list", Query: peerList(benchProvince), Variables: map[string]any{"region": benchProvince}}},
	}
	var cmMix, peMix []gqlRequest
	for _, pp := range pairs {
		pp := pp
		ls := interleaved(ctx, []op{
			{"chainmap", func(ctx context.Context) error { _, err := cl.do(ctx, pp.cm); return err }},
			{"peer", func(ctx context.Context) error { _, err := pc.do(ctx, pp.pe); return err }},
		}, o.warmup, o.iterations, budget(o, 3*time.Minute))
		pair := PeerPair{Name: pp.name, Chainmap: ls[0], Peer: ls[1]}
		if ls[1].P50 > 0 {
			pair.Ratio, pair.RatioP95 = ls[0].P50/ls[1].P50, ls[0].P95/ls[1].P95
		}
		pr.Pairs = append(pr.Pairs, pair)
		log.Printf("tier %s: peer %s: chainmap p50 %.1f ms, peer p50 %.1f ms (%.2f×)", tr.Tier, pp.name, ls[0].P50, ls[1].P50, pair.Ratio)
		cmMix, peMix = append(cmMix, pp.cm), append(peMix, pp.pe)
	}
	w := []int{1, 1, 1}
	ctp := throughput(ctx, cl, cmMix, w, o.clients, o.duration, o.maxRequests, chainmapPid, neo4jPid(n))
	ptp := throughput(ctx, pc, peMix, w, o.clients, o.duration, o.maxRequests, p.pid(), neo4jPid(n))
	pr.Chainmap, pr.Peer = &ctp, &ptp
	if ptp.ReqPerSec > 0 {
		pr.TPRatio = ctp.ReqPerSec / ptp.ReqPerSec
	}
	if ptp.Latency.P99 > 0 {
		pr.P99Ratio = ctp.Latency.P99 / ptp.Latency.P99
	}
	log.Printf("tier %s: peer mix: chainmap %.1f req/s, peer %.1f req/s (%.2f×)", tr.Tier, ctp.ReqPerSec, ptp.ReqPerSec, pr.TPRatio)
	return pr, nil
}

func embeddedTier(ctx context.Context, o options, tr *TierResult, dir, logs string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	log.Printf("tier %s: embedded store: start", tr.Tier)
	t0 := time.Now()
	srv, err := start("chainmap serve (embedded)", filepath.Join(logs, "serve-embedded.log"), childEnv(), o.chainmap,
		append(serveArgs(o, port, false), "--data", dir)...)
	if err != nil {
		return err
	}
	defer srv.stop(10 * time.Second)
	if err := waitHTTP(srv, url+"/readyz", 20*time.Minute); err != nil {
		return err
	}
	sr := &StoreResult{StartSeconds: time.Since(t0).Seconds(), RSSMiB: rssMiB(srv.pid()), Latency: map[string]Latency{}}
	tr.Embedded = sr
	log.Printf("tier %s: embedded ready in %.1f s, RSS %.0f MiB", tr.Tier, sr.StartSeconds, sr.RSSMiB)
	cl := newClient(url+"/graphql", o.clients)
	if err := prepare(ctx, cl, tr); err != nil {
		tr.Problems = append(tr.Problems, "embedded: the first gapAnalysis failed: "+err.Error())
	}
	var ops []op
	var names []string
	for _, sc := range []struct{ name, region string }{{"city", benchCity}, {"province", benchProvince}} {
		r := gqlRequest{Name: "gap-" + sc.name, Query: qGap, Variables: map[string]any{"chain": benchChain, "region": sc.region}}
		ops = append(ops, op{r.Name, func(ctx context.Context) error { _, err := cl.do(ctx, r); return err }})
		names = append(names, r.Name)
	}
	ls := interleaved(ctx, ops, o.warmup, o.iterations, budget(o, 4*time.Minute))
	for i, nm := range names {
		sr.Latency[nm] = ls[i]
		log.Printf("tier %s: embedded %s p50 %.1f ms p95 %.1f ms", tr.Tier, nm, ls[i].P50, ls[i].P95)
	}
	otherLatencies(ctx, o, cl, tr, sr)
	mix, weights := mixedWorkload(tr)
	tp := throughput(ctx, cl, mix, weights, o.clients, o.duration, o.maxRequests, srv.pid(), 0)
	sr.Throughput = &tp
	sr.RSSAfterMiB = rssMiB(srv.pid())
	log.Printf("tier %s: embedded %.1f req/s, p99 %.0f ms, %d errors, peak RSS %.0f MiB", tr.Tier, tp.ReqPerSec, tp.Latency.P99, tp.Errors, tp.ServerRSS)
	return nil
}

func goBench(ctx context.Context, o options) string {
	log.Print("Go benchmarks of the pure gap rules (go test -bench)")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1", ".")
	cmd.Dir = o.repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Sprintf("go test -bench failed: %v\n%s", err, out)
	}
	return string(out)
}

func machine(o options) Machine {
	m := Machine{Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), Cores: runtime.NumCPU(), Go: runtime.Version(),
		Heap: o.neo4jHeap, PageCache: o.pagecache}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				m.CPU = strings.TrimSpace(l[strings.Index(l, ":")+1:])
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"), "%f", &kb)
		m.MemGiB = kb / 1024 / 1024
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("java", "-version").CombinedOutput(); err == nil {
		m.Java = strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
	}
	if out, err := exec.Command(o.node, "--version").Output(); err == nil {
		m.Node = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile(filepath.Join(o.repo, "scripts", "bench", "node_modules", "@neo4j", "graphql", "package.json")); err == nil {
		var p struct{ Version string }
		json.Unmarshal(b, &p)
		m.PeerLib = "@neo4j/graphql " + p.Version
	}
	if out, err := exec.Command(o.chainmap, "version").Output(); err == nil {
		m.Chainmap = strings.Join(strings.Fields(string(out)), " ")
	}
	if st, err := os.Stat(o.chainmap); err == nil {
		m.Chainmap += ", binary built " + st.ModTime().UTC().Format("2006-01-02 15:04 MST")
	}
	if out, err := exec.Command("go", "version", "-m", o.chainmap).Output(); err == nil {
		rev, mod := "", ""
		for _, l := range strings.Split(string(out), "\n") {
			f := strings.Fields(l)
			if len(f) == 3 && f[0] == "build" && f[1] == "vcs.revision" {
				rev = f[2]
			}
			if len(f) == 3 && f[0] == "build" && f[1] == "vcs.modified" && f[2] == "true" {
				mod = " (with uncommitted changes)"
			}
		}
		if len(rev) >= 7 {
			m.Commit = rev[:7] + mod
		}
	}
	if out, err := exec.Command("git", "-C", o.repo, "rev-parse", "--short", "HEAD").Output(); err == nil && m.Commit == "" {
		m.Commit = "repository at " + strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "-C", o.repo, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			m.Commit += " (with uncommitted changes)"
		}
	}
	m.Neo4j = neo4jVersion(o)
	return m
}

// neo4jVersion names the Neo4j the benchmark runs, from the kernel jar scripts/neo4j.sh
// fetched (empty before the first start of a fresh clone: the run asks again at the end).
func neo4jVersion(o options) string {
	if jars, _ := filepath.Glob(filepath.Join(o.repo, ".neo4j", "lib", "neo4j-kernel-*.jar")); len(jars) > 0 {
		b := filepath.Base(jars[0])
		return "Neo4j Community " + strings.TrimSuffix(strings.TrimPrefix(b, "neo4j-kernel-"), ".jar")
	}
	return ""
}

// mergeResults adds the tiers of an earlier run that this run did not measure, in tier
// order; each tier keeps the baselines of its own run.
func mergeResults(res *Results, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var old Results
	if err := json.Unmarshal(b, &old); err != nil {
		return err
	}
	have := map[int]bool{}
	for _, t := range res.Tiers {
		have[t.Enterprises] = true
	}
	for _, t := range old.Tiers {
		for _, cur := range res.Tiers {
			if cur.Enterprises == t.Enterprises && (cur.Load == nil || cur.Load.ChainmapRate == 0) && t.Load != nil {
				cur.Load, cur.LoadPlans = t.Load, t.LoadPlans
				cur.Checks = append(cur.Checks, "load figures from the run of "+old.Machine.Date+" (this run reused its graph)")
			} else if cur.Enterprises == t.Enterprises && cur.Load != nil && cur.Load.BaselineRate == 0 && t.Load != nil && t.Load.BaselineRate > 0 {
				// This run measured chainmap's load without the baseline (--load-baseline=false):
				// the earlier run's plain-driver load of the same dataset is the baseline.
				cur.Load.BaselineSeconds, cur.Load.BaselineRate = t.Load.BaselineSeconds, t.Load.BaselineRate
				cur.Load.Ratio = cur.Load.ChainmapRate / cur.Load.BaselineRate
				cur.Checks = append(cur.Checks, fmt.Sprintf("the plain-driver baseline load comes from the run of %s (load average %s), not this one",
					old.Machine.Date, strings.Join(t.LoadAvg, ", ")))
			}
			if cur.Enterprises == t.Enterprises && cur.Neo4j == nil && t.Neo4j != nil {
				// This run measured the loads only (--load-only): the queries of the earlier
				// run on the same dataset (workloads 2 to 5) complete the tier, saying so.
				cur.Neo4j, cur.Profiles, cur.ScopeSize, cur.TargetSeg = t.Neo4j, t.Profiles, t.ScopeSize, t.TargetSeg
				if cur.Embedded == nil {
					cur.Embedded = t.Embedded
				}
				commit := ""
				if old.Machine.Commit != "" {
					commit = ", " + old.Machine.Commit
				}
				cur.Checks = append(cur.Checks, fmt.Sprintf("the query figures (gap analysis, other analyses, throughput, PROFILE) come from the run of %s (load average %s%s); this run measured the loads only",
					old.Machine.Date, strings.Join(t.LoadAvg, ", "), commit))
				for _, c := range t.Checks {
					if strings.HasPrefix(c, "hand-written Cypher") {
						cur.Checks = append(cur.Checks, c+" (run of "+old.Machine.Date+")")
					}
				}
			}
		}
		if !have[t.Enterprises] {
			if t.FromRun == "" { // a tier merged twice keeps the run it was measured in
				t.FromRun = old.Machine.Date
				m := old.Machine
				t.Origin = &m
			}
			res.Tiers = append(res.Tiers, t)
		}
	}
	sort.SliceStable(res.Tiers, func(i, j int) bool { return res.Tiers[i].Enterprises < res.Tiers[j].Enterprises })
	if res.GoBench == "" {
		res.GoBench = old.GoBench
	}
	res.Merged = append(res.Merged, old.Machine.Date)
	return nil
}

// serveArgs are the flags of a benchmark server. Each gets a pipeline state file of its
// own (by port), so two benchmark servers never contend for the default one.
func serveArgs(o options, port int, neo bool) []string {
	a := []string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--request-timeout", o.timeout.String(),
		"--state", filepath.Join(o.work, fmt.Sprintf("state-%d.db", port))}
	if neo {
		a = append(a, "--query-timeout", o.timeout.String())
	}
	return a
}

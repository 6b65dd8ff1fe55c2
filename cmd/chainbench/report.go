package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

const (
	notesBegin = "<!-- notes: kept when chainbench rewrites this file -->"
	notesEnd   = "<!-- end of notes -->"
)

// writeReport writes the report, keeping the hand-written notes block of the file it
// replaces.
func writeReport(path, md string) error {
	notes := notesBegin + "\n\n_(No notes yet.)_\n\n" + notesEnd
	if old, err := os.ReadFile(path); err == nil {
		s := string(old)
		if i, j := strings.Index(s, notesBegin), strings.Index(s, notesEnd); i >= 0 && j > i {
			notes = s[i : j+len(notesEnd)]
		}
	}
	md = strings.Replace(md, "{{NOTES}}", notes, 1)
	return os.WriteFile(path, []byte(md), 0o644)
}

func f1(x float64) string {
	if x == 0 {
		return "–"
	}
	if x >= 100 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

func ratio(x float64) string {
	if x == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", x)
}

func yesNo(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}

func lat(l Latency) string {
	if l.N == 0 {
		if l.Errors > 0 {
			return fmt.Sprintf("errors (%d)", l.Errors)
		}
		return "–"
	}
	s := fmt.Sprintf("%s / %s", f1(l.P50), f1(l.P95))
	if l.Errors > 0 {
		s += fmt.Sprintf(" (%d errors)", l.Errors)
	}
	return s
}

func bestBaseline(m map[string]Latency) (string, Latency) {
	name, best := "", Latency{}
	for _, k := range []string{"traverse", "index"} {
		l, ok := m[k]
		if !ok || l.N == 0 {
			continue
		}
		if best.N == 0 || l.P50 < best.P50 {
			name, best = k, l
		}
	}
	return name, best
}

// reportWriter builds the Markdown report of one run, section by section.
type reportWriter struct {
	b strings.Builder
	r *Results
	o options
}

func (rw *reportWriter) w(format string, a ...any) { fmt.Fprintf(&rw.b, format, a...) }

// report renders the whole Markdown report of a run; {{NOTES}} marks where writeReport
// keeps the hand-written notes of the file it replaces.
func report(r *Results, o options) string {
	rw := &reportWriter{r: r, o: o}
	rw.intro()
	rw.machine()
	rw.summary()
	rw.goals()
	for _, t := range r.Tiers {
		rw.tier(t)
	}
	rw.profiles()
	rw.loadPlans()
	rw.goBench()
	rw.w("## Notes and findings\n\n{{NOTES}}\n")
	return rw.b.String()
}

// intro is the opening paragraph and how to reproduce the run.
func (rw *reportWriter) intro() {
	w := rw.w
	r := rw.r
	o := rw.o
	w("# Performance\n\n")
	w("How chainmap behaves when the graph is a thousand times the bundled one (issue 7). Every figure\n")
	w("below was measured in one run of `chainbench` on the machine described, each next to a baseline\n")
	w("measured in the same run; latencies are p50 / p95 in milliseconds over sequential requests on\n")
	w("127.0.0.1, each operation interleaved with its baseline so that both share the machine's noise,\n")
	w("after each group of operations has been warmed up together (at least `--warmup` rounds and\n")
	w("`--warmup-time`, by default 15 s) so that the freshly started Neo4j's JIT has compiled them.\n\n")
	if r.Smoke {
		w("> **Smoke run** (`--smoke`): few iterations and short throughput runs; the figures show that\n> the harness works, not how fast chainmap is.\n\n")
	}
	w("## Reproduce\n\n```sh\nscripts/bench.sh                       # 10k, 100k and 1M tiers, rewrites docs/performance.md\n")
	w("scripts/bench.sh --tier 10k --smoke    # the CI smoke test: fails when a ratio is 2× worse than docs/performance.json\n")
	w("scripts/bench.sh --tier 10k,100k       # any subset; other flags go to chainbench (--help)\n")
	w("go test -run '^$' -bench . -benchmem .  # the pure rules alone (bench_test.go)\n")
	w("bin/chainbench --compare A,B --compare-uri bolt://127.0.0.1:7700   # two chainmap builds, interleaved, answers checked equal\n")
	w("bin/chainbench --tiers 1m --reuse-db --merge OLD.json …             # re-measure queries on an already loaded graph\n")
	w("bin/chainbench --render results.json --out docs/performance.md     # rewrite this file from raw results\n```\n\n")
	w("`scripts/bench.sh` builds `bin/chainmap` and `bin/chainbench`, installs the peer's npm packages\n")
	w("(`scripts/bench/`, only when the peer is measured), and runs chainbench, which starts its own Neo4j\n")
	w("(`scripts/neo4j.sh --home .neo4j/bench --port 7700`, emptied between loads), the chainmap servers\n")
	w("and the peer, and stops them. Datasets are `chainmap gen --enterprises N --seed 1` in `$TMPDIR/chainbench`,\n")
	w("with the raw `results.json` that `--merge` and `--render` read.\n")
	if o.command != "" {
		w("The run below: `%s`.\n", o.command)
	}
	w("\n")

}

// machine describes the machine, the software and the load average of each tier.
func (rw *reportWriter) machine() {
	w := rw.w
	r := rw.r
	m := r.Machine
	w("## Machine and run\n\n| | |\n|---|---|\n")
	w("| date | %s |\n| CPU | %s, %d cores |\n| memory | %.1f GiB |\n| kernel | %s |\n", m.Date, m.CPU, m.Cores, m.MemGiB, m.Kernel)
	w("| Go | %s |\n| Java | %s |\n| Neo4j | %s (heap %s, page cache %s) |\n", m.Go, m.Java, m.Neo4j, m.Heap, m.PageCache)
	w("| Node / peer | %s / %s |\n| chainmap | %s, commit %s |\n", orDash(m.Node), orDash(m.PeerLib), m.Chainmap, m.Commit)
	w("| run time | %.1f min |\n", r.Elapsed/60)
	var las []string
	for _, t := range r.Tiers {
		las = append(las, fmt.Sprintf("%s: %s", t.Tier, strings.Join(t.LoadAvg, ", ")))
	}
	w("| load average (1/5/15 min) | %s |\n\n", strings.Join(las, "; "))
	for _, t := range r.Tiers {
		if t.FromRun != "" {
			w("Tier %s comes from the run of %s%s, merged with `--merge`; its ratios are to baselines of that run.\n\n", t.Tier, t.FromRun, originText(t.Origin, m))
		}
	}
	w("The machine is shared with other work (the load average above says how much); ratios to a\n")
	w("baseline measured in the same run are the figures to trust, absolute numbers vary between runs.\n\n")

}

// originText says what a merged tier's run had that differs from this run's: its
// commit and its Neo4j settings (a merged tier's figures depend on both).
func originText(o *Machine, cur Machine) string {
	if o == nil {
		return " (origin not recorded)"
	}
	var d []string
	if o.Commit != cur.Commit {
		d = append(d, "commit "+orDash(o.Commit))
	}
	if o.Heap != cur.Heap || o.PageCache != cur.PageCache {
		d = append(d, fmt.Sprintf("Neo4j heap %s, page cache %s", orDash(o.Heap), orDash(o.PageCache)))
	}
	if len(d) == 0 {
		return " (same commit and Neo4j settings)"
	}
	return " (" + strings.Join(d, "; ") + ")"
}

// summary is one row per tier of the headline figures.
func (rw *reportWriter) summary() {
	w := rw.w
	r := rw.r
	w("## Summary\n\n")
	w("| tier | enterprises / rows | load rows/s (× baseline) | gap city Neo4j p50/p95 (× best Cypher) | gap province Neo4j p50/p95 (×) | gap city / province embedded p50/p95 | targets / cluster / list Neo4j p50 | mixed req/s Neo4j / embedded (p99) | peer ratio latency / throughput |\n")
	w("|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Tiers {
		load := "–"
		if t.Load != nil && t.Load.ChainmapRate > 0 {
			load = fmt.Sprintf("%.0f (%s)", t.Load.ChainmapRate, ratio(t.Load.Ratio))
		}
		gc, gp, emb, oth, tp, peer := "–", "–", "–", "–", "–", "–"
		if s := t.Neo4j; s != nil {
			gc = fmt.Sprintf("%s (%s)", lat(s.Latency["gap-city"]), ratio(s.Ratio["gap-city"]))
			gp = fmt.Sprintf("%s (%s)", lat(s.Latency["gap-province"]), ratio(s.Ratio["gap-province"]))
			oth = fmt.Sprintf("%s / %s / %s", f1(s.Latency["targets"].P50), f1(s.Latency["cluster"].P50), f1(s.Latency["enterprises-p1"].P50))
		}
		if e := t.Embedded; e != nil {
			emb = fmt.Sprintf("%s; %s", lat(e.Latency["gap-city"]), lat(e.Latency["gap-province"]))
		}
		var tps []string
		for _, s := range []*StoreResult{t.Neo4j, t.Embedded} {
			if s != nil && s.Throughput != nil {
				tps = append(tps, fmt.Sprintf("%s (%s ms)", f1(s.Throughput.ReqPerSec), f1(s.Throughput.Latency.P99)))
			} else {
				tps = append(tps, "–")
			}
		}
		tp = strings.Join(tps, " / ")
		if p := t.Peer; p != nil && len(p.Pairs) > 0 {
			var rs []string
			for _, pp := range p.Pairs {
				rs = append(rs, ratio(pp.Ratio))
			}
			peer = strings.Join(rs, ", ") + " / " + ratio(p.TPRatio)
		}
		w("| %s | %d / %d | %s | %s | %s | %s | %s | %s | %s |\n", t.Tier, t.Enterprises, t.Rows, load, gc, gp, emb, oth, tp, peer)
	}
	w("\nPeer ratios are chainmap ÷ peer: latency p50 for counts per segment (city, province) and the paged\n")
	w("list; throughput req/s of the same three-query mix (above 1× chainmap serves more).\n\n")

}

// nationalTier is the size from which issue 18's goals for a national graph (10M
// enterprises) apply.
const nationalTier = 10000000

// goals checks each goal of issue 7 (and issue 18's for the national tier) against what
// each tier measured.
// measured tells a latency figure that was taken (even if every request failed) from one
// a stopped or partial run never took: the latter is reported as not measured, not as a
// goal missed.
func measured(l Latency) bool { return l.N > 0 || l.Errors > 0 }

func (rw *reportWriter) goals() {
	w := rw.w
	r := rw.r
	w("## Goals\n\n| goal | tier | measured | |\n|---|---|---|---|\n")
	var first, last *TierResult
	for _, t := range r.Tiers {
		if t.Load != nil && t.Load.ChainmapRate > 0 {
			if first == nil {
				first = t
			}
			last = t
		}
	}
	for _, t := range r.Tiers {
		if t.Load != nil && t.Load.BaselineRate > 0 && t.Load.ChainmapRate > 0 {
			w("| load ≥ 0.7 × the plain-driver rate | %s | %.0f vs %.0f rows/s = %s | %s |\n", t.Tier, t.Load.ChainmapRate, t.Load.BaselineRate, ratio(t.Load.Ratio), yesNo(t.Load.Ratio >= 0.7))
		}
	}
	if first != nil && last != nil && first != last {
		g := last.Load.PeakRSSMiB / first.Load.PeakRSSMiB
		w("| load memory flat as the file grows | %s → %s | peak RSS of `chainmap load` %.0f → %.0f MiB (%s for %.0f× the rows) | %s |\n",
			first.Tier, last.Tier, first.Load.PeakRSSMiB, last.Load.PeakRSSMiB, ratio(g), float64(last.Rows)/float64(first.Rows), yesNo(g <= 2))
	}
	for _, t := range r.Tiers {
		if s := t.Neo4j; s != nil {
			for _, k := range []string{"gap-city", "gap-province"} {
				if !measured(s.Latency[k]) {
					w("| gap analysis ≤ 1.5 × best hand-written Cypher (%s) | %s | not measured (the run stopped before) | – |\n", strings.TrimPrefix(k, "gap-"), t.Tier)
					continue
				}
				w("| gap analysis ≤ 1.5 × best hand-written Cypher (%s) | %s | p50 %s ms vs %s ms = %s (p95 %s) | %s |\n", strings.TrimPrefix(k, "gap-"), t.Tier,
					f1(s.Latency[k].P50), f1(bestOf(s.Baseline[k]).P50), ratio(s.Ratio[k]), ratio(s.RatioP95[k]), yesNo(s.Ratio[k] > 0 && s.Ratio[k] <= 1.5))
			}
		}
	}
	for _, t := range r.Tiers {
		if t.Enterprises < 1000000 {
			continue
		}
		if s := t.Neo4j; s != nil {
			for _, k := range []string{"gap-city", "gap-province"} {
				if !measured(s.Latency[k]) {
					continue // said once above
				}
				w("| p95 < 300 ms on Neo4j (%s) | %s | %s ms | %s |\n", strings.TrimPrefix(k, "gap-"), t.Tier, f1(s.Latency[k].P95), yesNo(s.Latency[k].N > 0 && s.Latency[k].P95 < 300))
			}
		}
		if s := t.Embedded; s != nil {
			for _, k := range []string{"gap-city", "gap-province"} {
				if !measured(s.Latency[k]) {
					w("| p95 < 50 ms on the embedded store (%s) | %s | not measured (the run stopped before) | – |\n", strings.TrimPrefix(k, "gap-"), t.Tier)
					continue
				}
				w("| p95 < 50 ms on the embedded store (%s) | %s | %s ms | %s |\n", strings.TrimPrefix(k, "gap-"), t.Tier, f1(s.Latency[k].P95), yesNo(s.Latency[k].N > 0 && s.Latency[k].P95 < 50))
			}
		}
	}
	for _, t := range r.Tiers {
		if t.Enterprises < nationalTier {
			continue
		}
		// Issue 18, goal 3: the national tier.
		if l := t.Load; l != nil && l.BaselineRate > 0 && l.ChainmapRate > 0 {
			w("| load ≥ 0.8 × the plain-driver rate (issue 18) | %s | %.0f vs %.0f rows/s = %s | %s |\n", t.Tier, l.ChainmapRate, l.BaselineRate, ratio(l.Ratio), yesNo(l.Ratio >= 0.8))
		}
		if l := t.Load; l != nil && l.PeakRSSMiB > 0 && t.Rows > 0 {
			w("| loader memory bounded (issue 18) | %s | peak RSS of `chainmap load` %.0f MiB, %.0f bytes per row | see the notes |\n", t.Tier, l.PeakRSSMiB, l.PeakRSSMiB*(1<<20)/float64(t.Rows))
		}
		if s := t.Neo4j; s != nil {
			for _, k := range []string{"gap-city", "gap-province"} {
				if !measured(s.Latency[k]) {
					continue // said once above
				}
				w("| p95 < 100 ms on Neo4j (%s, issue 18) | %s | %s ms | %s |\n", strings.TrimPrefix(k, "gap-"), t.Tier, f1(s.Latency[k].P95), yesNo(s.Latency[k].N > 0 && s.Latency[k].P95 < 100))
			}
		}
	}
	for _, t := range r.Tiers {
		for _, s := range []struct {
			n string
			r *StoreResult
		}{{"Neo4j", t.Neo4j}, {"embedded", t.Embedded}} {
			if s.r != nil && s.r.Throughput != nil {
				tp := s.r.Throughput
				w("| throughput with zero errors (%s) | %s | %d requests, %d errors | %s |\n", s.n, t.Tier, tp.Requests, tp.Errors, yesNo(tp.Errors == 0 && tp.Requests > 0))
			}
		}
	}
	w("\n")

}

// tier writes the section of one tier: its sizes, checks and problems, then each workload.
func (rw *reportWriter) tier(t *TierResult) {
	w := rw.w
	w("## Tier %s: %d enterprises\n\n", t.Tier, t.Enterprises)
	var tabs []string
	for _, k := range sortedKeys(t.RowsByTable) {
		tabs = append(tabs, fmt.Sprintf("%s %d", strings.TrimSuffix(k, ".csv"), t.RowsByTable[k]))
	}
	gen := fmt.Sprintf("generated in %.1f s", t.GenSeconds)
	if t.GenSeconds == 0 {
		gen = "dataset reused from an earlier run (same seed)"
	}
	w("%d rows (%s); %s. Scopes: city %s holds %d enterprises, province %s %d; investment targets for `%s`, cluster `%s`. Tier took %.1f min.\n\n",
		t.Rows, strings.Join(tabs, ", "), gen, benchCity, t.ScopeSize[benchCity], benchProvince, t.ScopeSize[benchProvince], t.TargetSeg, benchPark, t.Seconds/60)
	if len(t.Problems) > 0 {
		w("**Problems in this tier:**\n\n")
		for _, p := range t.Problems {
			w("- %s\n", oneLine(p, 400))
		}
		w("\n")
	}
	if len(t.Checks) > 0 {
		w("Checks: %s.\n\n", strings.Join(t.Checks, "; "))
	}
	rw.tierLoad(t)
	rw.tierNeo4j(t)
	rw.tierPeer(t)
	rw.tierEmbedded(t)
}

// tierLoad is workload 1: the Neo4j load against the plain-driver baseline.
func (rw *reportWriter) tierLoad(t *TierResult) {
	w := rw.w
	if l := t.Load; l != nil && l.ChainmapRate > 0 {
		w("### 1. Load into Neo4j\n\n| | seconds | rows/s | ratio | peak RSS of the loader |\n|---|---|---|---|---|\n")
		if l.BaselineRate > 0 {
			w("| baseline: plain driver, `UNWIND $rows CREATE`, same batch size, empty database | %.1f | %.0f | 1× | (in chainbench) |\n", l.BaselineSeconds, l.BaselineRate)
		}
		w("| `chainmap load` (validate, then batched `UNWIND` writes), empty database | %.1f | %.0f | %s | %.0f MiB |\n\n", l.ChainmapSeconds, l.ChainmapRate, ratio(l.Ratio), l.PeakRSSMiB)
		w("Neo4j's resident memory after the load: %.0f MiB.", l.Neo4jRSSMiB)
		if l.LoaderCPU > 0 {
			w(" CPU time of `chainmap load` itself (reading, validating, encoding): %.1f s of its %.1f s.", l.LoaderCPU, l.ChainmapSeconds)
		}
		w("\n\n")
	}
}

// tierNeo4j is workloads 2 to 4: gap analysis against hand-written Cypher, the other analyses and throughput.
func (rw *reportWriter) tierNeo4j(t *TierResult) {
	w := rw.w
	r := rw.r
	if s := t.Neo4j; s != nil {
		w("### 2. Gap analysis on Neo4j\n\n| scope | chainmap GraphQL p50 / p95 | Cypher: traverse p50 / p95 | Cypher: index p50 / p95 | ratio to the best (p50, p95) |\n|---|---|---|---|---|\n")
		for _, k := range []string{"gap-city", "gap-province"} {
			w("| %s | %s | %s | %s | %s, %s |\n", strings.TrimPrefix(k, "gap-"), lat(s.Latency[k]), lat(s.Baseline[k]["traverse"]), lat(s.Baseline[k]["index"]), ratio(s.Ratio[k]), ratio(s.RatioP95[k]))
		}
		w("\nThe baselines are single hand-written queries computing the same per-segment aggregate\n")
		w("(distinct active producing enterprises in the segment's subtree, revenue, capacity per unit\n")
		w("dimension; checked equal to chainmap's answer above): *traverse* walks from the region down\n")
		w("`WITHIN` to `LOCATED_IN`; *index* collects the region ids and uses the `enterprise_region` index.\n")
		w("chainmap's figure is the whole GraphQL request of docs/api.md (rules, reasons, balances included).\n\n")
		w("### 3. Other analyses on Neo4j\n\n| query | p50 / p95 | ratio to the 10k tier (p50) |\n|---|---|---|\n")
		for _, k := range []string{"targets", "cluster", "enterprises-p1", "enterprises-p2"} {
			w("| %s | %s | %s |\n", otherName(k, t), lat(s.Latency[k]), scaleRatio(r, t, func(x *TierResult) *StoreResult { return x.Neo4j }, k))
		}
		w("\n")
		if tp := s.Throughput; tp != nil {
			w("### 4. Throughput on Neo4j\n\n")
			writeTP(&rw.b, tp, "chainmap serve")
			w("\n")
		}
	}
}

// tierPeer is workload 5: the @neo4j/graphql peer on the same Neo4j.
func (rw *reportWriter) tierPeer(t *TierResult) {
	w := rw.w
	o := rw.o
	if p := t.Peer; p != nil {
		w("### 5. The peer: @neo4j/graphql on the same Neo4j\n\n| query | chainmap p50 / p95 | peer p50 / p95 | chainmap ÷ peer (p50, p95) |\n|---|---|---|---|\n")
		for _, pp := range p.Pairs {
			w("| %s | %s | %s | %s, %s |\n", pp.Name, lat(pp.Chainmap), lat(pp.Peer), ratio(pp.Ratio), ratio(pp.RatioP95))
		}
		w("\nThroughput of the same three queries in equal parts, %d clients:\n\n", o.clients)
		if p.Chainmap != nil && p.Peer != nil {
			w("| server | req/s | p50 / p99 ms | errors | peak RSS |\n|---|---|---|---|---|\n")
			w("| chainmap | %s | %s / %s | %d | %.0f MiB |\n", f1(p.Chainmap.ReqPerSec), f1(p.Chainmap.Latency.P50), f1(p.Chainmap.Latency.P99), p.Chainmap.Errors, p.Chainmap.ServerRSS)
			w("| peer | %s | %s / %s | %d | %.0f MiB |\n", f1(p.Peer.ReqPerSec), f1(p.Peer.Latency.P50), f1(p.Peer.Latency.P99), p.Peer.Errors, p.Peer.ServerRSS)
			w("| chainmap ÷ peer | %s | p99 %s | | |\n\n", ratio(p.TPRatio), ratio(p.P99Ratio))
		}
		w("The closest equivalents: chainmap's `gapAnalysis { segments { segment { id } enterprises capacity } }`\n")
		w("against the peer's `segments(where: {chain}) { enterprisesConnection(where: {node: {status, locatedIn: …}}) { aggregate { count { nodes } } } }`\n")
		w("(the peer counts each segment's own operations, chainmap its whole subtree, and chainmap also\n")
		w("computes the rules; on leaf segments the counts were checked equal), and chainmap's `enterprises(filter: {region}, orderBy: REVENUE, first: 20)`\n")
		w("with operations and segments against the peer's `enterprisesConnection(first: 20, sort: revenue DESC, where: {locatedIn: …})`\n")
		w("with `segmentsConnection`. The region subtree is expressed through `locatedIn`/`within` filters.\n\n")
	}
}

// tierEmbedded is workload 6: the embedded store.
func (rw *reportWriter) tierEmbedded(t *TierResult) {
	w := rw.w
	if e := t.Embedded; e != nil {
		w("### 6. Embedded store\n\nStart-up (process start to `/readyz`, loading and validating the dataset): **%.1f s**; resident memory after start %.0f MiB, after the queries %.0f MiB.\n\n",
			e.StartSeconds, e.RSSMiB, e.RSSAfterMiB)
		w("| query | p50 / p95 | ratio to Neo4j (p50) |\n|---|---|---|\n")
		for _, k := range []string{"gap-city", "gap-province", "targets", "cluster", "enterprises-p1", "enterprises-p2"} {
			rr := "–"
			if t.Neo4j != nil && t.Neo4j.Latency[k].P50 > 0 && e.Latency[k].P50 > 0 {
				rr = ratio(e.Latency[k].P50 / t.Neo4j.Latency[k].P50)
			}
			w("| %s | %s | %s |\n", otherName(k, t), lat(e.Latency[k]), rr)
		}
		w("\n")
		if tp := e.Throughput; tp != nil {
			writeTP(&rw.b, tp, "chainmap serve (embedded)")
			w("\n")
		}
	}
}

// profiles is the PROFILE of every query the analyses send, from the largest tier profiled.
func (rw *reportWriter) profiles() {
	w := rw.w
	r := rw.r
	// PROFILE of the largest Neo4j tier.
	var prof *TierResult
	for _, t := range r.Tiers {
		if len(t.Profiles) > 0 {
			prof = t
		}
	}
	if prof != nil {
		w("## Cypher PROFILE of every query the analyses send (tier %s)\n\n", prof.Tier)
		w("Recorded by running each analysis twice through a Bolt proxy in front of Neo4j (every RUN message\nof the second run, when the caches per dataset version are warm,\n")
		w("with its parameters), then `PROFILE` of each distinct query with those parameters. Operators that\n")
		w("usually mean too much work are flagged. db hits per query, all tiers:\n\n")
		w("| analysis | query (start) | %s |\n|---|---|%s\n", strings.Join(tierNames(r), " | "), strings.Repeat("---|", len(tierNames(r))))
		for i, p := range prof.Profiles {
			var cells []string
			for _, t := range r.Tiers {
				if len(t.Profiles) == 0 {
					continue
				}
				cells = append(cells, dbHitsOf(t, p))
			}
			_ = i
			w("| %s | `%s` | %s |\n", p.Label, strings.ReplaceAll(oneLine(p.Query, 70), "|", "\\|"), strings.Join(cells, " | "))
		}
		w("\n")
		cur := ""
		for _, p := range prof.Profiles {
			if p.Label != cur {
				cur = p.Label
				w("### %s\n\n", cur)
			}
			flags := ""
			if len(p.Operators) > 0 {
				flags = " — flagged: **" + strings.Join(p.Operators, ", ") + "**"
			}
			rep := ""
			if p.Repeats > 1 {
				rep = fmt.Sprintf(", sent %d× per request", p.Repeats)
			}
			w("%d db hits, %d rows, %.1f ms (PROFILE)%s%s. Parameters: `%s`\n\n", p.DbHits, p.Rows, p.Millis, rep, flags, oneLine(p.Params, 300))
			w("```cypher\n%s\n```\n\n", strings.TrimSpace(p.Query))
			if p.Err != "" {
				w("PROFILE failed: %s\n\n", p.Err)
			} else {
				w("```text\n%s```\n\n", p.Plan)
			}
		}
	}
}

// loadPlans is the PROFILE of chainmap's load statements.
func (rw *reportWriter) loadPlans() {
	w := rw.w
	r := rw.r
	var lp *TierResult
	for _, t := range r.Tiers {
		if len(t.LoadPlans) > 0 {
			lp = t
		}
	}
	if lp != nil {
		w("## PROFILE of chainmap's load statements (tier %s, rolled back)\n\n", lp.Tier)
		w("Recorded through the same proxy while `chainmap load` wrote a 20-enterprise dataset, then each\n")
		w("statement PROFILEd with that batch (the same ids as the tier's first enterprises) on the tier's\n")
		w("full database inside a transaction that is rolled back. db hits per statement, all tiers:\n\n")
		var names []string
		for _, t := range r.Tiers {
			if len(t.LoadPlans) > 0 {
				names = append(names, t.Tier)
			}
		}
		w("| statement | batch | %s |\n|---|---|%s\n", strings.Join(names, " | "), strings.Repeat("---|", len(names)))
		for _, p := range lp.LoadPlans {
			var cells []string
			for _, t := range r.Tiers {
				if len(t.LoadPlans) > 0 {
					cells = append(cells, loadHitsOf(t, p.Query))
				}
			}
			w("| `%s` | %s | %s |\n", strings.ReplaceAll(oneLine(p.Query, 80), "|", "\\|"), p.Params, strings.Join(cells, " | "))
		}
		w("\n")
		for _, p := range lp.LoadPlans {
			fl := "none"
			if len(p.Operators) > 0 {
				fl = strings.Join(p.Operators, ", ")
			}
			w("`%s` — %s, %d db hits, %.1f ms; flagged: %s\n\n", oneLine(p.Query, 100), p.Params, p.DbHits, p.Millis, fl)
			if p.Err != "" {
				w("PROFILE failed: %s\n\n", p.Err)
			} else {
				w("```text\n%s```\n\n", p.Plan)
			}
		}
	}
}

// goBench is the output of the Go benchmarks of the pure rules.
func (rw *reportWriter) goBench() {
	w := rw.w
	r := rw.r
	if r.GoBench != "" {
		w("## Go benchmarks of the pure rules\n\n`go test -run '^$' -bench . -benchmem .` (bench_test.go: `AnalyseGaps`, `RankTargets`, `BuildRoadmap` on synthetic inputs of realistic sizes):\n\n```text\n%s```\n\n", r.GoBench)
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func bestOf(m map[string]Latency) Latency {
	_, l := bestBaseline(m)
	return l
}

func otherName(k string, t *TierResult) string {
	switch k {
	case "gap-city":
		return "gapAnalysis, city " + benchCity
	case "gap-province":
		return "gapAnalysis, province " + benchProvince
	case "targets":
		return fmt.Sprintf("investmentTargets (%s into %s, first 10)", t.TargetSeg, benchCity)
	case "cluster":
		return "clusterComposition (" + benchPark + ")"
	case "enterprises-p1":
		return "enterprises, province, by revenue, first 20, page 1"
	case "enterprises-p2":
		return "enterprises, same, page 2 (cursor)"
	}
	return k
}

func scaleRatio(r *Results, t *TierResult, get func(*TierResult) *StoreResult, k string) string {
	for _, x := range r.Tiers {
		if s := get(x); s != nil && s.Latency[k].P50 > 0 {
			if x == t {
				return "1×"
			}
			if cur := get(t); cur != nil && cur.Latency[k].P50 > 0 {
				return ratio(cur.Latency[k].P50 / s.Latency[k].P50)
			}
			return "–"
		}
	}
	return "–"
}

func writeTP(b *strings.Builder, tp *Throughput, who string) {
	fmt.Fprintf(b, "Mixed read workload (gap analysis city ×3, province ×1, investment targets ×1, cluster ×1, enterprise page ×4), %d closed-loop clients for %.0f s:\n\n",
		tp.Clients, tp.Seconds)
	fmt.Fprintf(b, "| server | req/s | p50 / p99 ms | requests | errors | server peak RSS | Neo4j peak RSS |\n|---|---|---|---|---|---|---|\n")
	neo := "–"
	if tp.Neo4jRSS > 0 {
		neo = fmt.Sprintf("%.0f MiB", tp.Neo4jRSS)
	}
	fmt.Fprintf(b, "| %s | %s | %s / %s | %d | %d | %.0f MiB | %s |\n\n", who, f1(tp.ReqPerSec), f1(tp.Latency.P50), f1(tp.Latency.P99), tp.Requests, tp.Errors, tp.ServerRSS, neo)
	if tp.FirstErr != "" {
		fmt.Fprintf(b, "First error: `%s`\n\n", oneLine(tp.FirstErr, 300))
	}
	fmt.Fprintf(b, "| operation in the mix | n | p50 / p99 ms |\n|---|---|---|\n")
	for _, k := range sortedKeys(tp.PerOp) {
		l := tp.PerOp[k]
		fmt.Fprintf(b, "| %s | %d | %s / %s |\n", k, l.N, f1(l.P50), f1(l.P99))
	}
}

func tierNames(r *Results) []string {
	var out []string
	for _, t := range r.Tiers {
		if len(t.Profiles) > 0 {
			out = append(out, t.Tier)
		}
	}
	return out
}

func dbHitsOf(t *TierResult, p Profiled) string {
	for _, q := range t.Profiles {
		if q.Label == p.Label && q.Query == p.Query {
			if q.Err != "" {
				return "error"
			}
			return fmt.Sprintf("%d", q.DbHits)
		}
	}
	return "–"
}

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// summaryText is what chainbench prints at the end (the smoke test's output).
func summaryText(r *Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "chainbench: %d tier(s) in %.1f min\n", len(r.Tiers), r.Elapsed/60)
	for _, t := range r.Tiers {
		fmt.Fprintf(&b, "tier %s (%d enterprises, %d rows):\n", t.Tier, t.Enterprises, t.Rows)
		if l := t.Load; l != nil && l.ChainmapRate > 0 {
			fmt.Fprintf(&b, "  load: chainmap %.0f rows/s, baseline %.0f rows/s, ratio %s, loader peak RSS %.0f MiB\n", l.ChainmapRate, l.BaselineRate, ratio(l.Ratio), l.PeakRSSMiB)
		}
		if s := t.Neo4j; s != nil {
			for _, k := range []string{"gap-city", "gap-province"} {
				fmt.Fprintf(&b, "  neo4j %s: p50/p95 %s ms, best Cypher %s ms, ratio %s\n", k, lat(s.Latency[k]), lat(bestOf(s.Baseline[k])), ratio(s.Ratio[k]))
			}
			for _, k := range []string{"targets", "cluster", "enterprises-p1", "enterprises-p2"} {
				fmt.Fprintf(&b, "  neo4j %s: p50/p95 %s ms\n", k, lat(s.Latency[k]))
			}
			if tp := s.Throughput; tp != nil {
				fmt.Fprintf(&b, "  neo4j mixed: %.1f req/s, p99 %.0f ms, %d errors, server peak RSS %.0f MiB\n", tp.ReqPerSec, tp.Latency.P99, tp.Errors, tp.ServerRSS)
			}
		}
		if p := t.Peer; p != nil {
			for _, pp := range p.Pairs {
				fmt.Fprintf(&b, "  peer %s: chainmap %s, peer %s, ratio %s\n", pp.Name, lat(pp.Chainmap), lat(pp.Peer), ratio(pp.Ratio))
			}
			fmt.Fprintf(&b, "  peer throughput ratio %s\n", ratio(p.TPRatio))
		}
		if e := t.Embedded; e != nil {
			fmt.Fprintf(&b, "  embedded: start %.1f s, RSS %.0f MiB\n", e.StartSeconds, e.RSSMiB)
			for _, k := range []string{"gap-city", "gap-province", "targets", "cluster", "enterprises-p1", "enterprises-p2"} {
				fmt.Fprintf(&b, "  embedded %s: p50/p95 %s ms\n", k, lat(e.Latency[k]))
			}
			if tp := e.Throughput; tp != nil {
				fmt.Fprintf(&b, "  embedded mixed: %.1f req/s, p99 %.0f ms, %d errors, peak RSS %.0f MiB\n", tp.ReqPerSec, tp.Latency.P99, tp.Errors, tp.ServerRSS)
			}
		}
		fmt.Fprintf(&b, "  profiled queries: %d; problems: %d\n", len(t.Profiles), len(t.Problems))
		for _, p := range t.Problems {
			fmt.Fprintf(&b, "  problem: %s\n", oneLine(p, 300))
		}
	}
	return b.String()
}

func loadHitsOf(t *TierResult, q string) string {
	for _, p := range t.LoadPlans {
		if p.Query == q {
			if p.Err != "" {
				return "error"
			}
			return fmt.Sprintf("%d", p.DbHits)
		}
	}
	return "–"
}

package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chainmap/chainmap/neo4jstore"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// tables of a synthetic dataset in load order, with how the baseline writes them.
type baseTable struct {
	file  string
	label string // node label, or "" for a relationship table
	rel   string // relationship type of a relationship table
	from  [2]string
	to    [2]string
	refs  []baseRef
	lists []string // columns holding ";"-separated lists
	nums  []string // numeric columns
}

type baseRef struct {
	field, rel, target string
	many               bool
}

var baseTables = []baseTable{
	{file: "sources.csv", label: "Source"},
	{file: "chains.csv", label: "Chain"},
	{file: "segments.csv", label: "Segment", nums: []string{"order", "min_enterprises"},
		refs: []baseRef{{"chain", "IN_CHAIN", "Chain", false}, {"parent", "CHILD_OF", "Segment", false}}},
	{file: "flows.csv", rel: "FEEDS", from: [2]string{"Segment", "from"}, to: [2]string{"Segment", "to"}, nums: []string{"coefficient"}},
	{file: "regions.csv", label: "Region", nums: []string{"lon", "lat"},
		refs: []baseRef{{"parent", "WITHIN", "Region", false}}},
	{file: "parks.csv", label: "Park", lists: []string{"regions", "focus_segments"},
		refs: []baseRef{{"regions", "SPANS", "Region", true}, {"focus_segments", "FOCUSES_ON", "Segment", true}}},
	{file: "enterprises.csv", label: "Enterprise", lists: []string{"designations"},
		nums: []string{"lon", "lat", "revenue", "revenue_year", "employees", "employees_year"},
		refs: []baseRef{{"region", "LOCATED_IN", "Region", false}, {"park", "IN_PARK", "Park", false}}},
	{file: "operations.csv", rel: "OPERATES_IN", from: [2]string{"Enterprise", "enterprise"}, to: [2]string{"Segment", "segment"},
		nums: []string{"capacity", "capacity_year"}},
	{file: "supply_links.csv", rel: "SUPPLIES", from: [2]string{"Enterprise", "supplier"}, to: [2]string{"Enterprise", "customer"}},
	{file: "projects.csv", label: "Project", lists: []string{"segments"}, nums: []string{"capacity", "investment", "start_year"},
		refs: []baseRef{{"enterprise", "BY", "Enterprise", false}, {"region", "IN_REGION", "Region", false}, {"segments", "ADDS_TO", "Segment", true}}},
	{file: "policies.csv", label: "Policy", lists: []string{"segments"}, nums: []string{"rate", "cap"},
		refs: []baseRef{{"document", "ISSUED_IN", "Source", false}, {"segments", "SUPPORTS", "Segment", true}}},
	{file: "goals.csv", label: "Goal", nums: []string{"target_year", "target_value"},
		refs: []baseRef{{"region", "FOR_REGION", "Region", false}}},
	{file: "indicators.csv", label: "Indicator", nums: []string{"year", "value"},
		refs: []baseRef{{"region", "FOR_REGION", "Region", false}, {"segment", "ABOUT", "Segment", false}}},
}

// countRows counts the data rows of every table of a dataset folder.
func countRows(dir string) (map[string]int, int, error) {
	out := map[string]int{}
	total := 0
	for _, t := range baseTables {
		f, err := os.Open(filepath.Join(dir, t.file))
		if err != nil {
			return nil, 0, err
		}
		r := csv.NewReader(f)
		r.ReuseRecord = true
		n := -1
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				f.Close()
				return nil, 0, fmt.Errorf("%s: %w", t.file, err)
			}
			n++
		}
		f.Close()
		out[t.file] = max(n, 0)
		total += max(n, 0)
	}
	return out, total, nil
}

// baselineLoad writes the dataset with the plainest driver code: uniqueness constraints
// on id (so that MATCH by id is possible at all), then per table and per batch one write
// transaction of UNWIND $rows CREATE … and, for each reference column, UNWIND $rows MATCH
// both ends CREATE the relationship. No MERGE, no validation, no diffing: the graph it
// makes has the same nodes, properties and relationships as chainmap's.
func baselineLoad(ctx context.Context, uri, dir string, batch int, chainmapSchema bool) (time.Duration, int, error) {
	drv, err := neo4j.NewDriverWithContext(uri, neo4j.NoAuth())
	if err != nil {
		return 0, 0, err
	}
	defer drv.Close(context.Background())
	start := time.Now()
	if chainmapSchema {
		st, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: uri})
		if err != nil {
			return 0, 0, err
		}
		err = st.EnsureSchema(ctx)
		st.Close(context.Background())
		if err != nil {
			return 0, 0, err
		}
	}
	labels := map[string]bool{}
	for _, t := range baseTables {
		if t.label != "" && !labels[t.label] {
			labels[t.label] = true
			q := fmt.Sprintf("CREATE CONSTRAINT base_%s_id IF NOT EXISTS FOR (n:%s) REQUIRE n.id IS UNIQUE", strings.ToLower(t.label), t.label)
			if _, err := neo4j.ExecuteQuery(ctx, drv, q, nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("neo4j")); err != nil {
				return 0, 0, err
			}
		}
	}
	if _, err := neo4j.ExecuteQuery(ctx, drv, "CALL db.awaitIndexes(300)", nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("neo4j")); err != nil {
		return 0, 0, err
	}
	sess := drv.NewSession(ctx, neo4j.SessionConfig{DatabaseName: "neo4j"})
	defer sess.Close(context.Background())
	rows := 0
	for _, t := range baseTables {
		stmts := baseStatements(t)
		n, err := eachBatch(filepath.Join(dir, t.file), t, batch, func(rs []map[string]any) error {
			_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
				for _, s := range stmts {
					res, err := tx.Run(ctx, s, map[string]any{"rows": rs})
					if err != nil {
						return nil, err
					}
					if _, err := res.Consume(ctx); err != nil {
						return nil, err
					}
				}
				return nil, nil
			})
			return err
		})
		if err != nil {
			return 0, 0, fmt.Errorf("baseline %s: %w", t.file, err)
		}
		rows += n
	}
	return time.Since(start), rows, nil
}

// baseStatements is the Cypher the baseline sends for every batch of a table.
func baseStatements(t baseTable) []string {
	if t.label == "" {
		return []string{fmt.Sprintf("UNWIND $rows AS row\nMATCH (a:%s {id: row.%s})\nMATCH (b:%s {id: row.%s})\nCREATE (a)-[r:%s]->(b)\nSET r = row",
			t.from[0], t.from[1], t.to[0], t.to[1], t.rel)}
	}
	out := []string{fmt.Sprintf("UNWIND $rows AS row\nCREATE (n:%s)\nSET n = row", t.label)}
	for _, r := range t.refs {
		if r.many {
			out = append(out, fmt.Sprintf("UNWIND $rows AS row\nUNWIND row.%s AS tid\nMATCH (n:%s {id: row.id})\nMATCH (t:%s {id: tid})\nCREATE (n)-[:%s]->(t)",
				r.field, t.label, r.target, r.rel))
		} else {
			out = append(out, fmt.Sprintf("UNWIND $rows AS row\nWITH row WHERE row.%s IS NOT NULL\nMATCH (n:%s {id: row.id})\nMATCH (t:%s {id: row.%s})\nCREATE (n)-[:%s]->(t)",
				r.field, t.label, r.target, r.field, r.rel))
		}
	}
	return out
}

// eachBatch reads a CSV table into property maps (empty cells left out, list columns
// split, numeric columns parsed) and calls fn for every batch.
func eachBatch(path string, t baseTable, batch int, fn func([]map[string]any) error) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return 0, err
	}
	isList, isNum := map[string]bool{}, map[string]bool{}
	for _, c := range t.lists {
		isList[c] = true
	}
	for _, c := range t.nums {
		isNum[c] = true
	}
	buf := make([]map[string]any, 0, batch)
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		row := make(map[string]any, len(header))
		for i, v := range rec {
			if v == "" {
				continue
			}
			c := header[i]
			switch {
			case isList[c]:
				row[c] = strings.Split(v, ";")
			case isNum[c]:
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					row[c] = x
				} else {
					row[c] = v
				}
			default:
				row[c] = v
			}
		}
		buf = append(buf, row)
		n++
		if len(buf) == batch {
			if err := fn(buf); err != nil {
				return n, err
			}
			buf = make([]map[string]any, 0, batch)
		}
	}
	if len(buf) > 0 {
		if err := fn(buf); err != nil {
			return n, err
		}
	}
	return n, nil
}

// lastLoadCPU is the CPU time (user + system) of the last `chainmap load`.
var lastLoadCPU time.Duration

// chainmapLoad runs `chainmap load DIR` against uri and returns its wall time and peak
// resident memory (the kernel's maxrss of the child).
func chainmapLoad(ctx context.Context, bin, uri, dir, logFile string, batch int) (time.Duration, float64, error) {
	f, err := os.Create(logFile)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Hour)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "load", dir, "--no-progress", "--batch-size", strconv.Itoa(batch))
	cmd.Env = childEnv("NEO4J_URI=" + uri)
	cmd.Stdout, cmd.Stderr = f, f
	start := time.Now()
	err = cmd.Run()
	el := time.Since(start)
	var rss float64
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = float64(ru.Maxrss) / 1024
		}
		lastLoadCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		b, _ := os.ReadFile(logFile)
		return el, rss, fmt.Errorf("chainmap load: %w\n%s", err, lastLines(string(b), 20))
	}
	return el, rss, nil
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// generate makes the synthetic dataset of a tier with `chainmap gen`, unless an identical
// one (same manifest) is already there.
func generate(ctx context.Context, bin, dir string, n int) (time.Duration, error) {
	want := fmt.Sprintf("id: synthetic-%d-1\n", n)
	if b, err := os.ReadFile(filepath.Join(dir, "manifest.yaml")); err == nil && strings.Contains(string(b), want) {
		if _, err := os.Stat(filepath.Join(dir, "indicators.csv")); err == nil {
			return 0, nil
		}
	}
	if err := os.RemoveAll(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "gen", "--enterprises", strconv.Itoa(n), "--seed", "1", "--out", dir).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("chainmap gen: %w\n%s", err, out)
	}
	return time.Since(start), nil
}

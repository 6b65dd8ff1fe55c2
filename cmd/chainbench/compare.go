package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"path/filepath"
	"strings"
	"time"
)

// compareBinaries measures two chainmap binaries (say, before and after a fix) on the same
// already-loaded Neo4j (uri) or the same dataset folder (embedded store, uri empty):
// every analysis of the benchmark, interleaved A/B, after checking that both give the
// same answer.
func compareBinaries(ctx context.Context, o options, binA, binB, uri, data string) error {
	env := childEnv()
	if uri != "" {
		env = childEnv("NEO4J_URI=" + uri)
	}
	type server struct {
		name string
		p    *proc
		cl   *gqlClient
	}
	var srvs []server
	for i, bin := range []string{binA, binB} {
		port, err := freePort()
		if err != nil {
			return err
		}
		url := fmt.Sprintf("http://127.0.0.1:%d", port)
		name := string(rune('A' + i))
		args := serveArgs(o, port, uri != "")
		if uri == "" {
			args = append(args, "--data", data)
		}
		p, err := start("chainmap "+name, filepath.Join(o.work, "compare-"+name+".log"), env, bin, args...)
		if err != nil {
			return err
		}
		defer p.stop(10 * time.Second)
		if err := waitHTTP(p, url+"/readyz", 20*time.Minute); err != nil {
			return err
		}
		srvs = append(srvs, server{name, p, newClient(url+"/graphql", o.clients)})
	}
	tr := &TierResult{}
	if err := prepare(ctx, srvs[0].cl, tr); err != nil {
		log.Printf("the first gapAnalysis failed (%v); investment targets for %s", err, tr.TargetSeg)
	}
	reqs := []gqlRequest{
		{Name: "gap-city", Query: qGap, Variables: map[string]any{"chain": benchChain, "region": benchCity}},
		{Name: "gap-province", Query: qGap, Variables: map[string]any{"chain": benchChain, "region": benchProvince}},
	}
	reqs = append(reqs, otherRequests(tr, "")[:3]...)
	fmt.Printf("A = %s\nB = %s\n%s\n\n| query | same answer | A p50 / p95 ms | B p50 / p95 ms | B ÷ A (p50) |\n|---|---|---|---|---|\n",
		binA, binB, map[bool]string{true: "Neo4j " + uri, false: "embedded, " + data}[uri != ""])
	for _, r := range reqs {
		r := r
		a, errA := srvs[0].cl.do(ctx, r)
		b, errB := srvs[1].cl.do(ctx, r)
		same := "yes"
		switch {
		case errA != nil || errB != nil:
			same = fmt.Sprintf("error: %v / %v", errA, errB)
		case !jsonEqual(a.Data, b.Data):
			same = "**no**"
		}
		ls := interleaved(ctx, []op{
			{"A", func(ctx context.Context) error { _, err := srvs[0].cl.do(ctx, r); return err }},
			{"B", func(ctx context.Context) error { _, err := srvs[1].cl.do(ctx, r); return err }},
		}, o.warmup, o.iterations, 3*time.Minute)
		rr := "–"
		if ls[0].P50 > 0 {
			rr = ratio(ls[1].P50 / ls[0].P50)
		}
		fmt.Printf("| %s | %s | %s | %s | %s |\n", r.Name, same, lat(ls[0]), lat(ls[1]), rr)
		log.Printf("compare %s: A %s, B %s", r.Name, lat(ls[0]), lat(ls[1]))
	}
	return nil
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func splitPair(s string) (string, string, error) {
	p := strings.Split(s, ",")
	if len(p) != 2 {
		return "", "", fmt.Errorf("--compare wants two binaries, A,B")
	}
	return p[0], p[1], nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// gqlClient posts GraphQL requests to one server on 127.0.0.1.
type gqlClient struct {
	url  string
	http *http.Client
}

func newClient(url string, conns int) *gqlClient {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     30 * time.Second,
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		panic("chainbench only sends traffic to 127.0.0.1, not " + url)
	}
	return &gqlClient{url: url, http: &http.Client{Transport: tr, Timeout: 120 * time.Second}}
}

type gqlRequest struct {
	Name      string         `json:"-"`
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// do sends one request and returns the decoded answer; GraphQL errors are errors.
func (c *gqlClient) do(ctx context.Context, r gqlRequest) (*gqlResponse, error) {
	body, _ := json.Marshal(r)
	req, err := http.NewRequestWithContext(ctx, "POST", c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("content-type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: HTTP %d: %.300s", r.Name, resp.StatusCode, b)
	}
	var out gqlResponse
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name, err)
	}
	if len(out.Errors) > 0 {
		return &out, fmt.Errorf("%s: %s (%v)", r.Name, out.Errors[0].Message, out.Errors[0].Extensions["code"])
	}
	return &out, nil
}

// Latency holds the distribution of one measured operation, in milliseconds.
type Latency struct {
	N        int     `json:"n"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	Min      float64 `json:"min_ms"`
	Mean     float64 `json:"mean_ms"`
	Errors   int     `json:"errors"`
	FirstErr string  `json:"first_error,omitempty"`
}

func summarise(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	ms := make([]float64, len(ds))
	sum := 0.0
	for i, d := range ds {
		ms[i] = float64(d.Microseconds()) / 1000
		sum += ms[i]
	}
	sort.Float64s(ms)
	q := func(p float64) float64 {
		// nearest rank
		k := int(p*float64(len(ms))+0.999999) - 1
		return ms[max(0, min(k, len(ms)-1))]
	}
	return Latency{N: len(ms), P50: q(0.5), P95: q(0.95), P99: q(0.99), Min: ms[0], Mean: sum / float64(len(ms))}
}

// op is one measurable operation: a GraphQL request or a direct Cypher call.
type op struct {
	name string
	run  func(ctx context.Context) error
}

// interleaved measures several operations in turn (A, B, A, B…) so that they share the
// machine's noise: warm-up rounds first, then up to n rounds within budget.
func interleaved(ctx context.Context, ops []op, warm, n int, budget time.Duration) []Latency {
	samples := make([][]time.Duration, len(ops))
	errs := make([]int, len(ops))
	firstErr := make([]string, len(ops))
	// Warm up: at least warm rounds, and more until warmupFor has passed (at most
	// maxWarmRounds), so that a freshly started Neo4j's JIT has compiled what the
	// measured requests run; results are discarded.
	wstart := time.Now()
	for round := 0; round < maxWarmRounds && (round < warm || time.Since(wstart) < warmupFor); round++ {
		for _, o := range ops {
			cctx, cancel := context.WithTimeout(ctx, 120*time.Second)
			o.run(cctx)
			cancel()
		}
		if ctx.Err() != nil {
			break
		}
	}
	deadline := time.Now().Add(budget)
	for round := 0; round < n; round++ {
		if round >= 1 && time.Now().After(deadline) {
			break
		}
		for i, o := range ops {
			cctx, cancel := context.WithTimeout(ctx, 120*time.Second)
			t0 := time.Now()
			err := o.run(cctx)
			d := time.Since(t0)
			cancel()
			if err != nil {
				errs[i]++
				if firstErr[i] == "" {
					firstErr[i] = err.Error()
				}
				continue
			}
			samples[i] = append(samples[i], d)
		}
	}
	out := make([]Latency, len(ops))
	for i := range ops {
		out[i] = summarise(samples[i])
		out[i].Errors, out[i].FirstErr = errs[i], firstErr[i]
	}
	return out
}

// warmupFor is how long each group of interleaved operations is warmed up at least
// (--warmup-time); maxWarmRounds bounds the rounds that takes.
var warmupFor time.Duration

const maxWarmRounds = 300

// Throughput is the result of a closed-loop run of concurrent clients.
type Throughput struct {
	Clients   int                `json:"clients"`
	Seconds   float64            `json:"seconds"`
	Requests  int                `json:"requests"`
	Errors    int                `json:"errors"`
	FirstErr  string             `json:"first_error,omitempty"`
	ReqPerSec float64            `json:"req_per_s"`
	Latency   Latency            `json:"latency"`
	PerOp     map[string]Latency `json:"per_op"`
	ServerRSS float64            `json:"server_peak_rss_mib"`
	Neo4jRSS  float64            `json:"neo4j_peak_rss_mib,omitempty"`
}

// throughput runs `clients` concurrent loops over the mix (weighted), each request
// bounded by a timeout, the whole run bounded by duration and by maxRequests.
func throughput(ctx context.Context, c *gqlClient, mix []gqlRequest, weights []int, clients int, duration time.Duration, maxRequests int, serverPid, neo4jPid int) Throughput {
	total := 0
	for _, w := range weights {
		total += w
	}
	var sent atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	per := map[string][]time.Duration{}
	errs := 0
	firstErr := ""
	srv := sampleRSS(serverPid, 200*time.Millisecond)
	var neo *sampler
	if neo4jPid > 0 {
		neo = sampleRSS(neo4jPid, 200*time.Millisecond)
	}
	rctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			for rctx.Err() == nil && sent.Add(1) <= int64(maxRequests) {
				k := rng.IntN(total)
				i := 0
				for k >= weights[i] {
					k -= weights[i]
					i++
				}
				r := mix[i]
				qctx, qcancel := context.WithTimeout(ctx, 60*time.Second)
				t0 := time.Now()
				_, err := c.do(qctx, r)
				d := time.Since(t0)
				qcancel()
				mu.Lock()
				if err != nil {
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				} else {
					all = append(all, d)
					per[r.Name] = append(per[r.Name], d)
				}
				mu.Unlock()
			}
		}(uint64(w + 1))
	}
	wg.Wait()
	el := time.Since(start)
	out := Throughput{Clients: clients, Seconds: el.Seconds(), Requests: len(all) + errs, Errors: errs, FirstErr: firstErr,
		ReqPerSec: float64(len(all)) / el.Seconds(), Latency: summarise(all), PerOp: map[string]Latency{}}
	for k, v := range per {
		out.PerOp[k] = summarise(v)
	}
	out.ServerRSS = srv.done()
	if neo != nil {
		out.Neo4jRSS = neo.done()
	}
	return out
}

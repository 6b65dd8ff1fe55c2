// Package pipebench is the pipeline's write benchmark (issue 16, item 9): N concurrent
// writers, each with a bearer token of its own, create leads through the GraphQL API and
// move each through the stages 线索 → 投产, for a fixed time. Every acknowledged write is
// recorded; afterwards Verify reads the lead store and checks that each one is there
// exactly once (no lost and no duplicated write) and that the audit trail holds one entry
// per acknowledged write. Latencies of the stage moves are client-observed round trips.
//
// `chainbench pipeline` runs it for minutes on each store and reports; the conformance
// suite runs a short version on both stores and asserts the counts (never the timings).
package pipebench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chainmap/chainmap"
)

// Config is one run.
type Config struct {
	// URL is the server's base URL (http://127.0.0.1:PORT).
	URL string
	// Writers is the number of concurrent writers (default 50).
	Writers int
	// Duration is how long writers start new writes (default 2 minutes).
	Duration time.Duration
	// Segment and Park place the leads (defaults W2 and east-park, of testdata/minimal).
	Segment, Park string
	// RunID tags the writers' names (default random), so Verify counts only this run's
	// writes in a store that holds others.
	RunID string
	// RequestTimeout bounds one request (default 30 s).
	RequestTimeout time.Duration
}

func (c *Config) defaults() {
	if c.Writers <= 0 {
		c.Writers = 50
	}
	if c.Duration <= 0 {
		c.Duration = 2 * time.Minute
	}
	if c.Segment == "" {
		c.Segment = "W2"
	}
	if c.Park == "" {
		c.Park = "east-park"
	}
	if c.RunID == "" {
		b := make([]byte, 4)
		rand.Read(b)
		c.RunID = hex.EncodeToString(b)
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 30 * time.Second
	}
}

// Writer is the name of writer i of a run: what its token's actor is called, and so the
// owner of its leads and the actor of its audit entries.
func Writer(runID string, i int) string { return fmt.Sprintf("bench-%s-w%02d", runID, i) }

// Tokens returns the bearer tokens of a run's writers, as server.ParseTokens reads them
// ("token:promoter:name", comma-separated), and the token of each writer.
func Tokens(c Config) (string, []string) {
	c.defaults()
	var spec []string
	toks := make([]string, c.Writers)
	for i := range c.Writers {
		toks[i] = fmt.Sprintf("pipebench-%s-%02d-0123456789", c.RunID, i)
		spec = append(spec, toks[i]+":promoter:"+Writer(c.RunID, i))
	}
	return strings.Join(spec, ","), toks
}

// stages is the path every lead follows after its creation at 线索: the moves a writer
// makes directly. Moves to 签约 and later are requests that an approver decides
// (approval.go), so they are not direct stage moves and the benchmark stops at 洽谈.
var stages = []chainmap.LeadStage{chainmap.LeadContact, chainmap.LeadVisit, chainmap.LeadNegotiation}

var gqlStage = map[chainmap.LeadStage]string{chainmap.LeadContact: "CONTACT", chainmap.LeadVisit: "VISIT",
	chainmap.LeadNegotiation: "NEGOTIATION", chainmap.LeadSigned: "SIGNED", chainmap.LeadRegistered: "REGISTERED",
	chainmap.LeadConstruction: "CONSTRUCTION", chainmap.LeadProduction: "PRODUCTION"}

// Acked is what the server acknowledged of one lead: its id, owner, the version and
// stage of the last acknowledged write, and how many writes were acknowledged.
type Acked struct {
	ID      string
	Owner   string
	Version int64
	Stage   chainmap.LeadStage
	Writes  int
}

// Result is a run's outcome, as the clients saw it.
type Result struct {
	Config  Config
	Elapsed time.Duration
	// Leads are the acknowledged leads; Creates and Moves count acknowledged writes.
	Leads          []Acked
	Creates, Moves int
	// Failed counts requests answered with an error or not answered (their outcome is
	// unknown to the client); Errors keeps the first few messages.
	Failed int
	Errors []string
	// MoveLatency and CreateLatency are the round trips of acknowledged writes, sorted.
	MoveLatency, CreateLatency []time.Duration
}

// Acknowledged is the number of acknowledged writes.
func (r *Result) Acknowledged() int { return r.Creates + r.Moves }

// Percentile returns the p-th percentile (0–100) of sorted durations, nearest rank.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

type writer struct {
	cfg    Config
	client *http.Client
	token  string
	name   string
	leads  []Acked
	moves  []time.Duration
	create []time.Duration
	failed int
	errs   []string
}

// Run runs the writers until Duration has passed (each finishes the request it is in),
// then returns what was acknowledged.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	_, toks := Tokens(cfg)
	tr := &http.Transport{MaxIdleConns: cfg.Writers * 2, MaxIdleConnsPerHost: cfg.Writers * 2, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.RequestTimeout}
	stop := time.Now().Add(cfg.Duration)
	ws := make([]*writer, cfg.Writers)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range ws {
		ws[i] = &writer{cfg: cfg, client: client, token: toks[i], name: Writer(cfg.RunID, i)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws[i].run(ctx, stop)
		}()
	}
	wg.Wait()
	res := &Result{Config: cfg, Elapsed: time.Since(start)}
	for _, w := range ws {
		res.Leads = append(res.Leads, w.leads...)
		res.MoveLatency = append(res.MoveLatency, w.moves...)
		res.CreateLatency = append(res.CreateLatency, w.create...)
		res.Failed += w.failed
		for _, e := range w.errs {
			if len(res.Errors) < 10 {
				res.Errors = append(res.Errors, e)
			}
		}
	}
	res.Creates, res.Moves = len(res.Leads), len(res.MoveLatency)
	slices.Sort(res.MoveLatency)
	slices.Sort(res.CreateLatency)
	return res, ctx.Err()
}

func (w *writer) run(ctx context.Context, stop time.Time) {
	for n := 0; time.Now().Before(stop) && ctx.Err() == nil; n++ {
		var out struct {
			CreateLead struct {
				ID      string
				Version int64
				Stage   string
			}
		}
		t0 := time.Now()
		err := w.gql(ctx, `mutation($in: CreateLeadInput!) { createLead(input: $in) { id version stage } }`,
			map[string]any{"in": map[string]any{"firmName": fmt.Sprintf("%s 企业 %d", w.name, n), "segment": w.cfg.Segment,
				"park": w.cfg.Park, "capacity": 1.5, "investment": 2}}, &out)
		if err != nil {
			w.fail(err)
			continue
		}
		w.create = append(w.create, time.Since(t0))
		a := Acked{ID: out.CreateLead.ID, Owner: w.name, Version: out.CreateLead.Version, Stage: chainmap.LeadClue, Writes: 1}
		for _, st := range stages {
			if !time.Now().Before(stop) || ctx.Err() != nil {
				break
			}
			var mv struct {
				MoveLeadStage struct {
					Version int64
					Stage   string
				}
			}
			t0 := time.Now()
			err := w.gql(ctx, `mutation($id: ID!, $v: Int!, $st: LeadStage!) { moveLeadStage(id: $id, version: $v, stage: $st) { version stage } }`,
				map[string]any{"id": a.ID, "v": a.Version, "st": gqlStage[st]}, &mv)
			if err != nil {
				// The outcome is unknown: the lead's later checks would be guesses, so the
				// writer leaves it and starts another (Verify accepts either outcome of
				// this one write, and counts it as unknown).
				w.fail(err)
				a.Writes = -a.Writes
				break
			}
			w.moves = append(w.moves, time.Since(t0))
			a.Version, a.Stage, a.Writes = mv.MoveLeadStage.Version, st, a.Writes+1
		}
		w.leads = append(w.leads, a)
	}
}

func (w *writer) fail(err error) {
	w.failed++
	if len(w.errs) < 3 {
		w.errs = append(w.errs, err.Error())
	}
}

// gql sends one GraphQL request as the writer and decodes data into out.
func (w *writer) gql(ctx context.Context, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, "POST", w.cfg.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.token)
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("HTTP %d: not JSON: %.200s", resp.StatusCode, raw)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("HTTP %d: %s (%v)", resp.StatusCode, r.Errors[0].Message, r.Errors[0].Extensions["code"])
	}
	return json.Unmarshal(r.Data, out)
}

// Check is what Verify found in the store.
type Check struct {
	// Stored counts this run's leads in the store; Acknowledged the leads whose creation
	// was acknowledged.
	Stored, Acknowledged int
	// Lost lists acknowledged writes the store does not show (a missing lead, or a
	// version or stage behind the last acknowledged move); Duplicated leads stored twice
	// or stored without an acknowledgement while no request failed.
	Lost, Duplicated []string
	// AuditEntries counts this run's audit entries; AuditWant is one per acknowledged
	// write (plus at most one per failed request, whose outcome is unknown).
	AuditEntries, AuditWant, AuditSlack int
}

// OK reports whether nothing was lost or duplicated and the audit trail agrees.
func (c *Check) OK() bool {
	return len(c.Lost) == 0 && len(c.Duplicated) == 0 &&
		c.AuditEntries >= c.AuditWant && c.AuditEntries <= c.AuditWant+c.AuditSlack
}

// Verify reads the lead store after a run (the server stopped, or at least idle) and
// checks every acknowledged write: each acknowledged lead is stored exactly once, at
// least at the version and stage of its last acknowledged move (exactly, unless a later
// move's answer was lost), and the run's audit entries number one per acknowledged write
// (a failed request may have written one more).
func Verify(ctx context.Context, store chainmap.LeadStore, res *Result) (*Check, error) {
	cfg := res.Config
	c := &Check{Acknowledged: len(res.Leads), AuditWant: res.Acknowledged(), AuditSlack: res.Failed}
	stored := map[string]*chainmap.Lead{}
	names := map[string]bool{}
	for i := range cfg.Writers {
		name := Writer(cfg.RunID, i)
		names[name] = true
		q := chainmap.LeadQuery{Owner: name, First: chainmap.MaxLeadPage}
		for {
			page, err := store.Leads(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("read the leads of %s: %w", name, err)
			}
			for _, l := range page.Leads {
				if stored[l.ID] != nil {
					c.Duplicated = append(c.Duplicated, l.ID+" listed twice")
				}
				stored[l.ID] = l
			}
			if !page.HasNext {
				break
			}
			q.After = page.EndCursor
		}
	}
	c.Stored = len(stored)
	acked := map[string]bool{}
	for _, a := range res.Leads {
		if acked[a.ID] {
			c.Duplicated = append(c.Duplicated, a.ID+" acknowledged as created twice")
		}
		acked[a.ID] = true
		l := stored[a.ID]
		switch {
		case l == nil:
			c.Lost = append(c.Lost, a.ID+": acknowledged, not stored")
		case l.Owner != a.Owner:
			c.Lost = append(c.Lost, fmt.Sprintf("%s: owner %s, acknowledged for %s", a.ID, l.Owner, a.Owner))
		case a.Writes > 0 && (l.Version != a.Version || l.Stage != a.Stage):
			c.Lost = append(c.Lost, fmt.Sprintf("%s: stored at version %d (%s), acknowledged version %d (%s)", a.ID, l.Version, l.Stage, a.Version, a.Stage))
		case a.Writes < 0 && (l.Version < a.Version || l.Version > a.Version+1):
			c.Lost = append(c.Lost, fmt.Sprintf("%s: stored at version %d, acknowledged %d and one unknown", a.ID, l.Version, a.Version))
		}
	}
	// A stored lead nobody acknowledged: a create whose answer was lost (allowed, one per
	// failed request) or a duplicate.
	extra := 0
	for id, l := range stored {
		if !acked[id] {
			extra++
			// A create whose answer was lost leaves a lead nobody knows the id of, so
			// nobody moved it.
			if l.Version != 1 {
				c.Duplicated = append(c.Duplicated, fmt.Sprintf("%s: stored at version %d, never acknowledged", id, l.Version))
			}
		}
	}
	if extra > res.Failed {
		c.Duplicated = append(c.Duplicated, fmt.Sprintf("%d leads stored that no acknowledged or failed create explains", extra-res.Failed))
	}
	var after int64
	for {
		es, err := store.Audit(ctx, chainmap.AuditQuery{After: after})
		if err != nil {
			return nil, fmt.Errorf("read the audit trail: %w", err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if names[e.Actor] {
				c.AuditEntries++
			}
		}
		after = es[len(es)-1].Seq
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return c, nil
}

// ErrNotOK is returned by Check.Err when a check failed.
var ErrNotOK = errors.New("writes were lost or duplicated")

// Err describes a failed check, nil when it passed.
func (c *Check) Err() error {
	if c.OK() {
		return nil
	}
	return fmt.Errorf("%w: %d lost %v, %d duplicated %v, audit %d entries for %d acknowledged writes (+%d unknown)",
		ErrNotOK, len(c.Lost), head(c.Lost), len(c.Duplicated), head(c.Duplicated), c.AuditEntries, c.AuditWant, c.AuditSlack)
}

func head(l []string) []string { return l[:min(len(l), 5)] }

package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
)

// TestLeadsExportFeedsTheDataset: the producing leads, exported and appended to the
// dataset, validate and load: the new firm and its operation, project and source are in
// the next version.
func TestLeadsExportFeedsTheDataset(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	if _, err := loaders.Load(ctx, "../../testdata/minimal", mem, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	st, err := boltstore.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	// li both requests and approves the moves to 投产 (a bureau may allow that).
	p := &chainmap.Pipeline{Data: mem, Leads: st, Approval: chainmap.ApprovalPolicy{SelfApproval: true}}
	li := chainmap.WithActor(ctx, chainmap.Actor{Name: "li", Role: chainmap.RoleManager})
	cap5, inv := 5.0, 3.0
	newFirm, err := p.CreateLead(li, chainmap.LeadInput{FirmName: "新材料公司", Segment: "W1", Park: "east-park", Capacity: &cap5, Investment: &inv})
	if err != nil {
		t.Fatal(err)
	}
	known, err := p.CreateLead(li, chainmap.LeadInput{Enterprise: "gamma", Segment: "W2", Region: "110105"})
	if err != nil {
		t.Fatal(err)
	}
	open, err := p.CreateLead(li, chainmap.LeadInput{FirmName: "还在谈", Segment: "W3", Park: "east-park"})
	if err != nil {
		t.Fatal(err)
	}
	ev := []chainmap.Evidence{{Kind: chainmap.EvidenceProduction, Reference: "验收报告 1 号", Date: "2026-01-02"}}
	for _, l := range []*chainmap.Lead{newFirm, known} {
		r, err := p.RequestMove(li, l.ID, 1, chainmap.MoveRequestInput{To: chainmap.LeadProduction, Evidence: ev, Contracted: &inv})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DecideMove(li, l.ID, r.Version, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.MoveLead(li, open.ID, 1, chainmap.LeadNegotiation, "", ""); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := filepath.Join(dir, "out")
	if msg, err := run(t, "", "leads", "export", "--into", out, "--data", "../../testdata/minimal", "--state", state); err != nil ||
		!strings.Contains(msg, "1 enterprises, 2 operations, 2 projects") {
		t.Fatalf("export: %v\n%s", err, msg)
	}
	if _, err := run(t, "", "leads", "export", "--into", out, "--data", "../../testdata/minimal", "--state", state); err == nil {
		t.Error("export wrote into a folder that is not empty")
	}
	next := filepath.Join(dir, "next")
	if err := os.CopyFS(next, os.DirFS("../../testdata/minimal")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sources.csv", "enterprises.csv", "operations.csv", "projects.csv"} {
		appendByHeader(t, filepath.Join(next, f), filepath.Join(out, f))
	}
	if msg, err := run(t, "", "validate", next); err != nil {
		t.Fatalf("the dataset with the exported rows does not validate: %v\n%s", err, msg)
	}
	m2 := memstore.New()
	if _, err := loaders.Load(ctx, next, m2, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	ops, err := m2.Operations(ctx, chainmap.OperationQuery{Segments: []string{"W1"}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range ops {
		if o.Enterprise == "lead-"+newFirm.ID && o.Capacity != nil && *o.Capacity == 5 && chainmap.IsSuggested(o.Verification) {
			found = true
		}
	}
	if !found {
		t.Errorf("the new firm's operation is not in the next version: %+v", ops)
	}
	ps, _ := m2.Projects(ctx, chainmap.ProjectQuery{IDs: []string{"lead-" + known.ID}})
	if len(ps) != 1 || ps[0].Enterprise != "gamma" || ps[0].Stage != "producing" || len(ps[0].Sources) != 1 || ps[0].Sources[0].SourceID() != "lead-"+known.ID {
		t.Errorf("gamma's project: %+v", ps)
	}
}

// appendByHeader appends the rows of src to dst, matching columns by name.
func appendByHeader(t *testing.T, dst, src string) {
	t.Helper()
	read := func(p string) [][]string {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	d, s := read(dst), read(src)
	idx := map[string]int{}
	for i, c := range d[0] {
		idx[c] = i
	}
	for _, c := range s[0] { // a column the fixture leaves out is added, empty in its rows
		if _, ok := idx[c]; !ok {
			idx[c] = len(d[0])
			for i := range d {
				if i == 0 {
					d[0] = append(d[0], c)
				} else {
					d[i] = append(d[i], "")
				}
			}
		}
	}
	for _, row := range s[1:] {
		out := make([]string, len(d[0]))
		for i, c := range s[0] {
			out[idx[c]] = row[i]
		}
		d = append(d, out)
	}
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(d)
	f.Close()
}

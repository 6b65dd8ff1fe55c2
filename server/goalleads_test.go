package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/server"
)

// TestGoalLeadEffectThroughGraphQL: goals show what the signed leads would add (the rule
// itself is held to hand-computed figures on both stores in the conformance suite); only
// to a login.
func TestGoalLeadEffectThroughGraphQL(t *testing.T) {
	ts, p := pipelineServer(t, server.Config{})
	li := chainmap.WithActor(context.Background(), chainmap.Actor{Name: "li", Role: chainmap.RoleManager})
	cap4 := 4.0
	l, err := p.CreateLead(li, chainmap.LeadInput{FirmName: "新零件", Segment: "W2a", Park: "east-sub", Capacity: &cap4})
	if err != nil {
		t.Fatal(err)
	}
	q := `query($f: LeadFilter) { goals { id current onTrack leadEffect(filter: $f) { basis added withLeads onTrackWithLeads leads { id } note } } }`
	viewer := &client{t: t, ts: ts, bearer: "tok-viewer-0123456789"}
	_, r := viewer.gql(q, nil)
	if errCode(r) != "ok" || !strings.Contains(string(r.Data), `"id":"g2","current":5,"onTrack":false,"leadEffect":{"basis":"capacity","added":0,"withLeads":5,"onTrackWithLeads":false,"leads":[]`) {
		t.Fatalf("before the lead is signed: %s %v", r.Data, r.Errors)
	}
	signLead(t, p, l) // requested and approved: a signed lead counts once approved
	_, r = viewer.gql(q, nil)
	if !strings.Contains(string(r.Data), `"leadEffect":{"basis":"capacity","added":4,"withLeads":9,"onTrackWithLeads":false,"leads":[{"id":"`+l.ID+`"}]`) {
		t.Errorf("after 签约: %s", r.Data)
	}
	if !strings.Contains(string(r.Data), `"id":"g1","current":1,"onTrack":null,"leadEffect":{"basis":null,"added":null`) {
		t.Errorf("g1 (a count by revenue): %s", r.Data)
	}
	_, r = viewer.gql(q, map[string]any{"f": map[string]any{"stages": []string{"CLUE"}}})
	if !strings.Contains(string(r.Data), `"leadEffect":{"basis":"capacity","added":0,`) {
		t.Errorf("with a filter of stage 线索: %s", r.Data)
	}
	_, r = (&client{t: t, ts: ts}).gql(q, nil)
	if errCode(r) != "ok" || !strings.Contains(string(r.Data), `"leadEffect":null`) || strings.Contains(string(r.Data), l.ID) {
		t.Errorf("anonymous: %s %v", r.Data, r.Errors)
	}
}

package neo4jstore

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// TestCypherPropertiesAreDomainFields makes a rename of a domain field fail here rather
// than only on Neo4j: the store writes each record's JSON form as node and relationship
// properties, so every `alias.property` read in the Cypher text of this package must be
// a JSON field of the domain type that alias stands for, or one of the few properties
// this store writes itself (listed below).
func TestCypherPropertiesAreDomainFields(t *testing.T) {
	fields := func(types ...any) []string {
		var out []string
		for _, v := range types {
			out = append(out, jsonFields(reflect.TypeOf(v))...)
		}
		return out
	}
	// The properties the store adds to every record (dataset marker, relationship key)
	// and the bookkeeping nodes it owns (Dataset, StatsMeta, SegmentStats).
	own := []string{"dataset", "key"}
	segment := fields(chainmap.Segment{})
	aliases := map[string][]string{
		"e": fields(chainmap.Enterprise{}), "r": fields(chainmap.Operation{}),
		"s": segment, "x": segment, "sg": segment, "sub": segment, "a": segment, "b": segment,
		"p": fields(chainmap.Park{}), "pk": fields(chainmap.Park{}), "reg": fields(chainmap.Region{}),
		// n is any dataset node.
		"n": fields(chainmap.Source{}, chainmap.Chain{}, chainmap.Segment{}, chainmap.Region{}, chainmap.Park{},
			chainmap.Enterprise{}, chainmap.Project{}, chainmap.Policy{}, chainmap.Goal{}, chainmap.Indicator{},
			chainmap.Platform{}, chainmap.Technology{}),
		"d":      {"id", "info", "status", "started_at", "finished_at"},
		"before": {"dataset"},
		"m":      {"version", "built_at", "cells"},
		"t":      {"chain", "region", "park", "segments", "enterprises", "revenue", "with_revenue", "sums", "counts", "suggested"},
		// The pipeline's nodes (leads.go): copies of a few fields for the filters, the
		// record's JSON in data, and the lock property an update takes.
		"l":  {"id", "version", "chain", "segment", "park", "region", "owner", "stage", "enterprise", "last_activity_ms", "firm_key", "credit_code", "data", "_lock", "audit_n"},
		"f":  {"id", "lead", "data"},
		"ae": {"seq", "subject", "data", "pending_ms", "sub_n"},
		// audit.go: the subject of an audit entry (a lead or a user) and the rows that
		// number pending entries; leads.go's fillFirmKeys rows.
		"sj": {"audit_n"}, "sq": {"eid", "seq"}, "fk": {"id", "k", "c", "d"},
		"u":  {"name", "data"},
		"c":  {"id", "n"},
		"pf": {"id", "format"},                                        // leads.go: the pipeline data's format
		"ss": {"id_hash", "user", "role", "created_ms", "expires_ms"}, // sessions.go
		// The load lock (loadlock.go).
		"lk": {"name", "token", "holder", "host", "pid", "taken_at", "expires_at", "contended_at"},
		"lr": {"id", "version", "chain", "segment", "park", "region", "owner", "stage", "enterprise", "last", "firm_key", "credit_code", "data", "lead", "seq", "subject", "name"},
		// Maps built inside the queries themselves.
		"scope": {"parks", "regions"}, "row": {"id", "key"},
	}
	// Evidence files (leads_attachments.go) and the rows of their restore.
	aliases["att"] = []string{"id", "lead", "data", "content"}
	aliases["ar"] = aliases["att"]
	files, _ := filepath.Glob("*.go")
	lit := regexp.MustCompile("`[^`]*`")
	prop := regexp.MustCompile(`\b([a-z][A-Za-z0-9_]*)\.([a-z_][A-Za-z0-9_]*)\b`)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range lit.FindAllString(string(src), -1) {
			for _, m := range prop.FindAllStringSubmatch(q, -1) {
				alias, name := m[1], m[2]
				allowed, ok := aliases[alias]
				if !ok {
					t.Errorf("%s: Cypher reads %s.%s: alias %q is not mapped to a domain type in this test; add it", f, alias, name, alias)
					continue
				}
				seen++
				if !slices.Contains(allowed, name) && !slices.Contains(own, name) {
					t.Errorf("%s: Cypher reads %s.%s, which is no JSON field of the type %q stands for (renamed?)", f, alias, name, alias)
				}
			}
		}
	}
	if seen < 50 {
		t.Errorf("only %d property reads found in the Cypher text: is the scan still looking at the queries?", seen)
	}
}

// jsonFields lists the JSON names of a struct's fields, embedded structs included.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// TestWrapRetriesExhausted: a transaction whose retries ran out (the database went away
// mid-write) is SERVICE_UNAVAILABLE, not an internal error.
func TestWrapRetriesExhausted(t *testing.T) {
	s := &Store{}
	err := s.wrap(&neo4j.TransactionExecutionLimit{Cause: "timeout (exceeded max retry time: 5s)",
		Errors: []error{&neo4j.ConnectivityError{Inner: errors.New("EOF")}}})
	if chainmap.ErrorCode(err) != chainmap.EUNAVAILABLE {
		t.Errorf("retries exhausted: %v (%s)", err, chainmap.ErrorCode(err))
	}
}

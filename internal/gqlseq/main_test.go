package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestGeneratedFileIsUpToDate: the committed executor is what gqlseq writes (so go
// generate was run through it), and the lists the gap analysis answers are split as
// they must be: leaf lists sequential, lists whose elements reach a resolver concurrent.
func TestGeneratedFileIsUpToDate(t *testing.T) {
	const path = "../../graph/generated/generated.go"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, st, err := Rewrite(path, src)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(src) {
		t.Fatalf("graph/generated/generated.go is not what gqlseq writes (%d rewrites pending): run go generate ./graph", st.Rewritten)
	}
	if st.Rewritten != 0 || st.Sequential == 0 || st.Sequential >= st.Lists {
		t.Fatalf("stats %+v: want some, not all, lists sequential and nothing left to rewrite", st)
	}
	for typ, want := range map[string]string{
		"ScoreFactor":       "listmarshal.Sequential", // name, points, detail: fields only
		"StageCompleteness": "listmarshal.Sequential",
		"SegmentGap":        "graphql.MarshalSliceConcurrently", // leads is a resolver; segment reaches Segment.chain
		"Balance":           "graphql.MarshalSliceConcurrently", // from and to are resolvers
		"Enterprise":        "graphql.MarshalSliceConcurrently",
	} {
		re := regexp.MustCompile(`(?s)func \(ec \*executionContext\) marshalN` + typ + `2ᚕ[^(]*\([^)]*\) graphql\.Marshaler \{\n\tret := ([a-zA-Z.]+)\(`)
		m := re.FindSubmatch(src)
		if m == nil {
			t.Errorf("no list marshaller for %s found", typ)
			continue
		}
		if string(m[1]) != want {
			t.Errorf("list of %s marshalled by %s, want %s", typ, m[1], want)
		}
	}
}

// A small executor in the generated code's shape: Leaf has only field reads; Outer holds
// an Inner whose field is resolved concurrently (two levels down, through a field that is
// not a resolver); Self refers to itself and to Leaf only.
const sample = `package generated

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

type executionContext struct{}

func (ec *executionContext) _Leaf(ctx context.Context) graphql.Marshaler { return ec._Leaf_name(ctx) }
func (ec *executionContext) _Leaf_name(ctx context.Context) graphql.Marshaler { ec.Error(ctx, nil); return nil }
func (ec *executionContext) _Inner(ctx context.Context) graphql.Marshaler {
	var out graphql.FieldSet
	out.ResolveConcurrently(nil, nil, 0, nil)
	return nil
}
func (ec *executionContext) _Outer(ctx context.Context) graphql.Marshaler { return ec._Outer_inner(ctx) }
func (ec *executionContext) _Outer_inner(ctx context.Context) graphql.Marshaler { return ec._Inner(ctx) }
func (ec *executionContext) _Self(ctx context.Context) graphql.Marshaler { ec._Self(ctx); return ec.marshalNLeaf2ᚕ(ctx, nil) }
func (ec *executionContext) _Res(ctx context.Context) graphql.Marshaler { return ec.resolvers.X() }

func (ec *executionContext) marshalNLeaf2ᚕ(ctx context.Context, v []int) graphql.Marshaler {
	return graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Leaf(ctx)
	})
}
func (ec *executionContext) marshalNOuter2ᚕ(ctx context.Context, v []int) graphql.Marshaler {
	return graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Outer(ctx)
	})
}
func (ec *executionContext) marshalNSelf2ᚕ(ctx context.Context, v []int) graphql.Marshaler {
	return graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Self(ctx)
	})
}
func (ec *executionContext) marshalNRes2ᚕ(ctx context.Context, v []int) graphql.Marshaler {
	return graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Res(ctx)
	})
}
`

func TestRewriteFollowsCalls(t *testing.T) {
	out, st, err := Rewrite("sample.go", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for fn, want := range map[string]string{
		"marshalNLeaf2ᚕ":  "listmarshal.Sequential",
		"marshalNSelf2ᚕ":  "listmarshal.Sequential",
		"marshalNOuter2ᚕ": "graphql.MarshalSliceConcurrently",
		"marshalNRes2ᚕ":   "graphql.MarshalSliceConcurrently",
	} {
		i := strings.Index(got, fn+"(ctx context.Context")
		if i < 0 {
			t.Fatalf("%s missing from the output", fn)
		}
		body := got[i:]
		body = body[:strings.Index(body, "\n}\n")]
		if !strings.Contains(body, want+"(") {
			t.Errorf("%s: want %s, got\n%s", fn, want, body)
		}
	}
	if st.Lists != 4 || st.Sequential != 2 || st.Rewritten != 2 {
		t.Errorf("stats %+v, want 4 lists, 2 sequential, 2 rewritten", st)
	}
	if !strings.Contains(got, `"github.com/chainmap/chainmap/graph/listmarshal"`) {
		t.Error("the helper's import was not added")
	}
	again, st2, err := Rewrite("sample.go", out)
	if err != nil || string(again) != got || st2.Rewritten != 0 || st2.Sequential != 2 {
		t.Errorf("a second run changed the file or its count (%+v, %v)", st2, err)
	}
}

// A method of the execution context that the file does not define and gqlseq does not
// know stops the rewrite instead of being assumed harmless.
func TestUnknownMethodStops(t *testing.T) {
	src := strings.Replace(sample, "ec.Error(ctx, nil)", "ec.SomethingNew(ctx)", 1)
	if _, _, err := Rewrite("sample.go", []byte(src)); err == nil || !strings.Contains(err.Error(), "SomethingNew") {
		t.Fatalf("err = %v, want one naming SomethingNew", err)
	}
}

package server

import (
	"context"
	"log/slog"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Error codes of refusals made before a query runs, beside gqlgen's own
// GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED and COMPLEXITY_LIMIT_EXCEEDED.
const (
	codeComplexity           = "COMPLEXITY_LIMIT_EXCEEDED"
	codeIntrospectionOff     = "INTROSPECTION_DISABLED"
	codeRequestEnded         = "REQUEST_CANCELLED"
	codeErrorsTruncated      = "ERRORS_TRUNCATED"
	defaultMaxSelections     = 1000
	maxErrorsPerResponse     = 50
	queryCacheEntries        = 1000
	queryCacheBytes          = 256 << 10 // of query text; a parsed document holds ≈80× its text
	persistedQueryCacheBytes = 1 << 20
)

func init() {
	// A refused introspection is a request error: 400 under
	// application/graphql-response+json, 200 with the error under application/json.
	errcode.RegisterErrorType(codeIntrospectionOff, errcode.KindProtocol)
}

// documentGuard bounds what a query document can cost before anything expands it, and
// stops a request whose deadline passed or whose client left between the phases.
//
// gqlgen's complexity walk (and the depth walk of Limits) visit a fragment again at every
// spread, so `fragment F0 { ...F1 ...F1 } fragment F1 { ...F2 ...F2 } …` costs 2^n
// visits; the validator's overlapping-fields rule is quadratic in the fields of a
// selection set. Counting every selection with each fragment's size computed once
// (memoised, spreads weighted by how often they occur) bounds all of them in time linear
// in the document, before validation.
type documentGuard struct {
	maxSelections int
	tokenLimit    int
	introspection bool
	cache         graphql.Cache[*ast.QueryDocument] // documents that already passed
	log           *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = documentGuard{}

// ExtensionName names the extension for gqlgen.
func (documentGuard) ExtensionName() string { return "DocumentGuard" }

// Validate accepts any schema.
func (documentGuard) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters runs before gqlgen parses and validates the query: it
// refuses documents that expand to more than maxSelections selections or whose fragments
// spread themselves.
func (g documentGuard) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if err := ctx.Err(); err != nil {
		return endedError(err)
	}
	if _, ok := g.cache.Get(ctx, p.Query); ok {
		return nil // parsed, bounded and validated before
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, g.tokenLimit)
	if err != nil {
		return nil // gqlgen parses again and reports the syntax error with its code
	}
	x := newExpansion(doc, g.maxSelections)
	total := 0
	for _, op := range doc.Operations {
		total += x.set(op.SelectionSet)
		if total > g.maxSelections || x.cycle != "" {
			break
		}
	}
	// Unused fragments too: the validator walks each of them (its overlapping-fields rule
	// is quadratic in a selection set), so their sizes add up like the operations'.
	reached := make(map[string]bool, len(x.memo))
	for name := range x.memo {
		reached[name] = true
	}
	for _, f := range doc.Fragments {
		if total > g.maxSelections || x.cycle != "" {
			break
		}
		if !reached[f.Name] {
			total += x.fragment(f.Name)
		}
	}
	switch {
	case x.cycle != "":
		g.log.Info("graphql query refused", "reason", "fragment cycle", "fragment", x.cycle, "query", p.Query)
		e := gqlerror.Errorf("fragment %q spreads itself, directly or through other fragments", x.cycle)
		errcode.Set(e, errcode.ValidationFailed)
		return e
	case total > g.maxSelections || x.over:
		g.log.Warn("graphql query refused", "reason", "expands past the selection limit",
			"limit", g.maxSelections, "query_bytes", len(p.Query), "query", p.Query)
		e := gqlerror.Errorf("the query expands to more than %d fields and fragments "+
			"(a fragment counts each time it is spread)", g.maxSelections)
		errcode.Set(e, codeComplexity)
		return e
	}
	return nil
}

// MutateOperationContext runs after validation, before the complexity and shape limits and
// execution: it stops requests that ended meanwhile and refuses introspection when it is off.
func (g documentGuard) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if err := ctx.Err(); err != nil {
		return endedError(err)
	}
	if !g.introspection && oc.Operation != nil && selectsIntrospection(oc.Doc, oc.Operation.SelectionSet, map[string]bool{}) {
		e := gqlerror.Errorf("introspection is disabled on this server")
		errcode.Set(e, codeIntrospectionOff)
		return e
	}
	return nil
}

// endedError reports a request whose deadline passed or whose client went away.
func endedError(err error) *gqlerror.Error {
	e := gqlerror.Errorf("the request ended before it ran: %v", err)
	errcode.Set(e, codeRequestEnded)
	return e
}

// selectsIntrospection reports whether a root selection set asks for __schema or __type
// (__typename stays allowed), looking through fragments.
func selectsIntrospection(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if selectsIntrospection(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := doc.Fragments.ForName(s.Name); f != nil && selectsIntrospection(doc, f.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}

// expansion counts the selections (fields, inline fragments and spreads) a selection set
// expands to, computing each fragment once and stopping as soon as the count passes
// limit, so its cost is linear in the document whatever the fan-out.
type expansion struct {
	frags  map[string]*ast.FragmentDefinition
	memo   map[string]int
	onPath map[string]bool
	limit  int
	cycle  string // a fragment found spreading itself
	over   bool   // some count passed limit
}

func newExpansion(doc *ast.QueryDocument, limit int) *expansion {
	x := &expansion{frags: map[string]*ast.FragmentDefinition{}, memo: map[string]int{},
		onPath: map[string]bool{}, limit: limit}
	for _, f := range doc.Fragments {
		if _, dup := x.frags[f.Name]; !dup {
			x.frags[f.Name] = f
		}
	}
	return x
}

// set returns the expanded size of a selection set, or limit+1 once it passes limit.
func (x *expansion) set(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n += 1 + x.set(s.SelectionSet)
		case *ast.InlineFragment:
			n += 1 + x.set(s.SelectionSet)
		case *ast.FragmentSpread:
			n += 1 + x.fragment(s.Name)
		}
		// Each term is at most limit+2, so n cannot overflow before this check.
		if n > x.limit || x.cycle != "" {
			x.over = x.over || n > x.limit
			return x.limit + 1
		}
	}
	return n
}

// fragment returns the expanded size of a named fragment, computed once; unknown
// fragments count 0 (the validator reports them).
func (x *expansion) fragment(name string) int {
	if n, ok := x.memo[name]; ok {
		return n
	}
	if x.onPath[name] {
		x.cycle = name
		return x.limit + 1
	}
	f := x.frags[name]
	if f == nil {
		return 0
	}
	x.onPath[name] = true
	n := x.set(f.SelectionSet)
	delete(x.onPath, name)
	x.memo[name] = n
	return n
}

// boundedCache is an LRU cache of at most entries items whose keys and values weigh at
// most budget bytes together: gqlgen's caches bound only the count, and 1,000 parsed
// documents of 5,000 tokens hold more than a gigabyte.
type boundedCache[T any] struct {
	mu     sync.Mutex
	lru    *simplelru.LRU[string, T]
	weight func(key string, v T) int
	bytes  int
	budget int
}

func newBoundedCache[T any](entries, budget int, weight func(string, T) int) *boundedCache[T] {
	c := &boundedCache[T]{budget: budget, weight: weight}
	c.lru, _ = simplelru.NewLRU[string, T](entries, func(k string, v T) { c.bytes -= weight(k, v) })
	return c
}

// Get returns a cached value.
func (c *boundedCache[T]) Get(_ context.Context, key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Get(key)
}

// Add caches a value unless it alone weighs more than a quarter of the budget, evicting
// the least recently used until the rest fits.
func (c *boundedCache[T]) Add(_ context.Context, key string, v T) {
	w := c.weight(key, v)
	if w > c.budget/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lru.Contains(key) {
		return
	}
	c.lru.Add(key, v)
	c.bytes += w
	for c.bytes > c.budget {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

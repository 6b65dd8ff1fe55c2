package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// maxIntrospectionDepth bounds introspection queries (GraphiQL's standard one is 15 deep).
const maxIntrospectionDepth = 16

// Limits bounds the shape of a query before it runs: gqlgen has a complexity limit but
// no depth or alias limit, so this extension walks the operation once.
type Limits struct {
	MaxDepth      int
	MaxAliases    int
	MaxDirectives int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName names the extension for gqlgen.
func (Limits) ExtensionName() string { return "QueryShapeLimits" }

// Validate accepts any schema.
func (Limits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses over-deep queries, alias floods and directive floods
// with GRAPHQL_VALIDATION_FAILED.
func (l Limits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := walker{doc: oc.Doc, seen: map[string]bool{}}
	depth := w.depth(oc.Operation.SelectionSet, 1)
	if l.MaxDepth > 0 && depth > l.MaxDepth {
		return limitError("the query is %d levels deep, more than the %d allowed", depth, l.MaxDepth)
	}
	if w.introspectionTooDeep {
		return limitError("the introspection query is more than %d levels deep", maxIntrospectionDepth)
	}
	if l.MaxAliases > 0 && w.aliases > l.MaxAliases {
		return limitError("the query uses %d aliases, more than the %d allowed", w.aliases, l.MaxAliases)
	}
	if l.MaxDirectives > 0 && w.directives > l.MaxDirectives {
		return limitError("the query uses %d directives, more than the %d allowed", w.directives, l.MaxDirectives)
	}
	return nil
}

func limitError(format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
	return e
}

type walker struct {
	doc                  *ast.QueryDocument
	aliases, directives  int
	introspectionTooDeep bool
	seen                 map[string]bool // fragments on the current path, to stop cycles
}

// depth returns the depth of a selection set, counting fields (fragments are inlined),
// and tallies aliases and directives on the way.
func (w *walker) depth(set ast.SelectionSet, level int) int {
	deepest := level - 1
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			if s.Name == "__schema" || s.Name == "__type" {
				// Tools (GraphiQL) send introspection 15 levels deep: it gets a bound of
				// its own, deep enough for them and no more (circular introspection).
				w.directives += len(s.Directives)
				if d := w.depth(s.SelectionSet, 1); d > maxIntrospectionDepth {
					w.introspectionTooDeep = true
				}
				continue
			}
			w.directives += len(s.Directives)
			d := level
			if len(s.SelectionSet) > 0 {
				d = w.depth(s.SelectionSet, level+1)
			}
			deepest = max(deepest, d)
		case *ast.InlineFragment:
			w.directives += len(s.Directives)
			deepest = max(deepest, w.depth(s.SelectionSet, level))
		case *ast.FragmentSpread:
			w.directives += len(s.Directives)
			if w.seen[s.Name] {
				continue
			}
			if f := w.doc.Fragments.ForName(s.Name); f != nil {
				w.seen[s.Name] = true
				deepest = max(deepest, w.depth(f.SelectionSet, level))
				delete(w.seen, s.Name)
			}
		}
	}
	return deepest
}

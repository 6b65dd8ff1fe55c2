// Package listmarshal marshals GraphQL lists whose elements cannot block, one element
// after another on the calling goroutine.
//
// gqlgen marshals every list of objects with a goroutine per element
// (graphql.MarshalSliceConcurrently), so that elements whose fields call resolvers (which
// may wait on a dataloader's batch) wait together. For elements that only read struct
// fields and context-free methods that buys nothing and costs a goroutine, its stack
// growth and its scheduling per element: about a quarter of a gap analysis request's CPU
// (issue 18). internal/gqlseq, run by go generate after gqlgen, points the generated
// marshallers of such lists here; the others keep gqlgen's.
package listmarshal

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// Sequential has graphql.MarshalSliceConcurrently's signature and answers what it
// answers — each element under its own field context carrying its index, a panic in
// one element recorded as that element's error and a null — without goroutines. The
// worker limit does not apply: nothing runs concurrently.
func Sequential(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		fc := &graphql.FieldContext{Index: &i}
		childCtx := graphql.WithFieldContext(ctx, fc)
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		ret[i] = marshalRecovering(childCtx, i, marshalElement)
	}
	return ret
}

// marshalRecovering marshals one element, turning a panic into the element's error and a
// null as gqlgen does.
func marshalRecovering(ctx context.Context, i int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshalElement(ctx, i)
}

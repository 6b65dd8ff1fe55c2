package listmarshal_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/chainmap/chainmap/graph/listmarshal"
)

// Sequential answers what gqlgen's MarshalSliceConcurrently answers: elements in order,
// each under a field context holding its index; a panicking element becomes null with an
// error on the response, and the others are still marshalled.
func TestSequentialAsConcurrently(t *testing.T) {
	for _, impl := range []struct {
		name string
		f    func(context.Context, int, int64, bool, func(context.Context, int) graphql.Marshaler) graphql.Array
	}{{"gqlgen", graphql.MarshalSliceConcurrently}, {"sequential", listmarshal.Sequential}} {
		t.Run(impl.name, func(t *testing.T) {
			ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
			ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{}})
			arr := impl.f(ctx, 4, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
				if i == 2 {
					panic("element 2")
				}
				return graphql.MarshalInt(*graphql.GetFieldContext(ctx).Index * 10)
			})
			var buf bytes.Buffer
			arr.MarshalGQL(&buf)
			if got := buf.String(); got != "[0,10,null,30]" {
				t.Errorf("list = %s, want [0,10,null,30]", got)
			}
			if errs := graphql.GetErrors(ctx); len(errs) != 1 {
				t.Errorf("errors = %v, want the one panic", errs)
			}
		})
	}
}

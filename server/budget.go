package server

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/chainmap/chainmap/graph"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// defaultMaxResolvedFields bounds the fields one request resolves. The largest answer
// the front end asks for (a page of 750 enterprises with their operations) resolves
// about 27,000 fields; an answer holds about 1.3 KB of memory per field while it is built
// (335,767 fields: 425 MB), so 100,000 keeps one request near 130 MB.
const defaultMaxResolvedFields = 100_000

// errBudgetSilenced is returned by every field after a request was stopped: the first
// stop is reported once, the rest are dropped by the error presenter, so a request cut
// in the middle of a million list items does not collect a million errors.
var errBudgetSilenced = errors.New("request stopped")

// fieldBudget counts the fields one request resolves and the items of the lists they
// return, while it runs. The complexity limit
// prices pages (first:) but not the lists the schema returns whole (chains, segments,
// operations, parks…), and a query 100 bytes long nesting those over a large dataset
// resolved hundreds of millions of fields, passed the request deadline and took all the
// memory of the machine (issue 12, a sibling of finding 1). The budget and the deadline
// are checked at every field, so execution stops at either.
type fieldBudget struct {
	limit   int64
	used    atomic.Int64
	stopped atomic.Bool
}

type budgetKey struct{}

// resolvedFieldsBudget gives every operation its own fieldBudget.
func resolvedFieldsBudget(limit int) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(context.WithValue(ctx, budgetKey{}, &fieldBudget{limit: int64(limit)}))
	}
}

// interceptField is the server's one field middleware. It spends the budget and checks
// the deadline (past either it answers one error and stops every later field), and it
// answers null for an empty optional string (graph.EmptyAsNull). One interceptor does
// both because gqlgen wraps every field of every answer in each interceptor's closures:
// a second one cost about 6 % of a gap analysis request's CPU (issue 18).
func interceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	b, _ := ctx.Value(budgetKey{}).(*fieldBudget)
	if b == nil {
		res, err := next(ctx)
		if err != nil {
			return res, err
		}
		return graph.EmptyAsNull(ctx, res), nil
	}
	if b.stopped.Load() {
		return nil, errBudgetSilenced
	}
	var stop error
	if err := ctx.Err(); err != nil {
		stop = err // presented as SERVICE_UNAVAILABLE or REQUEST_CANCELLED
	} else if b.used.Add(1) > b.limit {
		e := gqlerror.Errorf("the query resolves more than %d fields; ask for less (smaller pages, fewer nested lists)", b.limit)
		e.Extensions = map[string]any{"code": codeComplexity}
		stop = e
	}
	if stop != nil {
		if b.stopped.CompareAndSwap(false, true) {
			return nil, stop
		}
		return nil, errBudgetSilenced
	}
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	if v := reflect.ValueOf(res); v.Kind() == reflect.Slice {
		// Each item of a list is work to come (its fields, a goroutine to marshal it):
		// it is charged now, so one huge list cannot slip under the budget as one field.
		b.used.Add(int64(v.Len()))
		return res, nil
	}
	return graph.EmptyAsNull(ctx, res), nil
}

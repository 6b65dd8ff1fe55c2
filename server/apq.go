package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// codePersistedQueryInvalid marks a persisted-query extension the client got wrong.
const codePersistedQueryInvalid = "PERSISTED_QUERY_INVALID"

func init() {
	errcode.RegisterErrorType(codePersistedQueryInvalid, errcode.KindProtocol)
}

// persistedQueries is gqlgen's automatic persisted queries with a code on every refusal:
// gqlgen returns a wrong hash, an unknown version or malformed extension data without
// one, which the server then answered as INTERNAL_SERVER_ERROR and logged at ERROR — a
// client's mistake reported as a fault of the server (issue 12, a sibling of finding 9).
type persistedQueries struct {
	extension.AutomaticPersistedQuery
}

var _ graphql.OperationParameterMutator = persistedQueries{}

// MutateOperationParameters resolves the persisted query and codes gqlgen's refusals.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	err := p.AutomaticPersistedQuery.MutateOperationParameters(ctx, raw)
	if err != nil && (err.Extensions == nil || err.Extensions["code"] == nil) {
		errcode.Set(err, codePersistedQueryInvalid)
	}
	return err
}

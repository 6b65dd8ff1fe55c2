package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// NullEmptyStrings is a field interceptor that answers null, not "", for an optional
// (nullable) String field whose value is empty. The domain keeps an absent text as the
// empty string; a client must be able to tell "not known" from a value, and the schema
// already says such fields may be null. Non-null String! fields are left alone.
type NullEmptyStrings struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = NullEmptyStrings{}

// ExtensionName names the extension for gqlgen.
func (NullEmptyStrings) ExtensionName() string { return "NullEmptyStrings" }

// Validate accepts every schema.
func (NullEmptyStrings) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField turns an empty value of a nullable String field into null.
func (NullEmptyStrings) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	return EmptyAsNull(ctx, res), nil
}

// EmptyAsNull is the rule of NullEmptyStrings for one resolved field: nil for an empty
// value of a nullable String field, the value unchanged otherwise. A server that has a
// field middleware of its own calls it there instead of adding the extension, so that
// every field passes one interceptor, not two.
func EmptyAsNull(ctx context.Context, res any) any {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || fc.Field.Definition == nil {
		return res
	}
	if t := fc.Field.Definition.Type; t == nil || t.NonNull || t.Elem != nil || t.NamedType != "String" {
		return res
	}
	switch v := res.(type) {
	case string:
		if v == "" {
			return nil
		}
	case *string:
		if v != nil && *v == "" {
			return nil
		}
	}
	return res
}

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
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || fc.Field.Definition == nil {
		return res, nil
	}
	if t := fc.Field.Definition.Type; t == nil || t.NonNull || t.Elem != nil || t.NamedType != "String" {
		return res, nil
	}
	switch v := res.(type) {
	case string:
		if v == "" {
			return nil, nil
		}
	case *string:
		if v != nil && *v == "" {
			return nil, nil
		}
	}
	return res, nil
}

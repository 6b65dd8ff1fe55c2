// GraphiQL for power users, bundled from npm (no CDN) as its own entry: the main app
// does not carry React. It queries the same-origin /graphql.

import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import 'graphiql/style.css';
import './graphiql.css';

interface FetcherParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

async function fetcher(params: FetcherParams): Promise<unknown> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(params),
    credentials: 'same-origin',
  });
  return res.json();
}

// The standard introspection query nests type references 15 levels deep, beyond
// chainmap's depth limit (10). This one follows three wrappers (enough for [T!]!), which
// keeps it at 9 levels; GraphiQL gets the schema from it instead of introspecting itself.
const INTROSPECTION = `query ChainmapIntrospection {
  __schema {
    description
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations isRepeatable args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`;

async function loadSchema(): Promise<GraphQLSchema | undefined> {
  try {
    const res = (await fetcher({ query: INTROSPECTION, operationName: 'ChainmapIntrospection' })) as { data?: IntrospectionQuery };
    return res.data ? buildClientSchema(res.data) : undefined;
  } catch {
    return undefined; // GraphiQL then introspects by itself and shows any error
  }
}

const defaultQuery = `# chainmap GraphQL API — 产业链知识图谱
# Ctrl-Enter runs the query; the Docs panel (book icon) lists every type and field.
{
  dataset { id titleZh titleEn version focusChain { id } focusRegion { id nameZh } }
  chain(id: "aluminium") {
    nameZh
    segments(stage: UPSTREAM) { id nameZh unit }
  }
  enterprises(filter: { region: "410100", segment: "M1a" }, first: 10) {
    totalCount
    nodes { id nameZh region { nameZh } park { nameZh } }
  }
}
`;

const root = document.getElementById('graphiql')!;
void loadSchema().then((schema) => {
  root.textContent = '';
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher: fetcher as never,
      schema,
      defaultQuery,
      defaultEditorToolsVisibility: false,
      shouldPersistHeaders: false,
    }),
  );
});

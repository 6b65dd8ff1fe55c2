// GraphiQL for power users, bundled from npm (no CDN) as its own entry: the main app
// does not carry React. It queries the same-origin /graphql.

import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
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

// GraphiQL loads the schema with the standard introspection query (the server exempts
// introspection from its depth limit).
const root = document.getElementById('graphiql')!;
root.textContent = '';
createRoot(root).render(
  createElement(GraphiQL, {
    fetcher: fetcher as never,
    defaultQuery,
    defaultEditorToolsVisibility: false,
    shouldPersistHeaders: false,
  }),
);

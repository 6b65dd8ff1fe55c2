// Package benchq holds the GraphQL questions the benchmarks ask, so that chainbench (the
// side-by-side report) and the in-process Go benchmarks measure the same request.
package benchq

// Gap is the map page's gap analysis of a chain in a region: every figure, rule, reason
// and balance of docs/api.md's gapAnalysis. Variables: chain, region.
const Gap = `query Gap($chain: ID!, $region: ID!) {
  gapAnalysis(chain: $chain, scope: {region: $region}) {
    present total completeness
    byStage { stage present total }
    segments {
      segment { id nameZh stage }
      status kind kindZh score reasonZh
      enterprises capacity lq
      factors { name points detail }
      balances { from { id } to { id } supply demand unit net kind note }
    }
  }
}`

// The peer of chainmap's benchmark (issue 7): the Neo4j GraphQL Library (@neo4j/graphql)
// serving the graph that `chainmap load` wrote, on the same Neo4j. Started and stopped
// by cmd/chainbench; it listens on 127.0.0.1 only and is never part of chainmap.
//
//   NEO4J_URI=bolt://127.0.0.1:7700 PORT=18090 node peer.mjs
//
// POST /graphql (GraphQL over HTTP, JSON), GET /healthz. Plain node:http and graphql-js
// execution: no server framework, so the figures are the library's own.
import http from "node:http";
import { graphql } from "graphql";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

// The chainmap graph model (neo4jstore/model.go), as far as the benchmark's queries need
// it: property names are the dataset's column names.
export const typeDefs = /* GraphQL */ `
  type Segment @node {
    id: ID!
    chain: String
    parent: String
    name_zh: String
    stage: String
    unit: String
    enterprises: [Enterprise!]! @relationship(type: "OPERATES_IN", direction: IN, properties: "Operation")
  }
  type Operation @relationshipProperties {
    role: String
    capacity: Float
    capacity_unit: String
  }
  type Region @node {
    id: ID!
    name_zh: String
    level: String
    parent: String
    within: [Region!]! @relationship(type: "WITHIN", direction: OUT)
  }
  type Enterprise @node {
    id: ID!
    name_zh: String
    region: String
    park: String
    revenue: Float
    status: String
    stock_code: String
    designations: [String!]
    locatedIn: [Region!]! @relationship(type: "LOCATED_IN", direction: OUT)
    segments: [Segment!]! @relationship(type: "OPERATES_IN", direction: OUT, properties: "Operation")
  }
`;

const uri = process.env.NEO4J_URI || "bolt://127.0.0.1:7687";
const port = Number(process.env.PORT || 18090);
const user = process.env.NEO4J_USERNAME || "neo4j";
const password = process.env.NEO4J_PASSWORD || "";
const auth = password ? neo4j.auth.basic(user, password) : undefined;
const driver = neo4j.driver(uri, auth, { maxConnectionPoolSize: 100 });
const database = process.env.NEO4J_DATABASE || "neo4j";

const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
await driver.verifyConnectivity({ database });

const MAX_BODY = 1 << 20;

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok\n");
    return;
  }
  if (req.method !== "POST" || !req.url.startsWith("/graphql")) {
    res.writeHead(404);
    res.end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size > MAX_BODY) {
      res.writeHead(413);
      res.end();
      req.destroy();
      return;
    }
    chunks.push(c);
  });
  req.on("end", async () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ message: "bad JSON" }] }));
      return;
    }
    const result = await graphql({
      schema,
      source: body.query,
      variableValues: body.variables,
      operationName: body.operationName,
      contextValue: { sessionConfig: { database } },
    });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(result));
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`PEER READY http://127.0.0.1:${port}/graphql (@neo4j/graphql on ${uri})`);
});

const stop = async () => {
  server.close();
  await driver.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

// Example: get a token and list the workspace's pipelines.
//   DUCTUS_URL=http://localhost:5180 DUCTUS_CLIENT_ID=admin DUCTUS_CLIENT_SECRET=... node dist/list-pipelines.js
// Prints one JSON line: {"count": n, "pipelines": [{"name", "dataset", "version"}]}.
import { connect, getToken } from "./client.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

const baseUrl = required("DUCTUS_URL");
const token = await getToken(baseUrl, required("DUCTUS_CLIENT_ID"), required("DUCTUS_CLIENT_SECRET"));
const ductus = connect(baseUrl, token);
const { data, error, response } = await ductus.GET("/api/pipelines");
if (!data) {
  throw new Error(`GET /api/pipelines answered ${response.status}: ${JSON.stringify(error)}`);
}
const pipelines = data.items.map((p) => ({ name: p.name, dataset: p.dataset, version: p.version }));
console.log(JSON.stringify({ count: pipelines.length, pipelines }));

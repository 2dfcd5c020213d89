// Offline checks of the deployment files; Tests/Deployment runs them, and so can you:
//   node deploy/check.mjs compose      dclint (the Compose Specification schema and its rules,
//                                      .dclintrc) on compose.yaml, then the file as JSON
//   node deploy/check.mjs azure        the Container Apps templates of azure/ as JSON (parsed
//                                      only: no offline schema of that API is published)
//   node deploy/check.mjs kubernetes   every object of kubernetes/ (and the Secret that
//                                      secrets.env.example makes) validated against the
//                                      Kubernetes schemas of kubernetes-models, then all as JSON
// The JSON on stdout is what the tests hold against the AppHost's manifest; errors go to
// stderr with exit code 1. The packages are pinned in package-lock.json (npm ci).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));

function fail(message) {
  process.stderr.write(message.endsWith("\n") ? message : message + "\n");
  process.exit(1);
}

function compose() {
  const file = join(here, "compose.yaml");
  const lint = spawnSync(process.execPath, [join(here, "node_modules", "dclint", "bin", "dclint.cjs"), file], { cwd: here, encoding: "utf8" });
  if (lint.status !== 0) {
    fail(`dclint rejected compose.yaml (exit ${lint.status}):\n${lint.stdout}${lint.stderr}`);
  }
  // merge: the healthcheck anchors are resolved as docker compose resolves them.
  return parse(readFileSync(file, "utf8"), { merge: true });
}

async function validate(object, where) {
  const { apiVersion, kind } = object ?? {};
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    throw new Error(`${where}: no apiVersion/kind`);
  }
  let Model;
  try {
    ({ [kind]: Model } = await import(`kubernetes-models/${apiVersion}/${kind}`));
  } catch {
    throw new Error(`${where}: ${apiVersion} ${kind} is not a Kubernetes kind kubernetes-models knows`);
  }
  try {
    new Model(object).validate();
  } catch (e) {
    throw new Error(`${where}: ${kind} ${object.metadata?.name}: ${e.message}`);
  }
}

/** An env file as kustomize's secretGenerator reads it: KEY=VALUE per line, the first '=' splits. */
function envFile(text) {
  const data = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at <= 0) throw new Error(`not KEY=VALUE: ${line}`);
    data[line.slice(0, at)] = Buffer.from(line.slice(at + 1)).toString("base64");
  }
  return data;
}

async function kubernetes() {
  const folder = join(here, "kubernetes");
  const kustomization = parse(readFileSync(join(folder, "kustomization.yaml"), "utf8"));
  const objects = [];
  const errors = [];
  for (const file of kustomization.resources ?? []) {
    const documents = parseAllDocuments(readFileSync(join(folder, file), "utf8"));
    for (const [i, document] of documents.entries()) {
      if (document.errors.length > 0) {
        errors.push(`${file} document ${i + 1}: ${document.errors[0].message}`);
        continue;
      }
      const object = document.toJS();
      if (object === null) continue;
      try {
        await validate(object, `${file} document ${i + 1}`);
        objects.push({ file, object });
      } catch (e) {
        errors.push(e.message);
      }
    }
  }
  for (const generator of kustomization.secretGenerator ?? []) {
    for (const env of generator.envs ?? []) {
      const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: generator.name }, type: "Opaque", data: envFile(readFileSync(join(folder, env + ".example"), "utf8")) };
      try {
        await validate(secret, `${env}.example`);
        objects.push({ file: env + ".example", object: secret });
      } catch (e) {
        errors.push(e.message);
      }
    }
  }
  if (errors.length > 0) fail(errors.join("\n"));
  return { kustomization, objects };
}

function azure() {
  const folder = join(here, "azure");
  return Object.fromEntries(readdirSync(folder).filter(f => f.endsWith(".yaml")).sort()
    .map(f => [f, parse(readFileSync(join(folder, f), "utf8"))]));
}

const what = process.argv[2];
const result = what === "compose" ? compose()
  : what === "kubernetes" ? await kubernetes()
  : what === "azure" ? azure()
  : fail("usage: node check.mjs compose|kubernetes|azure");
process.stdout.write(JSON.stringify(result));

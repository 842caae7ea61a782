#!/usr/bin/env node
// Parse .cypher files as Neo4j 5 Cypher with Neo4j's own parser and semantic
// analysis (@neo4j-cypher/language-support, the library behind Neo4j's editors).
//
// Usage: node lint.mjs [--warnings] FILE_OR_DIR...
//   Directories are searched recursively for *.cypher. Files named
//   *.falkordb.cypher are FalkorDB-only variants and are skipped.
// Output: one line per problem, "file:line:col: error: message"; exit 1 when any
// error was found, 2 on usage errors, 0 otherwise. Warnings (deprecations) are
// printed only with --warnings and never fail the run.
//
// Why no schema is given: labels, properties and procedures are checked elsewhere
// (graphsvc.model); here only "does Neo4j 5 accept this statement" matters.
// Undeclared-parameter diagnostics are dropped for the same reason ($params are
// supplied at run time).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isNotParamError, lintCypherQuery } from "@neo4j-cypher/language-support";

const ERROR = 1; // vscode-languageserver-types DiagnosticSeverity.Error
const WARNING = 2;
const SCHEMA = { defaultLanguage: "CYPHER 5" };

function collect(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      collect(join(path, name), out);
    }
  } else if (path.endsWith(".cypher")) {
    out.push(path);
  }
  return out;
}

export function skipped(path) {
  return path.endsWith(".falkordb.cypher");
}

export function lintText(text) {
  const { diagnostics } = lintCypherQuery(text, SCHEMA, { consoleCommandsEnabled: false });
  return diagnostics.filter(isNotParamError);
}

function main(argv) {
  const showWarnings = argv.includes("--warnings");
  const targets = argv.filter((a) => a !== "--warnings");
  if (targets.length === 0) {
    process.stderr.write("usage: lint.mjs [--warnings] FILE_OR_DIR...\n");
    return 2;
  }
  let files = [];
  try {
    for (const t of targets) collect(t, files);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  files = files.filter((f) => !skipped(f));
  let errors = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      process.stdout.write(`${file}:1:1: error: cannot read: ${err.message}\n`);
      errors += 1;
      continue;
    }
    for (const d of lintText(text)) {
      const isError = d.severity === ERROR || d.severity === undefined;
      if (!isError && !(showWarnings && d.severity === WARNING)) continue;
      const line = d.range.start.line + 1;
      const col = d.range.start.character + 1;
      const kind = isError ? "error" : "warning";
      const message = d.message.replace(/\s+/g, " ").trim();
      process.stdout.write(`${file}:${line}:${col}: ${kind}: ${message}\n`);
      if (isError) errors += 1;
    }
  }
  process.stderr.write(`cypher-lint: ${files.length} files, ${errors} errors\n`);
  return errors > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));

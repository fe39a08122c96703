#!/usr/bin/env node
// Checks KQL queries with Microsoft's Kusto.Language parser (npm package
// @kusto/language-service-next, a Bridge.NET build of the C# library).
//
// Input (stdin): one JSON object per line,
//   {"id": "...", "query": "...", "literals": ["...", ...]}   ("literals" optional;
//   "platform", "max_chars", "analyzers" override the command line per line)
// Output (stdout): one JSON object per input line, in input order,
//   {"id", "ok", "diagnostics": [{"code","message","start","length","severity"}],
//    "literals_ok": bool|null, "literal_mismatches": [{"kind","value"}], "literals_found"?}
// Exit status: 0 when every query is free of errors and literal mismatches,
// 1 when at least one is not, 2 on a usage or set-up error.
// See README.md for the details (offsets, literal rules, escapes).
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');

const USAGE =
  'usage: node check.js [--schema PATH] [--platform sentinel|defender] [--max-chars N] [--analyzers] < queries.jsonl';

function fail(message) {
  process.stderr.write(`kusto-check: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    schema: path.resolve(__dirname, '..', '..', '..', 'shared', 'reference', 'kusto-schema.json'),
    platform: 'sentinel',
    maxChars: null,
    analyzers: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`missing value for ${arg}`);
      i += 1;
      return argv[i];
    };
    if (arg === '--schema') {
      opts.schema = path.resolve(value());
    } else if (arg === '--platform') {
      opts.platform = value();
      if (opts.platform !== 'sentinel' && opts.platform !== 'defender') {
        fail(`unknown platform '${opts.platform}'`);
      }
    } else if (arg === '--max-chars') {
      const raw = value();
      if (!/^[0-9]+$/.test(raw)) fail(`--max-chars needs a non-negative integer, got '${raw}'`);
      opts.maxChars = Number(raw);
    } else if (arg === '--analyzers') {
      opts.analyzers = true;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      fail(`unknown argument '${arg}'`);
    }
  }
  return opts;
}

function loadKusto() {
  let dir;
  try {
    dir = path.dirname(require.resolve('@kusto/language-service-next/package.json', { paths: [__dirname] }));
  } catch (err) {
    fail('@kusto/language-service-next is not installed (run `npm ci --prefix tools/kusto-check`)');
  }
  // The package's entry point is not CommonJS: load the Bridge.NET runtime
  // (globals Bridge, System) and then the library (global Kusto).
  require(path.join(dir, 'bridge.js'));
  require(path.join(dir, 'Kusto.Language.Bridge.js'));
  return global.Kusto.Language;
}

// Bridge.NET returns empty collections as JS arrays and non-empty ones as
// Bridge lists with Count/getItem.
function toArray(list) {
  if (list == null) return [];
  if (Array.isArray(list)) return list;
  const out = [];
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i));
  return out;
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoteName(name) {
  if (PLAIN_NAME.test(name)) return name;
  return `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

function schemaText(columns) {
  return `(${columns.map(([name, type]) => `${quoteName(name)}:${type}`).join(', ')})`;
}

// Tables for the platform. `sentinel` (Log Analytics workspace): every table
// as listed. `defender` (stand-alone Defender XDR advanced hunting): only the
// XDR tables (those with a Timestamp column), without TimeGenerated.
function platformTables(schema, platform) {
  const out = [];
  for (const [table, columns] of Object.entries(schema)) {
    if (platform === 'defender') {
      if (!columns.some(([name]) => name === 'Timestamp')) continue;
      out.push([table, columns.filter(([name]) => name !== 'TimeGenerated')]);
    } else {
      out.push([table, columns]);
    }
  }
  return out;
}

function readSchema(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return fail(`cannot read schema '${file}': ${err.message}`);
  }
}

function buildGlobals(K, schema, platform) {
  const members = [];
  for (const [table, columns] of platformTables(schema, platform)) {
    members.push(new K.Symbols.TableSymbol.$ctor7(table, schemaText(columns), null));
  }
  if (platform === 'sentinel') {
    const asim = JSON.parse(fs.readFileSync(path.join(__dirname, 'asim-schema.json'), 'utf8'));
    for (const [name, fn] of Object.entries(asim.functions)) {
      const params = `(${fn.parameters.map(([p, type, dflt]) => `${p}:${type}=${dflt}`).join(', ')})`;
      const body = `{ datatable${schemaText(fn.columns)}[] }`;
      members.push(new K.Symbols.FunctionSymbol.$ctor16(name, params, body, fn.doc));
    }
  }
  const db = new K.Symbols.DatabaseSymbol.$ctor2('db', null, members);
  return K.GlobalState.Default.WithDatabase(db);
}

// UTF-16 offset -> UTF-8 byte offset (Kusto.Language positions are JS string
// indices; the consumers slice Rust strings, which are indexed by bytes).
function byteOffsets(text) {
  const map = new Array(text.length + 1);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = bytes;
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        map[i + 1] = bytes;
        bytes += 4;
        i += 1;
        continue;
      }
      bytes += 3;
    } else bytes += 3;
  }
  map[text.length] = bytes;
  return map;
}

// Values of the string literals, as Kusto.Language decodes them, in source
// order. A StringLiteralExpression gives one value; adjacent literals that
// Kusto concatenates (CompoundStringLiteralExpression, `"a" 'b'`) give ONE
// value, their concatenation. Keys of dynamic property bags
// (`dynamic({"k": 1})`) are collected too. Bracketed names (`['col name']`,
// `d.['k']`) are identifiers, not literals, and are not collected; an element
// access `d['k']` is a literal and is.
function collectStringLiterals(K, root) {
  const SK = K.Syntax.SyntaxKind;
  const out = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node == null) continue;
    if (node.Kind === SK.StringLiteralExpression || node.Kind === SK.CompoundStringLiteralExpression) {
      const value = node.LiteralValue;
      out.push(typeof value === 'string' ? value : String(node.Token ? node.Token.ValueText : ''));
      continue;
    }
    if (node.IsToken || node.Kind === SK.BracketedName) continue;
    if (node.Kind === SK.JsonPair) {
      // A bag key is a string token, not an expression; it is data all the same.
      const key = node.GetChild(0);
      if (key != null && key.Kind === SK.StringLiteralToken) out.push(String(key.ValueText));
      // The value (child 2) is walked below; key and ':' are tokens.
    }
    for (let i = node.ChildCount - 1; i >= 0; i--) stack.push(node.GetChild(i));
  }
  return out;
}

// Multiset difference both ways.
function compareLiterals(expected, found) {
  const counts = new Map();
  for (const v of found) counts.set(v, (counts.get(v) || 0) + 1);
  const mismatches = [];
  for (const v of expected) {
    const n = counts.get(v) || 0;
    if (n === 0) mismatches.push({ kind: 'missing', value: v });
    else counts.set(v, n - 1);
  }
  for (const v of found) {
    const n = counts.get(v) || 0;
    if (n > 0) {
      mismatches.push({ kind: 'unexpected', value: v });
      counts.set(v, n - 1);
    }
  }
  return mismatches;
}

function inputError(id, message) {
  return {
    id,
    ok: false,
    diagnostics: [{ code: 'INPUT001', message, start: 0, length: 0, severity: 'Error' }],
    literals_ok: null,
    literal_mismatches: [],
  };
}

// Per-line settings override the command line's: "platform",
// "max_chars" (integer or null) and "analyzers" (boolean).
function lineSettings(item, opts) {
  const settings = { platform: opts.platform, maxChars: opts.maxChars, analyzers: opts.analyzers };
  if (item.platform !== undefined) {
    if (item.platform !== 'sentinel' && item.platform !== 'defender') {
      return "field 'platform' must be \"sentinel\" or \"defender\"";
    }
    settings.platform = item.platform;
  }
  if (item.max_chars !== undefined) {
    if (item.max_chars !== null && !(Number.isInteger(item.max_chars) && item.max_chars >= 0)) {
      return "field 'max_chars' must be a non-negative integer or null";
    }
    settings.maxChars = item.max_chars;
  }
  if (item.analyzers !== undefined) {
    if (typeof item.analyzers !== 'boolean') return "field 'analyzers' must be a boolean";
    settings.analyzers = item.analyzers;
  }
  return settings;
}

function checkOne(K, globalsFor, opts, line) {
  let item;
  try {
    item = JSON.parse(line);
  } catch (err) {
    return inputError(null, `input line is not JSON: ${err.message}`);
  }
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return inputError(null, 'input line is not a JSON object');
  }
  const id = item.id === undefined ? null : item.id;
  if (typeof item.query !== 'string') return inputError(id, "field 'query' must be a string");
  const literals = item.literals === undefined || item.literals === null ? null : item.literals;
  if (literals !== null && !(Array.isArray(literals) && literals.every((v) => typeof v === 'string'))) {
    return inputError(id, "field 'literals' must be an array of strings");
  }

  const settings = lineSettings(item, opts);
  if (typeof settings === 'string') return inputError(id, settings);
  const globals = globalsFor(settings.platform);
  const query = item.query;
  const diagnostics = [];
  const chars = [...query].length;
  if (settings.maxChars !== null && chars > settings.maxChars) {
    diagnostics.push({
      code: 'LEN001',
      message: `query is ${chars} characters long, more than the limit of ${settings.maxChars}`,
      start: 0,
      length: Buffer.byteLength(query, 'utf8'),
      severity: 'Error',
    });
  }

  const code = K.KustoCode.ParseAndAnalyze(query, globals);
  const offsets = byteOffsets(query);
  let found = toArray(code.GetDiagnostics());
  if (settings.analyzers) {
    // Kusto.Language's code analyzers (KS5xx: performance and style advice,
    // e.g. KS514 `has` with an IPv4 string), reported as Suggestion/Warning.
    const service = new K.Editor.KustoCodeService.ctor(code);
    found = found.concat(toArray(service.GetAnalyzerDiagnostics(true)));
  }
  for (const d of found) {
    const start = Math.min(Math.max(d.Start, 0), query.length);
    const end = Math.min(Math.max(d.Start + d.Length, start), query.length);
    diagnostics.push({
      code: d.Code,
      message: d.Message,
      start: offsets[start],
      length: offsets[end] - offsets[start],
      severity: String(d.Severity),
    });
  }

  const result = {
    id,
    ok: !diagnostics.some((d) => d.severity === 'Error'),
    diagnostics,
    literals_ok: null,
    literal_mismatches: [],
  };
  if (literals !== null) {
    const found = collectStringLiterals(K, code.Syntax);
    result.literal_mismatches = compareLiterals(literals, found);
    result.literals_ok = result.literal_mismatches.length === 0;
    result.literals_found = found;
  }
  return result;
}

// A query may encode a lone surrogate (`"\uD800"`); JSON with one is rejected
// by strict readers (serde_json), so output strings are made well-formed
// (lone surrogates become U+FFFD). Literal comparison happens before this.
function wellFormed(_key, value) {
  return typeof value === 'string' ? value.toWellFormed() : value;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const K = loadKusto();
  const schema = readSchema(opts.schema);
  const cache = new Map();
  const globalsFor = (platform) => {
    if (!cache.has(platform)) cache.set(platform, buildGlobals(K, schema, platform));
    return cache.get(platform);
  };
  globalsFor(opts.platform);
  let failed = false;
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    let result;
    try {
      result = checkOne(K, globalsFor, opts, line);
    } catch (err) {
      // Kusto.Language itself failed on this query: report it, keep going.
      result = inputError(null, `internal error: ${err && err.message ? err.message : err}`);
      result.diagnostics[0].code = 'INTERNAL001';
      try {
        result.id = JSON.parse(line).id;
      } catch (_) {
        // keep null
      }
    }
    if (!result.ok || result.literals_ok === false) failed = true;
    const text = `${JSON.stringify(result, wellFormed)}\n`;
    if (!process.stdout.write(text)) {
      await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`kusto-check: ${err && err.stack ? err.stack : err}\n`);
  process.exit(2);
});

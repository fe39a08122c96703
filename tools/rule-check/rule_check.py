#!/usr/bin/env python3
"""Independent checks of deployable detection content.

Checks, per file (directories are walked):
  *.yaml / *.yml  Sentinel analytics rule (Azure-Sentinel repository format)
  *.json          ARM template of alert rules / watchlists, or a Defender XDR
                  custom detection (Graph detectionRule body)
  *.csv           Sentinel watchlist
  *.kql           skipped

Each rule is validated against a JSON Schema written from the reference
(schemas/*.schema.json), then against the rules a schema cannot express:
technique/tactic pairing (sentinel-technique-tactics.json), entity-mapping
identifiers and their required combinations, mapped columns present in the
query's output, time-span bounds, alert-override placeholders, duplicate
YAML keys, and for Defender detections the Timestamp/ReportId/entity
columns and the continuous-rule restrictions. With --kusto every embedded
query also goes through Microsoft's Kusto.Language (tools/kusto-check).

Exit status: 0 when every file passes, 1 when one fails, 2 on a usage error.
Needs: PyYAML, jsonschema (>= 4.18); node for --kusto.
"""

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_TECHNIQUES = os.path.join(ROOT, "..", "shared", "reference", "sentinel-technique-tactics.json")
DEFAULT_CONNECTORS = os.path.join(ROOT, "..", "shared", "reference", "sentinel-connector-ids.json")
KUSTO_CHECK = os.path.join(ROOT, "tools", "kusto-check", "check.js")

MAX_QUERY = 10_000
MINUTE = 1
HOUR = 60
DAY = 24 * 60

# Valid identifiers per entity type, and the combinations of which one must
# be complete (EntityMappingIdentifiers.cs of the Azure-Sentinel repository).
ENTITY_IDENTIFIERS = {
    "IP": ({"Address"}, [{"Address"}]),
    "Host": (
        {"DnsDomain", "NTDomain", "HostName", "FullName", "NetBiosName", "AzureID", "OMSAgentID",
         "OSFamily", "OSVersion", "IsDomainJoined"},
        [{"FullName"}, {"HostName"}, {"NetBiosName"}, {"AzureID"}, {"OMSAgentID"}],
    ),
    "URL": ({"Url"}, [{"Url"}]),
    "DNS": ({"DomainName"}, [{"DomainName"}]),
    "FileHash": ({"Algorithm", "Value"}, [{"Algorithm", "Value"}]),
    "File": ({"Directory", "Name"}, [{"Name"}]),
    "Account": (
        {"Name", "FullName", "NTDomain", "DnsDomain", "UPNSuffix", "Sid", "AadTenantId", "AadUserId",
         "PUID", "IsDomainJoined", "DisplayName", "ObjectGuid"},
        [{"FullName"}, {"Sid"}, {"Name"}, {"AadUserId"}, {"PUID"}, {"ObjectGuid"}],
    ),
    "Mailbox": (
        {"MailboxPrimaryAddress", "DisplayName", "Upn", "ExternalDirectoryObjectId", "RiskLevel"},
        [{"MailboxPrimaryAddress"}],
    ),
    "Process": ({"ProcessId", "CommandLine", "ElevationToken", "CreationTimeUtc"}, [{"CommandLine"}, {"ProcessId"}]),
    "Malware": ({"Name", "Category"}, [{"Name"}]),
}

# Defender XDR: columns that identify an entity, and the impacted-asset
# identifier each one backs.
XDR_ENTITY_COLUMNS = [
    "DeviceId", "DeviceName", "RemoteDeviceName", "RecipientEmailAddress", "SenderFromAddress",
    "SenderMailFromAddress", "RecipientObjectId", "AccountObjectId", "AccountSid", "AccountUpn",
    "InitiatingProcessAccountSid", "InitiatingProcessAccountUpn", "InitiatingProcessAccountObjectId",
]

WATCHLIST_STUB = (
    "let _GetWatchlist = (alias: string) { datatable(Indicator: string, Type: string, Ip: string, "
    "Confidence: string, Malware: string, Source: string, SearchKey: string) [] };\n"
)


class Problems:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, msg):
        self.errors.append(msg)

    def warn(self, msg):
        self.warnings.append(msg)


# --------------------------------------------------------------------------- YAML


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects duplicate mapping keys."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# ------------------------------------------------------------------ KQL outline


def split_top_level(text, sep):
    """Splits KQL text on `sep` outside strings, comments and brackets."""
    parts, buf, depth, i, n = [], [], 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            buf.append(text[i:j + 1])
            i = j + 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == sep and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(c)
        i += 1
    parts.append("".join(buf))
    return parts


IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def assigned_names(items_text):
    names = []
    for item in split_top_level(items_text, ","):
        item = item.strip()
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)", item)
        if m:
            names.append(m.group(1))
        elif IDENT.match(item):
            names.append(item)
    return names


def output_columns(query):
    """The columns the query's last statement returns: its last `project`
    plus the columns `extend`ed after it (None when it has no project)."""
    statements = [s for s in split_top_level(query, ";") if s.strip()]
    if not statements:
        return None
    stages = [s.strip() for s in split_top_level(statements[-1], "|")]
    cols = None
    for stage in stages[1:]:
        word = stage.split(None, 1)
        if not word:
            continue
        op, rest = word[0], (word[1] if len(word) > 1 else "")
        if op == "project":
            cols = assigned_names(rest)
        elif op == "extend" and cols is not None:
            cols += [c for c in assigned_names(rest) if c not in cols]
        elif op in ("summarize", "project-away", "project-rename", "project-reorder", "join", "union"):
            cols = None
    return cols


def body_tables(query):
    statements = [s for s in split_top_level(query, ";") if s.strip()]
    if not statements:
        return []
    first = split_top_level(statements[-1], "|")[0].strip()
    return [first.split("(")[0].strip()]


# ------------------------------------------------------------------- shared checks


def span_minutes(value):
    m = re.fullmatch(r"([0-9]+)([mhd])", value)
    if m:
        return int(m.group(1)) * {"m": MINUTE, "h": HOUR, "d": DAY}[m.group(2)]
    m = re.fullmatch(r"(?:([0-9]+)\.)?([0-9]{1,2}):([0-9]{2}):([0-9]{2})", value)
    if m:
        d, h, mi, s = (int(x or 0) for x in m.groups())
        return d * DAY + h * HOUR + mi + s / 60
    return None


def iso_minutes(value):
    m = re.fullmatch(r"P(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?", value)
    if not m:
        return None
    d, h, mi, s = (int(x or 0) for x in m.groups())
    return d * DAY + h * HOUR + mi + s / 60


def check_schedule(p, frequency, period):
    if frequency is None or period is None:
        p.error("unreadable queryFrequency/queryPeriod")
        return
    for name, v in (("queryFrequency", frequency), ("queryPeriod", period)):
        if not 5 <= v <= 14 * DAY:
            p.error(f"{name} is outside 5 minutes to 14 days")
    if period < frequency:
        p.error("queryPeriod is shorter than queryFrequency")
    if period >= 2 * DAY and frequency < HOUR:
        p.error("a queryPeriod of 2 days or more needs a queryFrequency of at least 1 hour")


def check_techniques(p, tactics, techniques, table):
    for t in techniques or []:
        base = t.split(".")[0]
        allowed = table.get(base)
        if allowed is None:
            p.error(f"technique {t} is not in the technique table")
        elif not set(allowed) & set(tactics or []):
            p.error(f"technique {t} needs one of its tactics {allowed} in tactics {tactics or []}")


def check_entities(p, mappings, query):
    cols = output_columns(query)
    for i, m in enumerate(mappings or []):
        etype = m.get("entityType")
        ids = [f.get("identifier") for f in m.get("fieldMappings", [])]
        if len(ids) != len(set(ids)):
            p.error(f"entity mapping {i} ({etype}) repeats an identifier")
        known = ENTITY_IDENTIFIERS.get(etype)
        if known:
            valid, required = known
            for ident in ids:
                if ident not in valid:
                    p.error(f"entity mapping {i}: {ident!r} is not an identifier of {etype}")
            if not any(combo <= set(ids) for combo in required):
                p.error(f"entity mapping {i}: {etype} needs one of {[sorted(c) for c in required]}")
        for f in m.get("fieldMappings", []):
            col = f.get("columnName")
            if cols is None:
                p.error(f"entity mapping {i}: the query's output columns cannot be determined")
            elif col not in cols:
                p.error(f"entity mapping {i}: column {col!r} is not an output column of the query")


def check_overrides(p, override):
    for key in ("alertDisplayNameFormat", "alertDescriptionFormat"):
        v = (override or {}).get(key)
        if v is not None and len(re.findall(r"\{\{[^}]*\}\}", v)) > 3:
            p.error(f"{key} has more than 3 {{{{column}}}} placeholders")


# ---------------------------------------------------------------------- formats


def schema_errors(p, validator, doc):
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(x) for x in e.absolute_path) or "(root)"
        p.error(f"schema: {path}: {e.message[:300]}")


def check_sentinel_yaml(text, ctx, p, queries):
    try:
        doc = yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.YAMLError as e:
        p.error(f"invalid YAML: {e}")
        return
    if not isinstance(doc, dict):
        p.error("not a YAML mapping")
        return
    schema_errors(p, ctx["validators"]["sentinel"], doc)
    query = doc.get("query") if isinstance(doc.get("query"), str) else ""
    if doc.get("kind") == "Scheduled":
        check_schedule(p, span_minutes(str(doc.get("queryFrequency", ""))), span_minutes(str(doc.get("queryPeriod", ""))))
    check_techniques(p, doc.get("tactics"), doc.get("relevantTechniques"), ctx["techniques"])
    check_entities(p, doc.get("entityMappings"), query)
    check_overrides(p, doc.get("alertDetailsOverride"))
    for c in doc.get("requiredDataConnectors") or []:
        cid = c.get("connectorId") if isinstance(c, dict) else None
        if ctx["connectors"] is not None and cid not in ctx["connectors"]:
            p.warn(f"connectorId {cid!r} is not in the known connector list")
        for t in (c.get("dataTypes") or []) if isinstance(c, dict) else []:
            if t not in body_tables(query):
                p.error(f"dataType {t!r} of {cid} is not the table the query reads")
    if query:
        queries.append(("sentinel", query))


def check_arm(doc, ctx, p, queries):
    schema_errors(p, ctx["validators"]["arm"], doc)
    for i, r in enumerate(doc.get("resources") or []):
        if not isinstance(r, dict) or not str(r.get("type", "")).endswith("alertRules"):
            continue
        props = r.get("properties") or {}
        query = props.get("query") if isinstance(props.get("query"), str) else ""
        if query.startswith("["):
            if not query.startswith("[["):
                p.error(f"resource {i}: a query starting with '[' is read as an ARM expression")
            query = query[1:]
        if r.get("kind") == "Scheduled":
            check_schedule(p, iso_minutes(str(props.get("queryFrequency", ""))), iso_minutes(str(props.get("queryPeriod", ""))))
        check_techniques(p, props.get("tactics"), props.get("techniques"), ctx["techniques"])
        check_entities(p, props.get("entityMappings"), query)
        if not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", str(r.get("name", ""))):
            p.error(f"resource {i}: name carries no rule GUID")
        if query:
            queries.append(("sentinel", query))


def check_xdr(doc, ctx, p, queries):
    schema_errors(p, ctx["validators"]["xdr"], doc)
    query = ((doc.get("queryCondition") or {}).get("queryText")) or ""
    cols = output_columns(query)
    if cols is None:
        p.error("the query's output columns cannot be determined")
        cols = []
    for needed in ("Timestamp", "ReportId"):
        if needed not in cols:
            p.error(f"the query does not return {needed}")
    entity_cols = [c for c in cols if c in XDR_ENTITY_COLUMNS]
    if not entity_cols:
        p.error("the query returns no entity column")
    template = (doc.get("detectionAction") or {}).get("alertTemplate") or {}
    lowered = {c.lower() for c in cols}
    for a in template.get("impactedAssets") or []:
        ident = str(a.get("identifier", ""))
        if ident.lower() not in lowered:
            p.error(f"impacted asset identifier {ident!r} is not an output column")
    check_techniques(p, [template.get("category")], template.get("mitreTechniques"), ctx["techniques"])
    if re.search(r"\bTimestamp\s*(>|>=|between)|ago\(", query):
        p.error("the query filters on Timestamp; the service filters by the run frequency")
    if (doc.get("schedule") or {}).get("period") == "0":
        if any(line.lstrip().startswith("//") for line in query.splitlines()):
            p.error("a continuous (period 0) rule may not have comments")
        if re.search(r"\b(join|union|externaldata)\b", query):
            p.error("a continuous (period 0) rule may not use join, union or externaldata")
    if query:
        queries.append(("defender", query))


def check_watchlist(raw, ctx, p):
    if raw.startswith(b"\xef\xbb\xbf"):
        p.error("the CSV starts with a byte-order mark")
    if len(raw) > 3_800_000:
        p.warn("the CSV is over 3.8 MB: upload it through Azure Storage")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        p.error(f"the CSV is not UTF-8: {e}")
        return
    for n, line in enumerate(text.splitlines(), 1):
        if len(line) > 10_240:
            p.error(f"line {n} is {len(line)} characters, over 10240")
        if len(line.encode("utf-8")) > 10_240:
            p.error(f"line {n} is over 10 KB")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        p.error("the CSV is empty: a header row is required")
        return
    header = rows[0]
    key = ctx["search_key"]
    if key not in header:
        p.error(f"the header {header} has no search-key column {key!r}")
        return
    k = header.index(key)
    seen = set()
    for n, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            p.error(f"row {n} has {len(row)} cells, the header {len(header)}")
            continue
        if not row[k]:
            p.error(f"row {n} has an empty search key")
        elif row[k] in seen:
            p.error(f"row {n} repeats the search key {row[k]!r}")
        seen.add(row[k])


def run_kusto(queries, problems):
    """Checks each (path, platform, query) with Kusto.Language, one node
    process per platform, and files errors under their path."""
    for platform in ("sentinel", "defender"):
        batch = [(path, q) for path, pl, q in queries if pl == platform]
        if not batch:
            continue
        lines = []
        for i, (_, q) in enumerate(batch):
            text = WATCHLIST_STUB + q if "_GetWatchlist(" in q else q
            lines.append(json.dumps({"id": str(i), "query": text}))
        try:
            proc = subprocess.run(
                ["node", KUSTO_CHECK, "--platform", platform],
                input="\n".join(lines) + "\n", capture_output=True, text=True, check=False)
        except OSError as e:
            for path, _ in batch:
                problems[path].error(f"Kusto.Language check could not run: {e}")
            continue
        if proc.returncode == 2 or not proc.stdout.strip():
            for path, _ in batch:
                problems[path].error(f"Kusto.Language check could not run: {proc.stderr.strip()[:300]}")
            continue
        for out in (json.loads(l) for l in proc.stdout.splitlines() if l.strip()):
            if not out.get("ok"):
                path = batch[int(out.get("id"))][0]
                diags = "; ".join(f"{d['code']} {d['message']}" for d in out.get("diagnostics", [])
                                  if d.get("severity") == "Error")
                problems[path].error(f"Kusto.Language: {diags[:400]}")


# ------------------------------------------------------------------------- main


def check_file(path, ctx, queries):
    p = Problems()
    with open(path, "rb") as f:
        raw = f.read()
    ext = os.path.splitext(path)[1].lower()
    if ext in (".yaml", ".yml"):
        check_sentinel_yaml(raw.decode("utf-8", errors="replace"), ctx, p, queries)
    elif ext == ".json":
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError as e:
            p.error(f"invalid JSON: {e}")
            return p
        if isinstance(doc, dict) and "resources" in doc:
            check_arm(doc, ctx, p, queries)
        elif isinstance(doc, dict) and ("queryCondition" in doc or "detectionAction" in doc):
            check_xdr(doc, ctx, p, queries)
        else:
            p.error("neither an ARM template nor a Defender XDR detection")
    elif ext == ".csv":
        check_watchlist(raw, ctx, p)
    return p


def collect(paths):
    for path in paths:
        if os.path.isdir(path):
            for d, _, files in sorted(os.walk(path)):
                for name in sorted(files):
                    if os.path.splitext(name)[1].lower() in (".yaml", ".yml", ".json", ".csv"):
                        yield os.path.join(d, name)
        else:
            yield path


def load_validators():
    schemas = {}
    for name in ("sentinel-rule", "arm-template", "xdr-detection"):
        with open(os.path.join(HERE, "schemas", f"{name}.schema.json"), encoding="utf-8") as f:
            schemas[name] = json.load(f)
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values())
    for s in schemas.values():
        Draft202012Validator.check_schema(s)
    v = lambda s: Draft202012Validator(s, registry=registry)
    return {"sentinel": v(schemas["sentinel-rule"]), "arm": v(schemas["arm-template"]), "xdr": v(schemas["xdr-detection"])}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", help="files or directories")
    ap.add_argument("--techniques", default=DEFAULT_TECHNIQUES, help="sentinel-technique-tactics.json")
    ap.add_argument("--connectors", default=DEFAULT_CONNECTORS, help="sentinel-connector-ids.json (warnings only)")
    ap.add_argument("--search-key", default="Indicator", help="the watchlist's search-key column")
    ap.add_argument("--kusto", action="store_true", help="also check every query with Kusto.Language")
    args = ap.parse_args(argv)
    try:
        with open(args.techniques, encoding="utf-8") as f:
            techniques = json.load(f)["techniques"]
    except (OSError, ValueError, KeyError) as e:
        print(f"rule-check: cannot read the technique table {args.techniques}: {e}", file=sys.stderr)
        return 2
    try:
        with open(args.connectors, encoding="utf-8") as f:
            connectors = set(json.load(f)["connectors"])
    except (OSError, ValueError, KeyError):
        connectors = None
    ctx = {"validators": load_validators(), "techniques": techniques, "connectors": connectors,
           "search_key": args.search_key, "kusto": args.kusto}
    files = list(collect(args.paths))
    if not files:
        print("rule-check: no files to check", file=sys.stderr)
        return 2
    problems, queries = {}, []
    for path in files:
        found = []
        problems[path] = check_file(path, ctx, found)
        queries += [(path, platform, q) for platform, q in found]
    if args.kusto:
        run_kusto(queries, problems)
    failed = 0
    for path, p in problems.items():
        for w in p.warnings:
            print(f"{path}: warning: {w}")
        for e in p.errors:
            print(f"{path}: error: {e}")
        failed += bool(p.errors)
    print(f"rule-check: {len(files)} files, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

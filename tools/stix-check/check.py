#!/usr/bin/env python3
"""Independent checks of iochunt's STIX 2.1 and MISP output.

Usage:
  check.py install-schemas SCHEMAS_DIR
      Copy the OASIS STIX 2.1 JSON schemas (the folder holding `schemas/`)
      into the installed stix2validator package, which ships without them.
  check.py stix FILE...
      Check STIX bundles or Sentinel upload bodies with stix2-validator (the
      OASIS schemas plus the spec's MUST and SHOULD rules), stix2 (object
      parsing) and stix2-patterns (pattern grammar and hash values), plus
      the value rules of the deploy-format reference: refanged values, no
      host bits in networks, integer ports in range, lower-case domains,
      millisecond UTC timestamps, resolvable references, at most 100 objects
      an upload body and a sourcesystem other than "Microsoft Sentinel".
  check.py misp SCHEMA FILE...
      Check MISP event JSON against SCHEMA (a JSON Schema) plus unique uuids.

Prints one JSON line per file: {"file", "ok", "errors"}; exits 0 when every
file passes, 1 when one fails, 2 when the check cannot run (missing packages
or schemas).
"""

import ipaddress
import json
import os
import re
import shutil
import sys

# Validator warnings accepted on purpose:
#   103  ids SHOULD be UUIDv4: iochunt's ids are UUIDv5 so that they are the
#        same on every export (the reference's first constraint);
#   302  an external reference with a url SHOULD carry a hash of its content.
ALLOWED_WARNINGS = {"103", "302"}

TIMESTAMP_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
TIMESTAMP_PROPS = ("created", "modified", "valid_from", "valid_until")
MAX_UPLOAD_OBJECTS = 100


def fail_setup(message):
    print(json.dumps({"setup_error": message}))
    sys.exit(2)


def validator_schema_dir():
    import stix2validator

    return os.path.join(os.path.dirname(stix2validator.__file__), "schemas-2.1")


def install_schemas(src):
    if not os.path.isdir(os.path.join(src, "schemas")):
        fail_setup(f"{src} has no schemas/ folder")
    dst = validator_schema_dir()
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    print(json.dumps({"installed": dst}))


def unquote(literal):
    """The value of a pattern string literal as stix2-patterns returns it."""
    if len(literal) < 2 or literal[0] != "'" or literal[-1] != "'":
        return None
    out, i, body = [], 0, literal[1:-1]
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def pattern_value_errors(pattern):
    """The reference's value rules for each comparison of a pattern."""
    from stix2patterns.pattern import Pattern

    errors = []
    try:
        comparisons = Pattern(pattern).inspect().comparisons
    except Exception as e:  # the grammar check reports it too
        return [f"pattern {pattern!r}: {e}"]
    for obj_type, items in comparisons.items():
        for path, op, literal in items:
            where = f"{obj_type}:{'.'.join(map(str, path))}"
            value = unquote(literal)
            text = value if value is not None else literal
            if "[.]" in text or text.lower().startswith(("hxxp", "fxp")):
                errors.append(f"{where}: defanged value {text!r}")
            if obj_type in ("ipv4-addr", "ipv6-addr") and path == ["value"]:
                try:
                    net = ipaddress.ip_network(text, strict=True)
                except ValueError as e:
                    errors.append(f"{where}: {text!r} is not an address or network without host bits ({e})")
                    continue
                want = 4 if obj_type == "ipv4-addr" else 6
                if net.version != want:
                    errors.append(f"{where}: {text!r} is an IPv{net.version} value")
            if obj_type == "network-traffic" and path in (["dst_port"], ["src_port"]):
                if not re.fullmatch(r"\d+", literal) or not 0 <= int(literal) <= 65535:
                    errors.append(f"{where}: port {literal} is not an integer from 0 to 65535")
            if obj_type == "network-traffic" and path == ["dst_ref", "value"]:
                try:
                    ipaddress.ip_address(text)
                except ValueError:
                    errors.append(f"{where}: {text!r} is not an IP address")
            if obj_type == "domain-name" and path == ["value"] and text != text.lower():
                errors.append(f"{where}: domain {text!r} is not lower case")
            if obj_type == "file" and path and path[0] == "hashes":
                if value is None or not re.fullmatch(r"[0-9a-fA-F]+", value):
                    errors.append(f"{where}: hash {literal} is not hex")
    return errors


def check_stix_objects(objects):
    import stix2
    from stix2patterns.validator import run_validator
    from stix2validator import ValidationOptions, validate_instance

    errors = []
    options = ValidationOptions(version="2.1", strict=False)
    for i, obj in enumerate(objects):
        oid = obj.get("id", f"#{i}") if isinstance(obj, dict) else f"#{i}"
        try:
            result = validate_instance(obj, options)
        except Exception as e:
            errors.append(f"stix2-validator {oid}: {e}")
            continue
        for e in result.errors:
            errors.append(f"stix2-validator {oid}: {getattr(e, 'message', e)}")
        for w in result.warnings or []:
            text = str(getattr(w, "message", w))
            codes = set(re.findall(r"\{(\d+)\}", text))
            if not codes or not codes <= ALLOWED_WARNINGS:
                errors.append(f"stix2-validator warning {oid}: {text}")
        if not result.is_valid and not result.errors:
            errors.append(f"stix2-validator {oid}: not valid")

    ids = set()
    for i, obj in enumerate(objects):
        oid = obj.get("id", f"#{i}")
        if oid in ids:
            errors.append(f"{oid}: duplicate id")
        ids.add(oid)
        try:
            stix2.parse(obj, allow_custom=False, version="2.1")
        except Exception as e:
            errors.append(f"stix2 {oid}: {e}")
        for prop in TIMESTAMP_PROPS:
            if prop in obj and not TIMESTAMP_MS.match(str(obj[prop])):
                errors.append(f"{oid}: {prop} {obj[prop]!r} is not a millisecond UTC timestamp")
        if obj.get("type") == "indicator":
            pattern = obj.get("pattern", "")
            if obj.get("pattern_type") == "stix":
                for e in run_validator(pattern, stix_version="2.1"):
                    errors.append(f"stix2-patterns {oid}: {e}")
                errors.extend(f"{oid}: {e}" for e in pattern_value_errors(pattern))
    for obj in objects:
        for ref in ("source_ref", "target_ref", "created_by_ref"):
            if ref in obj and obj[ref] not in ids:
                errors.append(f"{obj.get('id')}: {ref} {obj[ref]} is not in the document")
    return errors


def check_stix_file(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    errors = []
    if isinstance(doc, dict) and "stixobjects" in doc:
        source = doc.get("sourcesystem")
        if not isinstance(source, str) or not source.strip():
            errors.append("upload body: sourcesystem is missing or empty")
        elif source.strip().lower() == "microsoft sentinel":
            errors.append("upload body: sourcesystem 'Microsoft Sentinel' is reserved")
        objects = doc.get("stixobjects")
        if not isinstance(objects, list) or not objects:
            return errors + ["upload body: stixobjects is not a non-empty list"]
        if len(objects) > MAX_UPLOAD_OBJECTS:
            errors.append(f"upload body: {len(objects)} objects, more than {MAX_UPLOAD_OBJECTS}")
        for i, obj in enumerate(objects):
            for key in ("id", "type", "created", "modified"):
                if key not in obj:
                    errors.append(f"upload body: object {i} has no {key}")
        extra = set(doc) - {"sourcesystem", "stixobjects"}
        if extra:
            errors.append(f"upload body: unexpected keys {sorted(extra)}")
        return errors + check_stix_objects(objects)
    if not isinstance(doc, dict) or doc.get("type") != "bundle":
        return ["not a STIX bundle or upload body"]
    if "spec_version" in doc:
        errors.append("bundle: a 2.1 bundle has no spec_version")
    objects = doc.get("objects")
    if not isinstance(objects, list) or not objects:
        return errors + ["bundle: objects is not a non-empty list"]
    # The bundle itself goes through the schema too.
    from stix2validator import ValidationOptions, validate_instance

    res = validate_instance(doc, ValidationOptions(version="2.1", strict=False))
    errors.extend(f"stix2-validator bundle: {getattr(e, 'message', e)}" for e in res.errors)
    return errors + check_stix_objects(objects)


def check_misp_file(schema, path):
    import jsonschema

    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [
        f"schema {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]
    event = doc.get("Event", {}) if isinstance(doc, dict) else {}
    uuids = [event.get("uuid")] + [a.get("uuid") for a in event.get("Attribute", []) if isinstance(a, dict)]
    seen = set()
    for u in uuids:
        if u in seen:
            errors.append(f"duplicate uuid {u}")
        seen.add(u)
    return errors


def run(files, check):
    all_ok = True
    for path in files:
        try:
            errors = check(path)
        except (OSError, ValueError) as e:
            errors = [f"cannot read: {e}"]
        ok = not errors
        all_ok &= ok
        print(json.dumps({"file": path, "ok": ok, "errors": errors}))
    sys.exit(0 if all_ok else 1)


def main(argv):
    if len(argv) < 2:
        fail_setup(__doc__)
    cmd = argv[1]
    try:
        import jsonschema  # noqa: F401
        import stix2  # noqa: F401
        import stix2patterns  # noqa: F401
        import stix2validator  # noqa: F401
    except ImportError as e:
        fail_setup(f"missing package: {e}")
    if cmd == "install-schemas" and len(argv) == 3:
        install_schemas(argv[2])
    elif cmd == "stix" and len(argv) >= 3:
        if not os.path.isdir(os.path.join(validator_schema_dir(), "schemas")):
            fail_setup("stix2validator has no schemas-2.1/schemas: run `check.py install-schemas ../shared/data/stix2.1-json-schemas`")
        run(argv[2:], check_stix_file)
    elif cmd == "misp" and len(argv) >= 4:
        with open(argv[2], encoding="utf-8") as f:
            schema = json.load(f)
        run(argv[3:], lambda p: check_misp_file(schema, p))
    else:
        fail_setup(__doc__)


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env bash
# Creates tools/stix-check/.venv with the PyPI validators (stix2,
# stix2-patterns, stix2-validator, jsonschema) and puts the OASIS STIX 2.1
# schemas from ../shared into stix2-validator, whose wheel ships without them.
# Idempotent; run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
schemas="${STIX_SCHEMAS_DIR:-$here/../../../shared/data/stix2.1-json-schemas}"
if [ ! -d "$schemas/schemas" ]; then
  echo "stix-check: no OASIS schemas at $schemas" >&2
  exit 1
fi
if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
fi
"$here/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
"$here/.venv/bin/python" "$here/check.py" install-schemas "$schemas"

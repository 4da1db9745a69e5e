#!/usr/bin/env python3
"""Validates TOML files against a JSON Schema, as an editor would.

Usage: validate.py SCHEMA.json FILE.toml...

The schema is first checked against the meta-schema of the draft it
declares (its `$schema`); each file is then read with tomllib and validated
with that draft's validator. One JSON line per file on standard output:
{"file": ..., "errors": [{"path": ..., "message": ...}, ...]}.
Exit status: 0 when every file is valid, 1 when one is not, 2 when the
schema itself is invalid or a file cannot be read as TOML.
"""

import json
import sys
import tomllib

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{argv[1]}: not a valid {cls.__name__} schema: {e.message}", file=sys.stderr)
        return 2
    validator = cls(schema)
    status = 0
    for path in argv[2:]:
        try:
            with open(path, "rb") as f:
                doc = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            return 2
        errors = [
            {"path": "/".join(str(p) for p in e.absolute_path), "message": e.message}
            for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
        ]
        if errors:
            status = 1
        print(json.dumps({"file": path, "draft": cls.__name__, "errors": errors}))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))

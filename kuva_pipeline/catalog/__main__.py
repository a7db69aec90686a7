"""`python -m kuva_pipeline.catalog validate|measures|schema [DIR]`: the catalog commands without the CLI.

The project CLI (`kuva catalog validate`) calls the same functions; this entry
point lets a planner check a file before the CLI is wired or installed.
"""

from __future__ import annotations

import argparse
import sys

from kuva_pipeline.catalog.loader import export_json_schema, measures_command, validate_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kuva_pipeline.catalog")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="validate the catalog directory")
    validate.add_argument("directory", nargs="?", help="default: $KUVA_CATALOG_DIR or data/catalog")
    commands.add_parser("measures", help="list the measures a meter may bind to")
    schema = commands.add_parser("schema", help="write the JSON Schema for editors")
    schema.add_argument("path", nargs="?", help="default: data/catalog/catalog.schema.json")
    args = parser.parse_args(argv)
    if args.command == "validate":
        return validate_command(args.directory)
    if args.command == "measures":
        return measures_command()
    print(export_json_schema(args.path))
    return 0


if __name__ == "__main__":
    sys.exit(main())

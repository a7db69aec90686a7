"""The division's service areas: the reference table `data/reference/service_areas.csv`.

One row per code a meter, a device, a space, a listing, an event publisher or
a finance row may be attributed to, with its Finnish and English name and its
kind (see KINDS). The catalog validation reads the file; the reference loaders,
the checks and the SQL models read the table it is loaded into,
`staging.ref_service_areas`. Nothing else lists the codes.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from kuva_pipeline.settings import path_setting

FILE_NAME = "service_areas.csv"
COLUMNS = ("code", "name_fi", "name_en", "kind")

KINDS: dict[str, str] = {
    "division": "the division as a whole (KUVA): the total row of every measure; exactly one",
    "service_area": "a service area that runs services: devices, spaces, listings and event "
    "publishers belong to one, and the measures are split by them",
    "common": "administration and common services: costs and outputs in the finance feed, "
    "no services of their own",
    "unit": "a unit with a scorecard of its own, which meters may be scoped to",
}
"""What each `kind` means; the kinds decide where a code may appear."""

CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


class ServiceAreaError(ValueError):
    """The service areas file breaks its contract; the message names the file, line and field."""


@dataclass(frozen=True)
class ServiceArea:
    """A part of the division a meter, a device or a finance row is attributed to."""

    code: str
    name_fi: str
    name_en: str
    kind: str
    line: int


def service_areas_file(reference_dir: Path | str | None = None) -> Path:
    """The file in `reference_dir`, else in $KUVA_REFERENCE_DIR (default data/reference)."""
    base = Path(reference_dir) if reference_dir is not None else path_setting("KUVA_REFERENCE_DIR")
    return base / FILE_NAME


def read_service_areas(path: Path | str | None = None) -> dict[str, ServiceArea]:
    """Every service area by code, in file order; ServiceAreaError listing every problem."""
    path = Path(path) if path is not None else service_areas_file()
    label = f"reference/{path.name}"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ServiceAreaError(f"{label}: missing ({path}); it lists the service area codes") from None
    except UnicodeDecodeError as exc:
        raise ServiceAreaError(f"{label}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(text.splitlines(), delimiter=",", strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise ServiceAreaError(f"{label}: line 1: {exc}") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ServiceAreaError(
            f"{label}: line 1: field {missing[0]}: missing from the header "
            f"(missing: {', '.join(missing)}; found: {', '.join(header)})"
        )
    at = {c: header.index(c) for c in COLUMNS}
    found: dict[str, ServiceArea] = {}
    problems: list[str] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            cells = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
            bad = _row_problems(cells, found)
            if bad:
                problems += [f"line {line}: {p}" for p in bad]
                continue
            found[cells["code"]] = ServiceArea(
                cells["code"], cells["name_fi"], cells["name_en"], cells["kind"], line
            )
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    divisions = [a for a in found.values() if a.kind == "division"]
    if not problems and len(divisions) != 1:
        where = ", ".join(f"line {a.line} ({a.code})" for a in divisions) or "none"
        problems.append(f"field kind: exactly one row is the division, found {where}")
    if problems:
        raise ServiceAreaError(f"{label}: " + "; ".join(problems[:10]))
    return found


def _row_problems(cells: dict[str, str], found: dict[str, ServiceArea]) -> list[str]:
    code, kind = cells["code"], cells["kind"]
    out = []
    if not CODE.match(code):
        out.append(f"field code: {code!r} is not an upper-case code (A-Z, 0-9, _)")
    elif code in found:
        out.append(f"field code: {code} appears already on line {found[code].line}")
    for name in ("name_fi", "name_en"):
        if not cells[name]:
            out.append(f"field {name}: empty")
    if kind not in KINDS:
        out.append(f"field kind: {kind!r} is not one of {', '.join(KINDS)}")
    return out


def codes(areas: dict[str, ServiceArea], *kinds: str) -> list[str]:
    """The codes of the given kinds (all when none is given), in file order."""
    return [a.code for a in areas.values() if not kinds or a.kind in kinds]

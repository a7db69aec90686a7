"""Waivers: a known, accepted failure of one check, with who accepted it, why and until when.

`checks/waivers.yaml`:

    waivers:
      - check: button_index_in_range
        asset: raw/nps_feedback          # asset key, as in the Dagster UI
        partitions: 2021-03              # a day, a month, a year or a range a..b; omit for all
        reason: Device 41007 sent 12s during the March firmware bug; quarantined.
        author: maija.meikalainen@hel.fi
        expires: 2021-12-31              # optional; after it the failure counts again

A waived failure is still recorded as failed (`passed = false`) with the
waiver's author and reason beside it, but it does not block and does not make
its source unhealthy. An entry without a reason or an author, or with an
unreadable field, never waives anything: it is reported and ignored.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kuva_pipeline.quality.config import CHECKS_DIR
from kuva_pipeline.quality.suites import read_yaml

WAIVERS_FILE = "waivers.yaml"


class _WaiverEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    check: str = Field(min_length=1)
    asset: str = Field(min_length=1)
    partitions: str | None = None
    reason: str
    author: str
    expires: date | None = None

    @field_validator("reason", "author")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value or not value.strip():
            raise ValueError("must not be empty: a waiver says why, and who accepted it")
        return value.strip()

    @field_validator("asset")
    @classmethod
    def _asset(cls, value: str) -> str:
        value = value.strip().replace(".", "/")
        if not re.match(r"^[a-z_]+/[a-z0-9_]+$", value):
            raise ValueError("asset is an asset key such as staging/nps_responses")
        return value

    @field_validator("partitions", mode="before")
    @classmethod
    def _partitions(cls, value: object) -> object:
        if value is None:
            return None
        text = value.isoformat() if isinstance(value, date) else str(value)
        parse_range(text)
        return text


def _period(text: str, end: bool) -> date:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        year, month = map(int, text.split("-"))
        day = calendar.monthrange(year, month)[1] if end else 1
        return date(year, month, day)
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 12, 31) if end else date(int(text), 1, 1)
    raise ValueError(f"{text!r} is not a day, a month or a year (2021-03-05, 2021-03, 2021)")


def parse_range(text: str) -> tuple[date, date]:
    """'2021-03' -> (2021-03-01, 2021-03-31); 'a..b' -> (start of a, end of b)."""
    first, sep, last = text.partition("..")
    start = _period(first, end=False)
    stop = _period(last if sep else first, end=True)
    if stop < start:
        raise ValueError(f"{text!r}: the range ends before it starts")
    return start, stop


@dataclass(frozen=True)
class Waiver:
    check: str
    asset: str
    reason: str
    author: str
    partitions: tuple[date, date] | None = None
    expires: date | None = None

    def covers(
        self, asset: str, check: str, start: date | None, end: date | None, today: date
    ) -> bool:
        if (asset, check) != (self.asset, self.check):
            return False
        if self.expires is not None and today > self.expires:
            return False
        if self.partitions is None:
            return True
        if start is None or end is None:
            # An unpartitioned check is waived only by a waiver without partitions.
            return False
        return self.partitions[0] <= start and end <= self.partitions[1]


@dataclass(frozen=True)
class WaiverFile:
    waivers: tuple[Waiver, ...]
    problems: tuple[str, ...]

    def find(
        self, asset: str, check: str, start: date | None, end: date | None, today: date
    ) -> Waiver | None:
        return next((w for w in self.waivers if w.covers(asset, check, start, end, today)), None)


def load_waivers(path: Path | None = None) -> WaiverFile:
    """The valid waivers, and a message for every entry that was not accepted."""
    path = path or CHECKS_DIR / WAIVERS_FILE
    if not path.exists():
        return WaiverFile((), ())
    try:
        data = read_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        return WaiverFile((), (f"{path}: not readable YAML, no waiver applies: {exc}",))
    entries = data.get("waivers") if isinstance(data, dict) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        return WaiverFile((), (f"{path}: waivers: must be a list",))
    waivers: list[Waiver] = []
    problems: list[str] = []
    for i, entry in enumerate(entries):
        try:
            parsed = _WaiverEntry.model_validate(entry)
        except ValidationError as exc:
            fields = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(entry)'}: {e['msg']}" for e in exc.errors()
            )
            problems.append(f"{path}: waivers[{i}]: {fields}")
            continue
        waivers.append(
            Waiver(
                check=parsed.check,
                asset=parsed.asset,
                reason=parsed.reason,
                author=parsed.author,
                partitions=parse_range(parsed.partitions) if parsed.partitions else None,
                expires=parsed.expires,
            )
        )
    return WaiverFile(tuple(waivers), tuple(problems))

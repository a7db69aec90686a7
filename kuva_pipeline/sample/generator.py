"""Deterministic sample landing zone: every source, a manifest of pitfalls and headline figures.

`generate_sample(out_dir, seed, scale)` writes the landing tree and returns the
manifest it also writes to `out_dir/_manifest.json`. The same seed and scale
give byte-identical files on any machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kuva_pipeline.sample import checkins, events, finance, hobihobi, nps, varaamo
from kuva_pipeline.sample.common import Context
from kuva_pipeline.sample.reference import write_reference
from kuva_pipeline.sample.scales import SCALES, get_scale

MANIFEST = "_manifest.json"
MANIFEST_VERSION = 1
SOURCE_DIRS = ("nps", "hobihobi", "varaamo", "events", "checkins", "finance")
PROJECT_ROOT = Path(__file__).resolve().parents[2]

_SOURCES: tuple[tuple[str, Callable[[Context], dict]], ...] = (
    ("nps", nps.generate),
    ("hobihobi", hobihobi.generate),
    ("varaamo", varaamo.generate),
    ("events", events.generate),
    ("checkins", checkins.generate),
    ("finance", finance.generate),
)


def generate_sample(
    out_dir: Path,
    seed: int = 2021,
    scale: str = "small",
    *,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the sample landing tree into `out_dir` and return its manifest.

    `out_dir` must be empty or hold an earlier sample (its `_manifest.json` says
    which files to replace); anything else under the source folders is left
    alone and makes the call fail rather than mix real drops with sample data.
    """
    out_dir = Path(out_dir)
    sc = get_scale(scale)
    _prepare(out_dir)
    ctx = Context(out_dir=out_dir, seed=seed, scale=sc, progress=progress or (lambda _m: None))
    headline: dict = {}
    for name, fn in _SOURCES:
        started = time.perf_counter()
        ctx.progress(f"{name}:")
        headline[name] = fn(ctx)
        ctx.progress(f"{name}: done in {time.perf_counter() - started:.1f} s")

    files = dict(sorted(ctx.files.items()))
    pitfalls = sorted(
        ctx.pitfalls, key=lambda p: (p["file"], p.get("line", -1), p.get("record", -1), p["kind"])
    )
    manifest = {
        "generator": "kuva_pipeline.sample",
        "manifest_version": MANIFEST_VERSION,
        "seed": seed,
        "scale": sc.name,
        "period": {"first_day": "2019-01-01", "last_day": "2021-12-31"},
        "conventions": {
            "line": "1-based physical line in a text file; the header is line 1",
            "record": "0-based index in the file's JSON array (NPS: top level; Varaamo: results; events: data)",
            "years": "Helsinki calendar years",
        },
        "totals": {
            "files": len(files),
            "bytes": sum(f["bytes"] for f in files.values()),
            "pitfalls": len(pitfalls),
        },
        "headline": headline,
        "pitfalls": pitfalls,
        "files": files,
    }
    (out_dir / MANIFEST).write_text(_manifest_text(manifest), encoding="utf-8", newline="\n")
    return manifest


def _manifest_text(manifest: dict) -> str:
    """Indented JSON, except one line per pitfall and per file, so it stays small and greppable."""
    head = {k: v for k, v in manifest.items() if k not in ("pitfalls", "files")}
    text = json.dumps(head, ensure_ascii=False, indent=1)
    assert text.endswith("\n}")
    pitfalls = ",\n".join("  " + json.dumps(p, ensure_ascii=False) for p in manifest["pitfalls"])
    files = ",\n".join(
        f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v)}"
        for k, v in manifest["files"].items()
    )
    return f'{text[:-2]},\n "pitfalls": [\n{pitfalls}\n ],\n "files": {{\n{files}\n }}\n}}\n'


def _prepare(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    old = out_dir / MANIFEST
    if old.exists():
        try:
            listed = json.loads(old.read_text(encoding="utf-8")).get("files", {})
        except (ValueError, AttributeError) as exc:
            raise FileExistsError(
                f"{old} is not a sample manifest; refusing to overwrite {out_dir}"
            ) from exc
        for rel in listed:
            target = (out_dir / rel).resolve()
            if out_dir.resolve() in target.parents:
                target.unlink(missing_ok=True)
        old.unlink()
        for d in SOURCE_DIRS:
            root = out_dir / d
            if root.exists():
                for sub in sorted(
                    (p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)
                ):
                    if not any(sub.iterdir()):
                        sub.rmdir()
                if not any(root.iterdir()):
                    root.rmdir()
    leftovers = [
        p
        for d in SOURCE_DIRS
        if (out_dir / d).exists()
        for p in (out_dir / d).rglob("*")
        if p.is_file()
    ]
    if leftovers:
        raise FileExistsError(
            f"{out_dir} already holds {len(leftovers)} landing files that no sample manifest lists "
            f"(e.g. {leftovers[0]}); choose an empty directory"
        )


def default_out_dir(scale: str = "small") -> Path:
    """$KUVA_LANDING_DIR, else data/landing; medium and city scales go to the git-ignored
    data/landing_medium and data/landing_city."""
    raw = os.environ.get("KUVA_LANDING_DIR") or (
        f"data/landing_{scale}" if scale in ("medium", "city") else "data/landing"
    )
    p = Path(raw)
    return p if p.is_absolute() else PROJECT_ROOT / p


def main(argv: Sequence[str] | None = None) -> int:
    """`kuva sample --seed N --scale tiny|small|medium|city --out DIR`."""
    parser = argparse.ArgumentParser(
        prog="kuva sample",
        description="Generate the deterministic sample landing zone (and optionally the reference data).",
    )
    parser.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
    parser.add_argument(
        "--scale", choices=list(SCALES), default="small", help="volume (default small)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="landing directory (default $KUVA_LANDING_DIR, else data/landing; data/landing_<scale> for medium and city)",
    )
    parser.add_argument(
        "--reference-dir",
        type=Path,
        default=None,
        help="also write the reference files (devices, surveys, resources, event classes) here",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)

    out = args.out or default_out_dir(args.scale)
    say = (lambda _m: None) if args.quiet else (lambda m: print(m, flush=True))
    if args.reference_dir:
        for p in write_reference(args.reference_dir):
            say(f"reference: {p}")
    started = time.perf_counter()
    try:
        manifest = generate_sample(out, args.seed, args.scale, progress=say)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t = manifest["totals"]
    h = manifest["headline"]
    print(
        f"wrote {t['files']} files, {t['bytes'] / 1e6:.1f} MB, {t['pitfalls']} listed pitfalls to {out} "
        f"in {time.perf_counter() - started:.1f} s (seed {args.seed}, scale {args.scale})"
    )
    for y in ("2019", "2020", "2021"):
        ev = h["events"]["by_year"][y]
        print(
            f"  {y}: NPS {h['nps']['by_year'][y]['nps_index']:.1f}, "
            f"Hobihobi {h['hobihobi']['by_year'][y]['listings']} listings / "
            f"{h['hobihobi']['by_year'][y]['participants']} participants, "
            f"events culture {ev['large_culture_event']} sports {ev['large_sports_event']} "
            f"district {ev['district_event']}, Varaamo bookings {h['varaamo']['by_year'][y]['bookings']}"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

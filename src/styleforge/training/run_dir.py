"""Numbered run folders: runs/00012-dcgan-mnist/."""
from __future__ import annotations

import re
from pathlib import Path

from ..files import ensure_folder

_NUMBERED = re.compile(r"^(\d{5})-")


def new_run_dir(output_dir: str | Path, name: str) -> Path:
    """Create and return the next numbered folder under output_dir."""
    root = ensure_folder(output_dir, "the runs (--out / run.output_dir)")
    numbers = [int(m.group(1)) for p in root.iterdir() if (m := _NUMBERED.match(p.name))]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "run"
    for number in range(max(numbers, default=-1) + 1, 100_000):
        path = root / f"{number:05d}-{safe}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise RuntimeError(f"{root}: no free run number")

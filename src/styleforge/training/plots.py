"""Loss-curve plots from a run's log (matplotlib, headless)."""
from __future__ import annotations

import os
from pathlib import Path

from ..files import atomic_path


def plot_curves(records: list[dict], path: str | os.PathLike, keys: list[str] | None = None,
                title: str = "training losses") -> Path:
    """One line per numeric key against step; keys default to those starting with 'loss', less those that
    are 0 at every logged step (terms switched off by the config, zero by construction)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = keys or sorted({k for r in records for k in r if k.startswith("loss")})
    keys = [k for k in keys if any(isinstance(r.get(k), (int, float)) and r[k] != 0 for r in records)]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for key in keys:
        points = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))]
        if points:
            ax.plot(*zip(*points), label=key, linewidth=1.2)
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if keys:
        ax.legend(loc="best")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)

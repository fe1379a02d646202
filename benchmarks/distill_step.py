"""Distillation step time (issue #9): milliseconds per `distill` training step with the bundled `monet` style
as teacher, batch 4 at 128 px on random images (compute only, no data loading). Compare two versions of the
code by running this once on each, back to back on an otherwise idle machine.

    python benchmarks/distill_step.py --threads 2 --json out/distill_step.json
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from styleforge import load_config
from styleforge.recipes import build_recipe

TEACHER = Path(__file__).resolve().parents[1] / "src/styleforge/assets/styles/monet"


def step_ms(threads: int, batch: int, size: int, steps: int, repeats: int) -> dict:
    """Best and median ms per step over `repeats` rounds of `steps` steps, after 5 warm-up steps."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    recipe = build_recipe(load_config("default", [f"model.teacher={TEACHER}"], recipe="distill"), 3)
    optimizers = {k: torch.optim.Adam(p, lr) for k, (p, lr) in recipe.optimizer_groups().items()}
    data = {k: torch.rand(batch, 3, size, size) * 2 - 1 for k in ("content", "style")}
    for _ in range(5):
        recipe.training_step(data, optimizers)
    rounds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            recipe.training_step(data, optimizers)
        rounds.append(1000 * (time.perf_counter() - t0) / steps)
    rounds.sort()
    return {"threads": threads, "batch": batch, "size": size, "best_ms": round(rounds[0], 1),
            "median_ms": round(rounds[len(rounds) // 2], 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", type=Path)
    a = p.parse_args()
    row = step_ms(a.threads, a.batch, a.size, a.steps, a.repeats)
    print(f"distill step (light b12/2 student, monet teacher, batch {row['batch']}, {row['size']} px, "
          f"{row['threads']} threads): best {row['best_ms']} ms, median {row['median_ms']} ms")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(row, indent=2))


if __name__ == "__main__":
    main()

"""`styleforge demo`: the main job on built-in defaults; needs no data outside the package."""
from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="run the built-in demo (no data needed)")
    p.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    p.add_argument("--steps", type=int, default=400, help="training steps (default: 400)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..config import load_config
    from ..training import train

    out = Path(args.out)
    config = load_config("shapes", [f"train.steps={args.steps}", f"run.output_dir={out / 'runs'}"], recipe="dcgan")
    run_dir = train(config)
    print(f"demo: a DCGAN learned the built-in 'shapes' set in {run_dir}\n"
          f"      samples: {run_dir / 'samples'}  losses: {run_dir / 'loss_curves.png'}")
    return 0

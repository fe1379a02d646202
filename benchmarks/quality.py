"""Ground-truth style benchmark: learn procedural styles unpaired, score PSNR/SSIM against the truth.

For each operator and recipe: prepare the split (see styleforge.metrics.ground_truth), train, stylise
the held-out photos, and compare with the identity and a colour-transfer baseline.

    python benchmarks/quality.py --operators film_grade,cartoon --recipes fastcut --size 64 --steps 1500
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from styleforge import load_config, train
from styleforge.data import data_root
from styleforge.inference import Stylizer
from styleforge.metrics import STYLE_OPERATORS
from styleforge.metrics.ground_truth import evaluate, prepare_split


def run_one(operator: str, recipe: str, size: int, steps: int, workdir: Path, extra: list[str]) -> dict:
    split = prepare_split(data_root() / "gan_getting_started" / "photo_jpg", operator, workdir / "data", size=size)
    overrides = [f"data.source={split.style_dir}", f"data.content={split.content_dir}", f"data.image_size={size}",
                 f"data.load_size={size}", "data.holdout_fraction=0", f"train.steps={steps}",
                 f"run.output_dir={workdir / 'runs'}", "train.progress=false", "train.tensorboard=false",
                 f"run.name={recipe}-{operator}"] + extra
    config = load_config("small", overrides, recipe=recipe)
    start = time.perf_counter()
    run = train(config)
    seconds = time.perf_counter() - start
    stylizer = Stylizer.from_pretrained(run)
    rows = evaluate(split, stylizer)
    return {"operator": operator, "recipe": recipe, "size": size, "steps": steps, "train_s": round(seconds, 1),
            "run": str(run), **{f"{k}_{m}": v for k, r in rows.items() for m, v in r.items()}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--operators", default=",".join(STYLE_OPERATORS.names()))
    p.add_argument("--recipes", default="fastcut")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--workdir", default="out/bench_quality")
    p.add_argument("--json", default="out/bench_quality.json")
    p.add_argument("--set", dest="overrides", action="append", default=[])
    args = p.parse_args()
    results = []
    for operator in args.operators.split(","):
        for recipe in args.recipes.split(","):
            row = run_one(operator, recipe, args.size, args.steps, Path(args.workdir), args.overrides)
            results.append(row)
            print(f"{operator:<14} {recipe:<8} identity {row['identity_psnr']:.2f} dB  colour-transfer "
                  f"{row['color_transfer_psnr']:.2f} dB  model {row['model_psnr']:.2f} dB "
                  f"(SSIM {row['identity_ssim']:.3f} / {row['color_transfer_ssim']:.3f} / {row['model_ssim']:.3f}) "
                  f"train {row['train_s']} s", flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

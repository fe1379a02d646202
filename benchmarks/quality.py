"""Ground-truth style benchmark: learn procedural styles unpaired, score PSNR/SSIM against the truth.

For each operator and recipe: prepare the split (see styleforge.metrics.ground_truth), train, stylise
the held-out photos, and compare with the identity and a colour-transfer baseline. With --eval-every,
the held-out PSNR is also measured during training: a PSNR-vs-training-seconds curve per run.

    python benchmarks/quality.py --recipes fastcut --preset quick --size 128 --test-size 256 \
        --steps 1500 --eval-every 250 --set train.threads=2

The last lines print each run's curve as dB over the identity against minutes of training.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from styleforge import load_config, train
from styleforge.data import data_root
from styleforge.inference import Stylizer
from styleforge.metrics import STYLE_OPERATORS
from styleforge.metrics.ground_truth import evaluate, prepare_split, score
from styleforge.metrics.structure import color_distance
from styleforge.metrics.swd import swd


def run_one(operator: str, recipe: str, preset: str, size: int, test_size: int, steps: int, eval_every: int,
            workdir: Path, extra: list[str]) -> dict:
    split = prepare_split(data_root() / "gan_getting_started" / "photo_jpg", operator, workdir / "data", size=size,
                          test_size=test_size)
    overrides = [f"data.style={split.style_dir}", f"data.content={split.content_dir}", f"data.image_size={size}",
                 f"data.load_size={size}", f"train.steps={steps}", f"run.output_dir={workdir / 'runs'}",
                 "train.progress=false", "train.tensorboard=false", f"run.name={recipe}-{operator}"] + extra
    if not load_config(preset, overrides, recipe=recipe).train.eval_every:
        overrides.append("data.holdout_fraction=0")  # every image trains unless the preset evaluates held-out ones
    config = load_config(preset, overrides, recipe=recipe)
    curve, clock = [], {"train_s": 0.0, "t0": time.perf_counter()}

    def measure(trainer, step, losses):
        if not eval_every or step % eval_every:
            return
        clock["train_s"] += time.perf_counter() - clock["t0"]
        g = trainer.export_module()
        was = g.training
        stylize = Stylizer(g.eval(), trainer.device)
        with torch.no_grad():
            out = torch.cat([stylize(chunk) for chunk in split.test_photos.split(16)])
        g.train(was)
        half = len(out) // 2  # no-reference scores, unpaired: outputs of one half against the truth of the other
        curve.append({"step": step, "train_s": round(clock["train_s"], 1), **score(out, split.test_truth),
                      "swd": swd(out[:half], split.test_truth[half:2 * half], patches_per_image=64)["swd"],
                      "color": color_distance(out[:half], split.test_truth[half:2 * half])})
        c = curve[-1]
        print(f"  {operator} {recipe} step {step}: {c['psnr']:.2f} dB after {c['train_s']} s "
              f"(unpaired: swd {c['swd']:.1f}, colour {c['color']:.3f})", flush=True)
        clock["t0"] = time.perf_counter()

    start = time.perf_counter()
    run = train(config, callbacks=[measure])
    seconds = time.perf_counter() - start
    rows = evaluate(split, Stylizer.from_pretrained(run, device=str(config.train.device).replace("auto", "cpu")))
    return {"operator": operator, "recipe": recipe, "preset": preset, "size": size, "test_size": test_size,
            "steps": steps, "train_s": round(seconds, 1), "threads": torch.get_num_threads(), "run": str(run),
            "curve": curve, **{f"{k}_{m}": v for k, r in rows.items() for m, v in r.items()}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--operators", default=",".join(STYLE_OPERATORS.names()))
    p.add_argument("--recipes", default="fastcut")
    p.add_argument("--preset", default="fast")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--test-size", type=int, default=None)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--eval-every", type=int, default=0)
    p.add_argument("--workdir", default="out/bench_quality")
    p.add_argument("--json", default="out/bench_quality.json")
    p.add_argument("--set", dest="overrides", action="append", default=[])
    args = p.parse_args()
    results = []
    for operator in args.operators.split(","):
        for recipe in args.recipes.split(","):
            row = run_one(operator, recipe, args.preset, args.size, args.test_size or args.size, args.steps,
                          args.eval_every, Path(args.workdir), args.overrides)
            results.append(row)
            print(f"{operator:<14} {recipe:<8} identity {row['identity_psnr']:.2f} dB  colour-transfer "
                  f"{row['color_transfer_psnr']:.2f} dB  model {row['model_psnr']:.2f} dB "
                  f"(SSIM {row['identity_ssim']:.3f} / {row['color_transfer_ssim']:.3f} / {row['model_ssim']:.3f}) "
                  f"train {row['train_s']} s", flush=True)
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(results, indent=2))
    for row in results:  # the PSNR-vs-CPU-time curve of each run, in dB over the identity
        gains = "  ".join(f"{c['train_s'] / 60:.1f} min {c['psnr'] - row['identity_psnr']:+.2f}" for c in row["curve"])
        print(f"curve {row['operator']} {row['recipe']} ({row['threads']} threads): {gains or 'no --eval-every'}")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

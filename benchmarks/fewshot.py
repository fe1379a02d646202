"""Few-shot benchmark (issue #6): a style learned from 25 Monet paintings vs the full set, and vs the same
recipe without augmentation. Score: sliced Wasserstein distance (x1000, lower is better) between the
stylised held-out photos and the held-out paintings (the 10% hold-out split, never trained on).

    python benchmarks/fewshot.py --steps 1500 --shots 25 --json out/bench_fewshot.json
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
from styleforge.metrics.evaluate import load_square
from styleforge.metrics.swd import swd

VARIANTS = {
    "full_set": [],                                                  # every training painting (~270)
    "few_shot": [],                                                  # --shots paintings, ADA + DiffAugment
    "few_shot_no_aug": ["augment.policy=", "augment.ada_target=0"],  # --shots paintings, no augmentation
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--shots", type=int, default=25)
    p.add_argument("--eval-size", type=int, default=128)
    p.add_argument("--photos", type=int, default=100, help="held-out photos stylised for the score")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--out", default="out/bench_fewshot")
    p.add_argument("--json", default="out/bench_fewshot.json")
    p.add_argument("--set", dest="overrides", action="append", default=[])
    args = p.parse_args()

    root = data_root() / "gan_getting_started"
    photos, _, _ = load_square(root / "photo_jpg", args.eval_size, 0.1, args.photos)
    paintings, _, _ = load_square(root / "monet_jpg", args.eval_size, 0.1, 0)
    baseline = swd(photos, paintings)["swd"]
    print(f"identity (photos as they are): SWD {baseline:.1f} against {len(paintings)} held-out paintings")
    results = {"benchmark": "fewshot", "shots": args.shots, "steps": args.steps, "threads": torch.get_num_threads(),
               "held_out_paintings": len(paintings), "photos": len(photos), "identity_swd": baseline, "runs": {}}
    for name in args.variants.split(","):
        overrides = [f"train.steps={args.steps}", f"run.output_dir={args.out}", "train.progress=false",
                     "train.tensorboard=false", f"run.name={name}",
                     f"data.style_limit={0 if name == 'full_set' else args.shots}"] + VARIANTS[name] + args.overrides
        config = load_config("fewshot", overrides, recipe="fastcut")
        start = time.perf_counter()
        run = train(config)
        seconds = time.perf_counter() - start
        stylize = Stylizer.from_pretrained(run)
        with torch.no_grad():
            out = torch.cat([stylize(chunk) for chunk in photos.split(16)])
        score = swd(out, paintings)["swd"]
        results["runs"][name] = {"swd": score, "train_s": round(seconds, 1), "run": str(run)}
        print(f"{name}: SWD {score:.1f} ({seconds:.0f} s of training)", flush=True)
    runs = results["runs"]
    if {"full_set", "few_shot"} <= set(runs):
        results["few_shot_vs_full"] = runs["few_shot"]["swd"] / runs["full_set"]["swd"] - 1
        print(f"few-shot vs full set: {100 * results['few_shot_vs_full']:+.1f}% SWD (target: within +15%)")
    if {"few_shot", "few_shot_no_aug"} <= set(runs):
        print(f"few-shot with vs without augmentation: {runs['few_shot']['swd']:.1f} vs {runs['few_shot_no_aug']['swd']:.1f}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

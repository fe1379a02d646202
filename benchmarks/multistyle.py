"""Multi-style benchmark (issue #6): one model learns film_grade, pencil_sketch and Monet; then a new style
(sepia, from 25 images) is added as an adapter. Prints and saves: per-style ground-truth PSNR (dB, 256 px
test photos) before and after the adapter (the drift of the old styles), the adapter's size and CPU time,
the new style's PSNR against the identity, and how smoothly outputs move when style weights change.

    python benchmarks/multistyle.py --steps 2000 --adapter-steps 600 --json out/bench_multistyle.json
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
from styleforge.metrics.ground_truth import prepare_split, score
from styleforge.training.adapter import add_style

BASE_OPERATORS, NEW_OPERATOR = ("film_grade", "pencil_sketch"), "sepia"


def psnr_per_style(stylizer: Stylizer, splits: dict) -> dict[str, float]:
    out = {}
    for name, split in splits.items():
        stylizer.select(name)
        with torch.no_grad():
            y = torch.cat([stylizer(c) for c in split.test_photos.split(16)])
        out[name] = score(y, split.test_truth)["psnr"]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--adapter-steps", type=int, default=600)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--test-size", type=int, default=256)
    p.add_argument("--shots", type=int, default=25, help="images of the new style")
    p.add_argument("--out", default="out/bench_multistyle")
    p.add_argument("--json", default="out/bench_multistyle.json")
    args = p.parse_args()

    photos, work = data_root() / "gan_getting_started" / "photo_jpg", Path(args.out)
    splits = {op: prepare_split(photos, op, work / "data", size=args.size, test_size=args.test_size)
              for op in (*BASE_OPERATORS, NEW_OPERATOR)}
    content = splits[BASE_OPERATORS[0]].content_dir
    styles = ",".join(f"{op}={splits[op].style_dir}" for op in BASE_OPERATORS) + ",monet=monet"
    config = load_config("fast", [f"multistyle.styles={styles}", f"data.content={content}", f"data.image_size={args.size}",
                                  f"data.load_size={args.size}", "data.holdout_fraction=0", f"train.steps={args.steps}",
                                  f"run.output_dir={work / 'runs'}", "train.progress=false", "train.tensorboard=false",
                                  "run.name=multistyle"], recipe="multistyle")
    t0 = time.perf_counter()
    run = train(config)
    base_s = time.perf_counter() - t0
    base_splits = {op: splits[op] for op in BASE_OPERATORS}
    identity = {op: score(s.test_photos, s.test_truth)["psnr"] for op, s in splits.items()}
    before = psnr_per_style(Stylizer.from_pretrained(run), base_splits)

    shots = work / "data" / f"{NEW_OPERATOR}-{args.shots}"
    shots.mkdir(parents=True, exist_ok=True)
    for f in sorted(splits[NEW_OPERATOR].style_dir.iterdir())[: args.shots]:
        (shots / f.name).write_bytes(f.read_bytes())
    adapter = add_style(run, NEW_OPERATOR, str(shots), content=str(content), steps=args.adapter_steps, size=args.size,
                        output_dir=work / "runs")
    stylizer = Stylizer.from_pretrained(run)
    after = psnr_per_style(stylizer, base_splits)
    new = psnr_per_style(stylizer, {NEW_OPERATOR: splits[NEW_OPERATOR]})[NEW_OPERATOR]

    x = splits[BASE_OPERATORS[0]].test_photos[:16]
    path = []
    for t in torch.linspace(0, 1, 11):
        stylizer.select({BASE_OPERATORS[0]: 1 - t.item(), BASE_OPERATORS[1]: t.item()})
        with torch.no_grad():
            path.append(stylizer(x))
    steps = [(b - a).abs().mean().item() for a, b in zip(path, path[1:])]
    result = {"benchmark": "multistyle", "threads": torch.get_num_threads(), "size": args.size,
              "test_size": args.test_size, "base_steps": args.steps, "base_train_s": round(base_s, 1),
              "identity_psnr": identity, "base_psnr": before, "base_psnr_after_adapter": after,
              "drift_db": {k: after[k] - before[k] for k in before},
              "adapter": {"style": NEW_OPERATOR, "images": args.shots, "steps": args.adapter_steps,
                          "seconds": round(adapter["seconds"], 1), "bytes": adapter["bytes"], "psnr": new,
                          "identity_psnr": identity[NEW_OPERATOR]},
              "fusion_path": {"weight_step": 0.1, "output_change_per_step": steps,
                              "max_over_mean": max(steps) / (sum(steps) / len(steps))},
              "run": str(run)}
    print(json.dumps({k: v for k, v in result.items() if k != "fusion_path"}, indent=2))
    print(f"fusion {BASE_OPERATORS[0]} -> {BASE_OPERATORS[1]} in steps of 0.1: mean |change| per step "
          + ", ".join(f"{s:.4f}" for s in steps))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

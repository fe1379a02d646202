"""Texture-operator benchmark (issue #19 target 3): learn a mark-making texture unpaired, score by distribution.

For each operator of styleforge.metrics.texture_operators (hatching, stippling, halftone; brush_strokes is
the held-out one, never tuned on): prepare the ground-truth split at 256 px (styleforge.metrics.ground_truth:
`--content` content photos, as many *other* photos through the operator as the style set, `--test`
held-out photos), train the painterly recipe for `--minutes`, stylise the held-out photos and score them
against the truth of the *other* half of the held-out photos (the texture's phase is arbitrary, so PSNR
means nothing): SWD and FD-Lite, beside the identity.

    python benchmarks/texture.py --operators hatching,stippling,halftone,brush_strokes --minutes 3

Prints a table, writes out/bench_texture/result.json and a grid per operator (photo | model | truth).
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from styleforge import load_config, train
from styleforge.data import data_root
from styleforge.imageio import make_grid, save_image
from styleforge.inference import Stylizer
from styleforge.metrics.ground_truth import prepare_split
from styleforge.metrics.perceptual import fd_lite
from styleforge.metrics.swd import swd


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def distances(out: torch.Tensor, truth: torch.Tensor) -> dict:
    """Outputs of the first half against the truth of the second half (unpaired)."""
    half = len(out) // 2
    return {"swd": swd(out[:half], truth[half:2 * half])["swd"], "fd_lite": fd_lite(out[:half], truth[half:2 * half])}


def run_operator(op: str, args, workdir: Path) -> dict:
    split = prepare_split(data_root() / "gan_getting_started" / "photo_jpg", op, workdir / "data", size=256,
                          train_images=args.content, test_images=args.test)
    overrides = [f"data.style={split.style_dir}", f"data.content={split.content_dir}", "data.holdout_fraction=0",
                 "data.style_limit=0", f"train.minutes={args.minutes}", f"run.output_dir={workdir / 'runs'}",
                 f"run.name=painterly-{op}", "train.progress=false", "train.tensorboard=false"] + args.overrides
    start = time.perf_counter()
    run = train(load_config("default", overrides, recipe="painterly"))
    seconds = time.perf_counter() - start
    stylize = Stylizer.from_pretrained(run)
    with torch.no_grad():
        out = torch.cat([stylize(chunk) for chunk in split.test_photos.split(8)])
    rows = {"identity": distances(split.test_photos, split.test_truth), "painterly": distances(out, split.test_truth)}
    save_image(make_grid(torch.cat([split.test_photos[:4], out[:4], split.test_truth[:4]]), columns=4),
               workdir / f"grid-{op}.png")
    return {"rows": rows, "train_s": round(seconds, 1), "run": str(run)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--operators", default="hatching,stippling,halftone,brush_strokes")
    p.add_argument("--minutes", type=float, default=3.0)
    p.add_argument("--content", type=int, default=200, help="content photos (and as many style photos)")
    p.add_argument("--test", type=int, default=48, help="held-out photos scored")
    p.add_argument("--set", dest="overrides", action="append", default=[], help="override for the painterly recipe")
    p.add_argument("--workdir", default="out/bench_texture")
    args = p.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    results = {"cpu": cpu_name(), "threads": torch.get_num_threads(), "minutes": args.minutes,
               "overrides": args.overrides, "operators": {}}
    print(f"{results['cpu']}, {results['threads']} threads, {args.minutes} min per operator")
    for op in [o.strip() for o in args.operators.split(",") if o.strip()]:
        results["operators"][op] = run_operator(op, args, workdir)
        (workdir / "result.json").write_text(json.dumps(results, indent=2))
    print(f"\n{'operator':16s}{'swd id':>10s}{'swd model':>11s}{'ratio':>8s}{'fd id':>9s}{'fd model':>10s}{'ratio':>8s}")
    for op, r in results["operators"].items():
        i, m = r["rows"]["identity"], r["rows"]["painterly"]
        print(f"{op:16s}{i['swd']:10.1f}{m['swd']:11.1f}{m['swd'] / i['swd']:8.2f}"
              f"{i['fd_lite']:9.1f}{m['fd_lite']:10.1f}{m['fd_lite'] / i['fd_lite']:8.2f}")
    print(f"wrote {workdir / 'result.json'}")


if __name__ == "__main__":
    main()

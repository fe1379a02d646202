"""Painterly-style benchmark (issue #19): learn a painter from a few paintings, score on held-out photos
against the painter's held-out paintings, beside the identity, a colour transfer, the older recipes given
the same minutes, and the Gatys per-image optimisation (the quality reference).

Split (fixed, documented; data.split_holdout, SHA-1 of the relative path):
- painter folder (monet: gan_getting_started/monet_jpg, vangogh: vangogh): 20% held out -> the reference
  set of every figure; the first `--paintings` files (sorted) of the other side train (0: all of them);
- photos (gan_getting_started/photo_jpg): 10% held out -> the first `--test-photos` are the test photos;
  the first `--photos` of the other side are the content set the recipes train on.
Every image is taken at `--size` (shorter side resized, centre crop; the shared sets are 256 px).

    python benchmarks/painterly.py --painter monet --paintings 25 --minutes 10 \
        --recipes painterly,fastcut:fewshot,fastcut:quick,filters:quick --gatys 48

Prints one table (SWD, FD-Lite, KID-Lite, Gram, LPIPS-like, SSIM; ratios to the identity) and writes
JSON and a before/after grid per row (out/bench_painterly/). The table's first line, "paintings (floor)",
scores as many of the painter's own training-side paintings as there are test photos in place of outputs:
how close real paintings by the same hand come to the held-out ones at this sample size, the floor of
SWD and FD-Lite (no content, so no LPIPS or SSIM). Two colour baselines: "colour transfer" moves each
photo's YCbCr moments onto the style set's; "colour map" is one map for the whole set (the content set's
means and chroma spread onto the style set's, nn.color.ColourMatch: what the painterly generator starts from).
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from styleforge import load_config, train
from styleforge.data import data_root
from styleforge.data.datasets import list_image_files, split_holdout
from styleforge.imageio import make_grid, save_image
from styleforge.inference import Stylizer, bundled_styles
from styleforge.metrics.evaluate import compute_metrics, load_square
from styleforge.metrics.image_quality import color_transfer, ycc_statistics
from styleforge.nn.color import ColourMatch, ColourMoments

PAINTERS = {"monet": "gan_getting_started/monet_jpg", "vangogh": "vangogh"}
METRICS = ("swd", "fd_lite", "kid_lite", "gram", "lpips", "ssim")
PAINTER_HOLDOUT, PHOTO_HOLDOUT = 0.2, 0.1


def link_folder(files: list[Path], folder: Path) -> Path:
    """A folder of symlinks to `files` (what a recipe trains on)."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        link = folder / f.name
        if not link.exists():
            os.symlink(f.resolve(), link)
    return folder


def prepare(painter: str, paintings: int, photos: int, test_photos: int, size: int, workdir: Path) -> dict:
    root = Path(painter) if Path(painter).is_dir() else data_root() / PAINTERS[painter]
    files, _ = list_image_files(root)
    train_side = split_holdout(files, PAINTER_HOLDOUT, root)
    style_files = train_side[:paintings] if paintings else train_side
    photo_root = data_root() / "gan_getting_started" / "photo_jpg"
    photo_files, _ = list_image_files(photo_root)
    name = Path(painter).name
    split = {
        "style_dir": link_folder(style_files, workdir / f"style-{name}-{len(style_files)}"),
        "content_dir": link_folder(split_holdout(photo_files, PHOTO_HOLDOUT, photo_root)[:photos],
                                   workdir / f"content-{photos}"),
        "reference": load_square(root, size, PAINTER_HOLDOUT, holdout=True)[0],
        "test": load_square(photo_root, size, PHOTO_HOLDOUT, holdout=True, limit=test_photos)[0],
        "style_images": load_square(workdir / f"style-{name}-{len(style_files)}", size)[0],
        "paintings": len(style_files),
        "floor": load_square(root, size, PAINTER_HOLDOUT, holdout=False, limit=test_photos)[0],
    }
    return split


def train_recipe(spec: str, split: dict, minutes: float, workdir: Path, extra: list[str]) -> tuple[Path, float]:
    recipe, _, preset = spec.partition(":")
    overrides = [f"data.style={split['style_dir']}", f"data.content={split['content_dir']}",
                 "data.holdout_fraction=0", "data.style_limit=0", f"train.minutes={minutes}", "train.steps=1000000",
                 f"run.output_dir={workdir / 'runs'}", "train.progress=false", "train.tensorboard=false",
                 "train.eval_every=0", "train.keep_best=false", f"run.name={recipe}-{preset or 'default'}"]
    config = load_config(preset or "default", overrides + (extra if recipe == "painterly" else []), recipe=recipe)
    start = time.perf_counter()
    run = train(config)
    return run, time.perf_counter() - start


def colour_map(split: dict) -> ColourMatch:
    """The content set's YCbCr means and chroma spread mapped onto the style set's (one map for all photos)."""
    content, style = ColourMoments(), ColourMoments()
    content.add(load_square(split["content_dir"], split["test"].shape[-1])[0])
    style.add(split["style_images"])
    match = ColourMatch()
    match.fit(content, style)
    return match


@torch.no_grad()
def stylise(run: Path, photos: torch.Tensor) -> torch.Tensor:
    stylizer = Stylizer.from_pretrained(run)
    return torch.cat([stylizer(chunk) for chunk in photos.split(8)])


def outputs_path(workdir: Path, painter: str, split: dict, row: str) -> Path:
    """Where a row's stylised test photos of this split are saved (and read back by --reuse)."""
    stem = f"outputs-{Path(painter).name}-{split['paintings']}-{split['test'].shape[-1]}-{len(split['test'])}"
    return workdir / f"{stem}-{row.replace(':', '_')}.pt"


def saved_outputs(workdir: Path, painter: str, split: dict, rows: str) -> dict[str, torch.Tensor]:
    """rows 'a,b:c' -> their outputs saved by an earlier run of this split."""
    return {row: torch.load(outputs_path(workdir, painter, split, row), weights_only=True)
            for row in filter(None, rows.split(","))}


def model_outputs(specs: str, photos: torch.Tensor) -> dict[str, torch.Tensor]:
    """specs 'monet,old=RUN' (bundled style names or NAME=RUN_OR_EXPORT) -> {'model NAME': stylised photos}."""
    outputs = {}
    for spec in filter(None, specs.split(",")):
        name, _, path = spec.partition("=")
        outputs[f"model {name}"] = stylise(Path(path) if path else bundled_styles()[name], photos)
    return outputs


def gatys(split: dict, count: int, steps: int, content_weight: float, bf16: bool) -> torch.Tensor:
    from styleforge.inference.optimize import optimize_images, style_grams

    grams = style_grams(split["style_images"])
    photos = split["test"][:count]
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        return torch.cat([optimize_images(chunk, grams, steps=steps, content_weight=content_weight)
                          for chunk in photos.split(8)])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--painter", default="monet", help="monet, vangogh or a folder of paintings")
    p.add_argument("--paintings", type=int, default=25, help="training paintings (0: the whole training side)")
    p.add_argument("--photos", type=int, default=200, help="content photos the recipes train on")
    p.add_argument("--test-photos", type=int, default=48)
    p.add_argument("--size", type=int, default=256, help="evaluation size")
    p.add_argument("--minutes", type=float, default=10.0, help="training budget of every recipe")
    p.add_argument("--recipes", default="painterly", help="recipe[:preset],... (e.g. fastcut:fewshot,filters:quick)")
    p.add_argument("--gatys", type=int, default=0, help="also optimise the first N test photos (Gatys reference)")
    p.add_argument("--gatys-steps", type=int, default=150)
    p.add_argument("--gatys-content", type=float, default=1.0)
    p.add_argument("--gatys-bf16", action="store_true", help="optimise under bf16 autocast (CPUs with bf16 units)")
    p.add_argument("--set", dest="overrides", action="append", default=[], help="override for the painterly recipe")
    p.add_argument("--models", default="", help="rows from trained models: bundled style names or NAME=RUN_OR_EXPORT, "
                                                "comma-separated (e.g. monet, old=runs/00012-painterly-default)")
    p.add_argument("--reuse", default="", help="rows to take from an earlier run's saved outputs, e.g. gatys,filters:quick")
    p.add_argument("--workdir", default="out/bench_painterly")
    p.add_argument("--tag", default="", help="suffix of the JSON and grid names")
    args = p.parse_args()
    workdir = Path(args.workdir)
    split = prepare(args.painter, args.paintings, args.photos, args.test_photos, args.size, workdir)
    test, reference = split["test"], split["reference"]
    print(f"{Path(args.painter).name}: {split['paintings']} training paintings, {len(reference)} held-out "
          f"paintings, {len(test)} test photos at {args.size} px; {torch.get_num_threads()} threads", flush=True)
    outputs = {"identity": test, "colour transfer": color_transfer(test, *ycc_statistics(split["style_images"])),
               "colour map": colour_map(split)(test).clamp(-1, 1)}
    outputs.update(saved_outputs(workdir, args.painter, split, args.reuse))  # stylised by an earlier run of this split
    outputs.update(model_outputs(args.models, test))
    seconds = {}
    for spec in filter(None, args.recipes.split(",")):
        run, seconds[spec] = train_recipe(spec, split, args.minutes, workdir, args.overrides)
        outputs[spec] = stylise(run, test)
        print(f"trained {spec} in {seconds[spec] / 60:.1f} min: {run}", flush=True)
    if args.gatys:
        start = time.perf_counter()
        outputs["gatys"] = gatys(split, args.gatys, args.gatys_steps, args.gatys_content, args.gatys_bf16)
        seconds["gatys"] = time.perf_counter() - start
    for row, out in outputs.items():
        torch.save(out, outputs_path(workdir, args.painter, split, row))
    rows = {}
    cache = workdir / f"baselines-{Path(args.painter).name}-{split['paintings']}-{args.size}-{len(test)}.json"
    cached = json.loads(cache.read_text()) if cache.is_file() else {}
    if "paintings (floor)" not in cached:
        floor = compute_metrics(test, split["floor"], reference, tuple(m for m in METRICS if m not in ("lpips", "ssim")))
        cached["paintings (floor)"] = {**floor, "lpips": float("nan"), "ssim": float("nan")}
    rows["paintings (floor)"] = cached["paintings (floor)"]
    for name, out in outputs.items():
        if name in cached:  # the floor, identity and colour rows depend on the split only
            rows[name] = cached[name]
            continue
        photos = test[: len(out)]
        rows[name] = compute_metrics(photos, out, reference, METRICS)
        if len(out) < len(test):
            rows[name]["subset"] = len(out)
    for n in sorted({len(out) for out in outputs.values() if len(out) < len(test)}):
        # the Gatys subset: every full row is also scored on the same first n photos, like for like
        for name, out in [(k, v) for k, v in outputs.items() if len(v) == len(test)]:
            rows[f"{name} (first {n})"] = {**compute_metrics(test[:n], out[:n], reference, METRICS), "subset": n}
    cache.write_text(json.dumps({k: rows[k] for k in ("paintings (floor)", "identity", "colour transfer", "colour map")}))
    identity = rows["identity"]
    print(f"\n{'':30}" + "".join(f"{m:>12}" for m in METRICS) + "   swd/id  fd/id")
    for name, r in rows.items():  # a subset row against the identity on the same subset
        base = rows.get(f"identity (first {r['subset']})", identity) if "subset" in r else identity
        print(f"{name:30}" + "".join(f"{r[m]:12.3f}" for m in METRICS)
              + f"   {r['swd'] / base['swd']:6.2f} {r['fd_lite'] / base['fd_lite']:6.2f}")
    tag = f"{Path(args.painter).name}-{split['paintings']}{args.tag}"
    grid = torch.cat([torch.stack([o[i] for o in outputs.values()]) for i in range(6)] + [split["style_images"][:len(outputs)]])
    save_image(make_grid(grid, columns=len(outputs)), workdir / f"grid-{tag}.png")
    learned = [name for name, out in outputs.items()
               if name not in ("identity", "colour transfer", "colour map") and len(out) == len(test)]
    if learned:  # the README's picture: held-out photos, the last full row's outputs, held-out paintings
        picks = torch.arange(4) * (len(test) // 4)
        rows4 = [test[picks], outputs[learned[-1]][picks], reference[torch.arange(4) * (len(reference) // 4)]]
        save_image(make_grid(torch.cat(rows4), columns=4), workdir / f"before-after-{tag}.jpg", quality=90)
    result = {"painter": args.painter, "paintings": split["paintings"], "test_photos": len(test),
              "reference_paintings": len(reference), "size": args.size, "minutes": args.minutes,
              "threads": torch.get_num_threads(), "overrides": args.overrides, "rows": rows, "seconds": seconds,
              "columns": list(outputs)}
    (workdir / f"result-{tag}.json").write_text(json.dumps(result, indent=2))
    print(f"wrote {workdir / f'result-{tag}.json'} and {workdir / f'grid-{tag}.png'}")


if __name__ == "__main__":
    main()

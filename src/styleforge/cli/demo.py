"""`styleforge demo`: the main job on built-in defaults; needs no data outside the installed packages.

By default it stylises sample photos that matplotlib ships (and a terrain rendering made from
matplotlib's elevation sample) with the bundled `monet` style and writes a before/after grid.
`--gan` instead trains a small DCGAN on the built-in synthetic `shapes` set.
"""
from __future__ import annotations

from pathlib import Path

from ..files import ensure_folder


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="run the built-in demo (no data needed)")
    p.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    p.add_argument("--style", default="monet", help="bundled style to apply (default: monet)")
    p.add_argument("--gan", action="store_true", help="train a DCGAN on the built-in shapes set instead")
    p.add_argument("--steps", type=int, default=400, help="training steps for --gan (default: 400)")
    p.set_defaults(run=run)


def run(args) -> int:
    return run_gan(args) if args.gan else run_style(args)


def run_style(args) -> int:
    import torch

    from ..data.sample_photos import demo_photos
    from ..imageio import save_image, to_tensor
    from ..inference import Stylizer, resolve_style

    out = ensure_folder(args.out, "--out")
    stylizer = Stylizer.from_pretrained(resolve_style(args.style))
    rows = []
    for name, photo in demo_photos().items():
        x = to_tensor(photo[None])
        y = stylizer(x)
        save_image(x[0], out / f"{name}.png")
        save_image(y[0], out / f"{name}_{args.style}.png")
        rows.append(torch.cat([x, y], -1)[0])
    path = save_image(torch.cat(rows, -1), out / "before_after.png")  # every photo has the same height
    print(f"demo: stylised {len(rows)} sample photos with the bundled '{args.style}' style\n"
          f"      before | after grid: {path}")
    return 0


def run_gan(args) -> int:
    from ..config import load_config
    from ..training import train

    out = ensure_folder(args.out, "--out")
    config = load_config("shapes", [f"train.steps={args.steps}", f"run.output_dir={out / 'runs'}"], recipe="dcgan")
    run_dir = train(config)
    print(f"demo: a DCGAN learned the built-in 'shapes' set in {run_dir}\n"
          f"      samples: {run_dir / 'samples'}  losses: {run_dir / 'loss_curves.png'}")
    return 0

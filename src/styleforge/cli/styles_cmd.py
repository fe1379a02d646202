"""`styleforge styles`: list the styles of a multi-style model, or add a personal style as an adapter."""
from __future__ import annotations

EXAMPLES = """examples:
  styleforge train multistyle --style monet=monet,film=~/film_stills --content ~/photos
  styleforge styles list runs/00007-multistyle-
  styleforge styles add aunt_rosa --images ~/rosa_canvases --base runs/00007-multistyle-
  styleforge stylize --model runs/00007-multistyle- --styles monet=0.7,aunt_rosa=0.3 --input a.jpg --output b.jpg
"""


def add_parser(sub) -> None:
    import argparse

    p = sub.add_parser("styles", help="list or add the styles of a multi-style model", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    ls = actions.add_parser("list", help="the model's styles (trained ones, then adapters)")
    ls.add_argument("model", help="a multistyle run folder or its export/ folder")
    add = actions.add_parser("add", help="learn a new style from 10-30 images; base weights stay untouched")
    add.add_argument("name", help="the new style's name (letters, digits, '_', '-')")
    add.add_argument("--images", required=True, help="folder of the new style's images")
    add.add_argument("--base", required=True, help="the multistyle run folder or export folder to extend")
    add.add_argument("--content", default="photo", help="content photos: a folder or named source (default: photo)")
    add.add_argument("--steps", type=int, default=600, help="training steps (default: 600)")
    add.add_argument("--size", type=int, default=128, help="training crop size (default: 128)")
    add.add_argument("--output", default="runs", help="folder that receives the adapter's run folder (default: runs)")
    add.add_argument("--resume", default=None, help="finish an interrupted adapter run (its run folder)")
    p.set_defaults(run=run)


def run(args) -> int:
    from pathlib import Path

    from ..models.pretrained import resolve_model_dir
    from ..models.adapters import adapter_files
    from ..models import read_model_config

    if args.action == "add":
        from ..training.adapter import add_style
        result = add_style(args.base, args.name, args.images, args.content, args.steps, args.size,
                           output_dir=args.output, resume=args.resume)
        print(f"added style '{args.name}': {result['adapter']} ({result['bytes']:,} bytes, "
              f"{result['seconds']:.0f} s; run folder {result['run']}); styles now: {', '.join(result['styles'])}")
        return 0
    folder = resolve_model_dir(args.model)
    meta = read_model_config(folder).get("metadata", {})
    if "styles" not in meta:
        print(f"{folder}: a single-style model")
        return 0
    for name in meta["styles"]:
        print(f"{name}\t(trained with the model)")
    for path in adapter_files(folder):
        print(f"{path.stem}\t(adapter, {path.stat().st_size:,} bytes: {Path(path).relative_to(folder)})")
    return 0

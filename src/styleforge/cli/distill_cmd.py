"""`styleforge distill --teacher RUN`: compress a trained style model into a fast light generator."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from .. import run_folder as rf
from ..config import load_config, size_overrides
from .train_cmd import train_or_print

EXAMPLES = """examples:
  styleforge distill --teacher runs/00003-cut-monet --steps 2000
  styleforge distill --teacher my_model/export --style paintings/ --content photos/ --size 128
  styleforge distill --teacher runs/00003-cut-monet --set model.generator_args="{base_channels: 16, blocks: 2}"
"""

# data.source / data.path: runs trained before the rename (migrated with a note)
TEACHER_DATA_KEYS = ("style", "style_path", "source", "path", "content", "content_path", "limit", "style_limit", "max_pixels", "background")


def add_parser(sub) -> None:
    p = sub.add_parser("distill", help="distil a trained style model into a small, fast generator",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--teacher", required=True, metavar="RUN",
                   help="the trained model: a run folder, an export folder or a bundled style name (e.g. monet)")
    p.add_argument("--preset", default="default", help="preset under configs/distill/ or a YAML path (default: default)")
    p.add_argument("--style", metavar="DIR", help="style images (default: the teacher run's)")
    p.add_argument("--content", metavar="DIR", help="content photos (default: the teacher run's)")
    p.add_argument("--size", type=int, help="training patch size in pixels (load size follows at x1.12)")
    p.add_argument("--steps", type=int, help="shortcut for --set train.steps=N")
    p.add_argument("--device", help="auto, cpu or cuda (shortcut for train.device)")
    p.add_argument("--out", help="output folder for run folders (default: runs)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config value (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="print the resolved config and exit")
    p.set_defaults(run=run)


FALLBACK_DATA = {"style": "monet", "content": "photo"}  # teacher without a run (a bundled style, an upload)


def teacher_data(teacher: Path) -> dict:
    """The data section of the teacher's run (its style and content sources), where the teacher is a run folder."""
    run_config = teacher / rf.CONFIG if (teacher / rf.EXPORT).is_dir() else teacher.parent / rf.CONFIG
    try:
        data = json.loads(run_config.read_text()).get("data", {})
    except (OSError, ValueError, AttributeError):
        return dict(FALLBACK_DATA)
    return {k: v for k, v in data.items() if k in TEACHER_DATA_KEYS} if isinstance(data, dict) else dict(FALLBACK_DATA)


def teacher_path(teacher: str) -> Path:
    """A bundled style name or a path -> the teacher's folder, checked to hold a model."""
    from ..inference.stylizer import bundled_styles
    from ..models.pretrained import resolve_model_dir

    path, bundled = Path(teacher), bundled_styles()
    path = bundled[teacher] if not path.exists() and teacher in bundled else path.resolve()
    resolve_model_dir(path)  # a missing teacher fails here, before any data is read
    return path


def resolve(args):
    teacher = teacher_path(args.teacher)
    overrides = [f"distill.teacher={teacher}"]
    for flag, key in ((args.style, "data.style"), (args.content, "data.content"), (args.steps, "train.steps"),
                      (args.device, "train.device"), (args.out, "run.output_dir")):
        if flag is not None:
            overrides.append(f"{key}={flag}")
    if args.size is not None:
        overrides += size_overrides(args.size)
    return load_config(args.preset, overrides + list(args.overrides), recipe="distill",
                       base={"data": teacher_data(teacher)})


def run(args) -> int:
    return train_or_print(resolve(args), args.dry_run, exported="student")

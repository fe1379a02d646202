"""`styleforge train RECIPE`: resolve a preset + overrides into one config and train it."""
from __future__ import annotations

import argparse
import sys

from ..config import list_presets, load_config, size_overrides
from ..errors import ConfigError
from ..recipes import RECIPES
from ..run_folder import EXPORT

DEFAULT_PRESETS = {"dcgan": "mnist", "gan": "mnist", "cyclegan": "small", "cut": "fast", "fastcut": "fast",
                   "multistyle": "fast"}

EXAMPLES = """examples:
  styleforge train dcgan --preset mnist --set train.steps=2000
  styleforge train dcgan --preset cifar10 --data ~/data/cifar10/train
  styleforge train gan --preset mnist --dry-run
  styleforge train cut --style my_paintings/ --content my_photos/ --size 128 --steps 3000
  styleforge train --resume runs/00003-dcgan-mnist --set train.steps=5000
  styleforge train painterly --style my_25_canvases/ --content my_photos/ --minutes 10
  styleforge train --resume runs/00004-painterly-my_25_canvases --minutes 20   # 10 more minutes
"""


def default_preset(recipe: str) -> str | None:
    """The preset a recipe trains with when --preset is not given (None: the built-in values)."""
    names = list_presets(recipe)
    return DEFAULT_PRESETS.get(recipe) or (names[0] if names else None)


def presets_text() -> str:
    """One line per recipe: its presets, the default first."""
    lines = ["presets (--preset NAME):"]
    for recipe in RECIPES.names():
        default = default_preset(recipe)
        names = ([default] if default else []) + [n for n in list_presets(recipe) if n != default]
        note = f"(default: {default})" if default else "(default: the built-in values)"
        lines.append(f"  {recipe:11s} {', '.join(names) or '-'}  {note}")
    return "\n".join(lines) + "\n\n"


def budget_overrides(args) -> list[str]:
    """--steps / --minutes as config overrides (the two settings a resumed run may change)."""
    return ([f"train.steps={args.steps}"] if args.steps is not None else []) + \
        ([f"train.minutes={args.minutes}"] if args.minutes is not None else [])


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a recipe (dcgan, gan, ...)", epilog=presets_text() + EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("recipe", nargs="?", help="training recipe: " + ", ".join(RECIPES.names()))
    p.add_argument("--preset", help="preset name under configs/<recipe>/ or a YAML path (default: the recipe's default)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config value, e.g. train.steps=500 (repeatable)")
    p.add_argument("--data", help="local path of the training data (a named source's files or an image folder)")
    p.add_argument("--style", metavar="DIR", help="style images (a folder or a named source) for cyclegan/cut/fastcut")
    p.add_argument("--content", metavar="DIR", help="content photos (a folder or a named source) for cyclegan/cut/fastcut")
    p.add_argument("--size", type=int, help="training image size in pixels (shortcut for data.image_size; "
                                            "load size follows at x1.12)")
    p.add_argument("--device", help="auto, cpu or cuda (shortcut for train.device)")
    p.add_argument("--steps", type=int, help="shortcut for --set train.steps=N")
    p.add_argument("--minutes", type=float, help="wall-clock budget: stop, checkpoint and export after N minutes of "
                                                 "training (shortcut for --set train.minutes=N; resumable)")
    p.add_argument("--out", help="output folder for run folders (default: runs)")
    p.add_argument("--resume", metavar="RUN", help="continue the run in this folder from its last checkpoint")
    p.add_argument("--dry-run", action="store_true", help="print the resolved config (the keys this recipe reads) and exit")
    p.set_defaults(run=run)


def resolve(args) -> object:
    overrides = list(args.overrides) + budget_overrides(args)
    if args.data:
        overrides.append(f"data.style_path={args.data}")
    if args.style:
        overrides.append(f"multistyle.styles={args.style}" if args.recipe == "multistyle" else f"data.style={args.style}")
    if args.content:
        overrides.append(f"data.content={args.content}")
    if args.size is not None:
        overrides += size_overrides(args.size)
    if args.device:
        overrides.append(f"train.device={args.device}")
    if args.out:
        overrides.append(f"run.output_dir={args.out}")
    RECIPES.get(args.recipe)
    return load_config(args.preset or default_preset(args.recipe), overrides, recipe=args.recipe)


def run(args) -> int:
    if args.resume:
        extra = [o for o in args.overrides if not o.startswith(("train.steps=", "train.minutes="))]
        if extra or args.data or args.preset or args.style or args.content or args.size is not None:
            raise ConfigError("with --resume only the step count and the time budget may change (--steps N, "
                              "--minutes M or --set train.steps=N / train.minutes=M)")
        config = None
        if args.steps is not None or args.minutes is not None or args.overrides:
            from ..training.checkpoint import load_checkpoint
            from ..config import from_dict, apply_override
            import json

            tree = json.loads(load_checkpoint(args.resume)["config"])
            for o in args.overrides + budget_overrides(args):
                apply_override(tree, o)
            config = from_dict(tree)
        return train_or_print(config, dry_run=False, resume=args.resume)
    if not args.recipe:
        raise ConfigError("name a recipe (" + ", ".join(RECIPES.names()) + ") or give --resume RUN")
    return train_or_print(resolve(args), args.dry_run)


def train_or_print(config, dry_run: bool, exported: str = "model", resume: str | None = None) -> int:
    """--dry-run prints the resolved config; otherwise train it (or resume the run `resume`, under `config`
    where given) and say where the run and its export are."""
    if dry_run:  # the keys this recipe reads (the run's config.json keeps them all)
        import json

        from ..config import for_recipe
        print(json.dumps(for_recipe(config), indent=2, sort_keys=True))
        return 0
    from ..training import train  # heavy imports only when training

    run_dir = train(config, resume=resume)
    print(f"run folder: {run_dir}\nexported {exported}: {run_dir / EXPORT}")
    _print_what_was_learned(run_dir / EXPORT)
    return 0


def _print_what_was_learned(export) -> None:
    """For a generator that can say what it does in words (the white-box `filters` chain), say it."""
    from ..errors import StyleforgeError
    from ..models import GENERATORS, load_pretrained, read_model_config

    try:  # the config says whether the architecture can; only then are the weights loaded
        config = read_model_config(export)
        if hasattr(GENERATORS.get(config["architecture"]), "describe"):
            print(f"learned: {load_pretrained(export)[0].describe()}")
    except StyleforgeError:  # no export (or none readable, or a discriminator): nothing to say
        return
    warning = fit_warning(config.get("metadata", {}))
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


#: the `filters` fit left more than this share of the photo's distance to the style: the style is probably
#: not a filter. Measured at 64 px (quick preset, 70 steps, AMD EPYC Zen 5): cartoon 0.014, film grade 0.036,
#: oil paint 0.12, pencil sketch 0.11, sepia 0.13 (learned) against brush strokes 0.47 and halftone 0.46
#: (not learnable by a filter chain). Hatching (0.105) and stippling (0.098) pass unwarned: their statistics
#: are approached, not their look.
FIT_LEFT_WARNING = 0.3


def fit_warning(metadata: dict) -> str | None:
    """A filters export's fit_loss_best / fit_loss_photo above FIT_LEFT_WARNING -> what to tell the user."""
    photo, best = metadata.get("fit_loss_photo"), metadata.get("fit_loss_best")
    if not photo or best is None or best / photo <= FIT_LEFT_WARNING:
        return None
    return (f"the filter chain closed only {1 - best / photo:.0%} of the distance from the photos' filter "
            f"statistics to the style's: this style has strokes or texture that filters cannot make; "
            f"`styleforge train painterly` learns a painter's hand")

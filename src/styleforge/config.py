"""One typed configuration tree: presets (YAML) + `key=value` overrides, validated once.

Every run saves the resolved tree as `config.json`, and every checkpoint embeds it.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import re
import sys
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError


def _opt(default, *, min=None, max=None, choices=None, help=""):
    """A dataclass field with validation metadata (`min`, `max`, `choices`)."""
    meta = {"min": min, "max": max, "choices": choices, "help": help}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class DataConfig:
    style: str = _opt("mnist", help="the style images (`--style`; for the noise GANs the images to learn): a named "
                      "data source (see `styleforge data list`) or an image folder; data.source before")
    style_path: str = _opt("", help="local path for a named style source (`--data`); overrides its environment "
                           "variable; data.path before")
    content: str = _opt("", help="photos to translate (style recipes): named source or folder")
    content_path: str = _opt("", help="local path for a named content source")
    image_size: int = _opt(28, min=8, max=4096, help="square training size in pixels")
    load_size: int = _opt(0, min=0, max=8192, help="resize the shorter side to this before cropping (0: image_size)")
    crop: str = _opt("center", choices=("center", "random"))
    flip: bool = _opt(False, help="random horizontal flips")
    rotate_degrees: float = _opt(0.0, min=0.0, max=180.0, help="random rotation in [-d, d] degrees")
    scale_min: float = _opt(1.0, min=0.1, max=10.0, help="random zoom range, lower end")
    scale_max: float = _opt(1.0, min=0.1, max=10.0, help="random zoom range, upper end")
    limit: int = _opt(0, min=0, help="use at most this many images per source (0: all)")
    style_limit: int = _opt(0, min=0, help="use at most this many style images (few-shot; 0: data.limit)")
    holdout_fraction: float = _opt(0.0, min=0.0, max=0.9, help="seeded fraction of each folder kept out of training")
    max_pixels: int = _opt(100_000_000, min=1, help="refuse images with more pixels (decompression bombs)")
    background: str = _opt("white", help="colour that transparent pixels are composited onto")


@dataclass
class AugmentConfig:
    """Augmentation of the discriminator's inputs in the adversarial translation recipes (recipes/translation.py);
    data.diff_augment, data.ada_target, data.ada_speed before (still read, with a note)."""
    policy: str = _opt("", help="DiffAugment policy for discriminator inputs, e.g. color,translation,cutout")
    ada_target: float = _opt(0.0, min=0.0, max=1.0, help="adaptive augmentation (ADA): apply the policy with a "
                             "probability p that rises while E[sign(D(real))] exceeds this target (0: always apply)")
    ada_speed: float = _opt(0.005, min=0.0, max=1.0, help="ADA: change of p per step")


@dataclass
class ModelConfig:
    generator: str = _opt("", help="registered generator name ('': the recipe's own; gan: mlp, dcgan: dcgan)")
    generator_args: dict = _opt({}, help="keyword arguments of the generator")
    discriminator: str = _opt("", help="registered discriminator name ('': the recipe's own)")
    discriminator_args: dict = _opt({}, help="keyword arguments of the discriminator")
    latent_dim: int = _opt(100, min=1, max=4096, help="noise size for noise-to-image recipes")


@dataclass
class LossConfig:
    adversarial: str = _opt("bce", help="adversarial loss: bce, lsgan or hinge")
    cycle_weight: float = _opt(10.0, min=0.0)
    identity_weight: float = _opt(0.5, min=0.0)
    nce_weight: float = _opt(1.0, min=0.0)
    nce_temperature: float = _opt(0.07, min=1e-4, max=10.0)
    nce_patches: int = _opt(256, min=1, max=4096)
    pool_size: int = _opt(50, min=0, max=10000, help="past fakes kept for the discriminator (0: off)")
    r1_gamma: float = _opt(0.0, min=0.0, help="noise GANs: R1 penalty gamma/2 E|grad_x D(x)|^2 on real images "
                           "(Mescheder et al. 2018; 0: off)")

@dataclass
class FiltersConfig:
    """The `filters` recipe's own settings (recipes/filters.py); loss.match_* before (still read, with a note)."""
    crop: int = _opt(48, min=16, max=1024, help="side (px) of the crops whose statistics are matched")
    crops_per_image: int = _opt(4, min=1, max=64, help="random crops taken from each batch image")
    pool_batches: int = _opt(64, min=1, max=10_000, help="batches gathered first for the data sets' statistics; "
                             "the structural search runs on the first search_batches")
    search_batches: int = _opt(12, min=1, max=10_000)
    colour_steps: int = _opt(60, min=0, max=10_000, help="Adam steps of the search's colour-fit move (0: none)")
    samples: int = _opt(8192, min=64, max=1_000_000, help="values per response in a quantile function")
    select_every: int = _opt(25, min=1, help="fine-tuning steps between checks of the search batches' loss; the "
                             "generator with the lowest one is exported")


@dataclass
class PainterlyConfig:
    """The `painterly` recipe's own settings (recipes/painterly.py)."""
    adversarial_weight: float = _opt(1.0, min=0.0, help="weight of the projected discriminator's loss for G")
    content_weight: float = _opt(1.0, min=0.0, help="weight of the VGG-16 content loss to the input photo")
    style_weight: float = _opt(1.0, min=0.0, help="weight of the VGG-16 style-statistics loss to the style set")
    tv_weight: float = _opt(0.0, min=0.0, help="weight of the total-variation penalty on the output")
    palette_weight: float = _opt(0.0, min=0.0, help="weight of the palette loss: the sliced Wasserstein distance "
                                 "of the output's colours to the style set's (losses/palette.py)")
    band_palette_weight: float = _opt(0.0, min=0.0, help="weight of the band palette loss: the sliced Wasserstein "
                                      "distance of each Laplacian band's colours (the texture's colours, octave by "
                                      "octave) to the style set's (losses/palette.py BandPaletteLoss; 0: off)")
    colour_weight: float = _opt(0.0, min=0.0, help="weight of the style loss on the images' colour texture (their "
                                "chroma alone at half size, losses/feature_style.py colour_view; 0: off)")
    coarse_weight: float = _opt(0.0, min=0.0, help="weight of the style loss on the images at half size (the same taps "
                                "see strokes twice as large: the painting's middle scales; losses/feature_style.py "
                                "coarse_view; 0: off)")
    style_loss: str = _opt("gram", choices=("gram", "mean_std", "swd"), help="style statistics matched")
    style_taps: str = _opt("relu1_2,relu2_2,relu3_3", help="VGG-16 taps of the style loss, comma-separated")
    content_tap: str = _opt("relu3_3", help="VGG-16 tap of the content loss")
    gather_images: int = _opt(64, min=1, max=100_000, help="style crops whose statistics are gathered first "
                              "(the first ceil(gather_images / batch_size) steps train nothing)")
    guard: float = _opt(4.0, min=0.0, help="withhold a generator step whose content + style loss is above this "
                        "many times its running level; several in a row roll back (recipes/guard.py; 0: off)")


@dataclass
class DistillConfig:
    """The `distill` recipe's own settings (recipes/distill.py); model.teacher and loss.distill_* before."""
    teacher: str = _opt("", help="the trained style model (run or export folder) to compress")
    output_weight: float = _opt(10.0, min=0.0, help="weight of |student(x) - teacher(x)|_1")
    feature_weight: float = _opt(1.0, min=0.0, help="weight of the feature-matching MSE")


@dataclass
class MultistyleConfig:
    """The `multistyle` recipe's own settings (recipes/multistyle.py); data.styles before."""
    styles: str = _opt("", help="NAME=SOURCE,NAME=SOURCE: each style's images (folders or named sources; `--style`)")


@dataclass
class AdapterConfig:
    """The `adapter` recipe's own settings (recipes/adapter.py; `styleforge styles add` sets them)."""
    base: str = _opt("", help="the multistyle run or export folder that receives the new style")
    style_name: str = _opt("", help="the new style's name (letters, digits, '_', '-')")


@dataclass
class TrainConfig:
    steps: int = _opt(1000, min=1)
    minutes: float = _opt(0.0, min=0.0, max=1e6, help="wall-clock budget of training in minutes (0: none): the run "
                          "stops, checkpoints and exports when it is spent or at train.steps, whichever comes first; "
                          "a resumed run spends what is left (the time already trained is in the checkpoint)")
    batch_size: int = _opt(64, min=1, max=4096)
    lr_generator: float = _opt(2e-4, min=0.0, max=1.0)
    lr_discriminator: float = _opt(2e-4, min=0.0, max=1.0)
    beta1: float = _opt(0.5, min=0.0, max=1.0)
    beta2: float = _opt(0.999, min=0.0, max=1.0)
    lr_decay_start: float = _opt(1.0, min=0.0, max=1.0, help="fraction of steps after which lr falls linearly to 0")
    ema_decay: float = _opt(0.0, min=0.0, max=1.0, help="EMA of the generator weights (0: off)")
    grad_clip: float = _opt(0.0, min=0.0, help="largest L2 norm of each optimiser step's gradients (0: no clipping)")
    seed: int = _opt(0, min=0)
    device: str = _opt("cpu", choices=("auto", "cpu", "cuda"))
    amp: str = _opt("off", choices=("off", "bf16", "fp16", "auto"), help="mixed precision: autocast the training "
                    "step (fp16 adds a gradient scaler; auto: bf16 where a start-up probe finds it faster, else off; "
                    "the choice is written to the run's config.json)")
    cudnn_benchmark: bool = _opt(False, help="let cuDNN pick the fastest convolution algorithms (fixed sizes)")
    threads: int = _opt(0, min=0, max=1024, help="torch CPU threads (0: torch's default)")
    log_every: int = _opt(50, min=1)
    sample_every: int = _opt(500, min=1)
    sample_count: int = _opt(64, min=1, max=1024)
    checkpoint_every: int = _opt(500, min=1)
    eval_every: int = _opt(0, min=0, help="held-out evaluation every N steps for image recipes (0: off)")
    eval_count: int = _opt(32, min=4, max=1024, help="held-out images per set for eval_every")
    eval_metrics: str = _opt("swd,color,ssim", help="registered metrics logged as eval_<name> every eval_every "
                             "steps (see `styleforge evaluate --help`); keep_best uses eval_swd")
    keep_best: bool = _opt(False, help="export the generator of the held-out evaluation with the lowest eval_swd "
                           "instead of the last one (needs eval_every): a long run cannot end worse than its best")
    tensorboard: bool = _opt(True)
    progress: bool = _opt(True, help="show a progress bar")


@dataclass
class RunConfig:
    output_dir: str = _opt("runs", help="folder that receives numbered run folders")
    name: str = _opt("", help="suffix of the run folder name (default: recipe-source)")


@dataclass
class Config:
    recipe: str = _opt("dcgan", help="registered training recipe")
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    painterly: PainterlyConfig = field(default_factory=PainterlyConfig)
    filters: FiltersConfig = field(default_factory=FiltersConfig)
    adapter: AdapterConfig = field(default_factory=AdapterConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    multistyle: MultistyleConfig = field(default_factory=MultistyleConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


LOAD_MARGIN = 1.12  # --size N trains N-px crops of images resized to N x this (room for random crops)


def size_overrides(size: int) -> list[str]:
    """The overrides of a training size: data.image_size=N and data.load_size=round(N x LOAD_MARGIN)."""
    return [f"data.image_size={size}", f"data.load_size={round(size * LOAD_MARGIN)}"]


#: config keys only some recipes read: a section, a dotted key or a dotted prefix ending in '_' -> those recipes
RECIPE_ONLY: dict[str, tuple[str, ...]] = {
    "painterly": ("painterly",), "adapter": ("adapter",), "filters": ("filters",), "distill": ("distill",),
    "multistyle": ("multistyle",), "augment": ("cyclegan", "cut", "fastcut", "multistyle", "painterly", "adapter", "distill"),
}


def for_recipe(config: Config) -> dict[str, Any]:
    """config.to_dict() without the keys that only other recipes read (what `train --dry-run` prints)."""
    tree = config.to_dict()
    for key, owners in RECIPE_ONLY.items():
        if config.recipe in owners:
            continue
        section, _, name = key.partition(".")
        if not name:
            tree.pop(section, None)
        else:
            for k in [k for k in tree[section] if k == name or (name.endswith("_") and k.startswith(name))]:
                del tree[section][k]
    return tree


# --------------------------------------------------------------------------- building and validating


#: old dotted keys -> their new home (read with a note, so old presets, run configs and --set lines still work)
RENAMED = {
    **{f"loss.match_{k}": f"filters.{k}" for k in ("crop", "crops_per_image", "pool_batches", "search_batches",
                                                    "colour_steps", "samples", "select_every")},
    "loss.distill_output_weight": "distill.output_weight", "loss.distill_feature_weight": "distill.feature_weight",
    "model.teacher": "distill.teacher", "data.styles": "multistyle.styles",
    "data.diff_augment": "augment.policy", "data.ada_target": "augment.ada_target", "data.ada_speed": "augment.ada_speed",
    "data.source": "data.style", "data.path": "data.style_path",
}


#: keys that are gone because the recipe's name now says it -> {recipe: the value its name implies}
IMPLIED = {"loss.nce_identity": {"cut": True, "fastcut": False}}


def _implied(dotted: str, value: Any, recipe: str | None) -> None:
    """An old key that the recipe now implies: a note when its value agrees (or the recipe never read it),
    an error naming the other recipe when it contradicts."""
    implied = IMPLIED[dotted]
    other = [r for r, v in implied.items() if v == bool(value)]
    if recipe in implied and implied[recipe] != bool(value):
        raise ConfigError(f"config key '{dotted}={value}' is gone; that setting is the recipe '{other[0]}': "
                          f"train {other[0]} instead of {recipe}")
    print(f"note: config key '{dotted}' is gone (the recipe implies it: "
          + ", ".join(f"{r}: {v}" for r, v in implied.items()) + "); ignored", file=sys.stderr)


def _renamed(dotted: str) -> str:
    """An old dotted key -> its new name, with a note on stderr; any other key unchanged."""
    new = RENAMED.get(dotted)
    if new is not None:
        print(f"note: config key '{dotted}' is now '{new}'", file=sys.stderr)
    return new or dotted


def migrate(tree: dict[str, Any]) -> dict[str, Any]:
    """A config tree (a preset, a saved run config) with old keys moved to their new home, in place."""
    for old in IMPLIED:
        section, key = old.split(".")
        if isinstance(tree.get(section), dict) and key in tree[section]:
            _implied(old, tree[section].pop(key), tree.get("recipe"))
    for old, new in RENAMED.items():
        section, key = old.split(".")
        if isinstance(tree.get(section), dict) and key in tree[section]:
            new_section, new_key = _renamed(old).split(".")  # == new, with the note
            tree.setdefault(new_section, {})[new_key] = tree[section].pop(key)
    return tree


def from_dict(data: dict[str, Any], cls=Config, prefix: str = ""):
    """Build a dataclass tree from nested dicts, rejecting unknown keys and wrong types."""
    if not isinstance(data, dict):
        raise ConfigError(f"'{prefix.rstrip('.') or 'config'}' must be a mapping, got {type(data).__name__}")
    if cls is Config:
        data = migrate(copy.deepcopy(data))
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(f"unknown config key '{prefix}{key}'; valid keys: {', '.join(known)}")
    values = {}
    for name, f in known.items():
        if name not in data:
            continue
        key, hint = prefix + name, hints[name]
        if dataclasses.is_dataclass(hint):
            values[name] = from_dict(data[name], hint, key + ".")
        else:
            values[name] = _check_value(key, data[name], hint, f.metadata)
    return cls(**values)


_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _check_value(key: str, value: Any, hint: Any, meta: typing.Mapping[str, Any]) -> Any:
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if hint is float and isinstance(value, str) and _FLOAT.fullmatch(value.strip()):
        value = float(value)  # YAML 1.1 reads 5e-5 (no dot) as a string
    if hint is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    ok = isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    if not ok:
        raise ConfigError(f"config key '{key}' must be {hint.__name__}, got {value!r}")
    if meta.get("min") is not None and value < meta["min"]:
        raise ConfigError(f"config key '{key}' must be >= {meta['min']}, got {value!r}")
    if meta.get("max") is not None and value > meta["max"]:
        raise ConfigError(f"config key '{key}' must be <= {meta['max']}, got {value!r}")
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(f"config key '{key}' must be one of {', '.join(meta['choices'])}, got {value!r}")
    return value


def validate(config: Config) -> Config:
    """Cross-field checks that a single field cannot express."""
    d = config.data
    if d.scale_min > d.scale_max:
        raise ConfigError(f"config key 'data.scale_min' ({d.scale_min}) must be <= 'data.scale_max' ({d.scale_max})")
    if d.load_size and d.load_size < d.image_size:
        raise ConfigError(f"config key 'data.load_size' ({d.load_size}) must be >= 'data.image_size' ({d.image_size})")
    return config


def apply_override(tree: dict[str, Any], override: str) -> None:
    """Apply one `section.key=value` override (value parsed as YAML) to a nested dict in place."""
    if "=" not in override:
        raise ConfigError(f"override '{override}' must look like key=value, e.g. train.steps=100")
    dotted, raw = override.split("=", 1)
    if dotted.strip() in IMPLIED:
        _implied(dotted.strip(), yaml.safe_load(raw) if raw.strip() else False, tree.get("recipe"))
        return
    dotted = _renamed(dotted.strip())
    parts = dotted.split(".")
    node = tree
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if not isinstance(child, dict):
            raise ConfigError(f"unknown config key '{'.'.join(parts[: i + 1])}' in override '{override}'")
        node = child
    leaf = parts[-1]
    if leaf not in node:
        raise ConfigError(f"unknown config key '{dotted}' in override '{override}'")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    if isinstance(node[leaf], str) and not isinstance(value, str):
        value = raw  # a folder named 123 stays a string
    node[leaf] = value


def _merge(base: dict[str, Any], update: dict[str, Any], prefix: str = "") -> None:
    for key, value in update.items():
        if key not in base:
            raise ConfigError(f"unknown config key '{prefix}{key}'")
        if isinstance(base[key], dict) and isinstance(value, dict) and not key.endswith("_args"):
            _merge(base[key], value, f"{prefix}{key}.")
        else:
            base[key] = value


def preset_path(recipe: str, preset: str) -> Path:
    """A preset is a YAML path, or a name under the package's `configs/<recipe>/`."""
    as_path = Path(preset)
    if as_path.suffix in (".yaml", ".yml") or as_path.exists():
        if not as_path.is_file():
            raise ConfigError(f"preset file not found: {preset}")
        return as_path
    candidate = Path(str(resources.files("styleforge") / "configs" / recipe / f"{preset}.yaml"))
    if not candidate.is_file():
        raise ConfigError(f"unknown preset '{preset}' for recipe '{recipe}'; valid presets: {', '.join(list_presets(recipe)) or '(none)'}")
    return candidate


def list_presets(recipe: str) -> list[str]:
    folder = Path(str(resources.files("styleforge") / "configs" / recipe))
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load_config(preset: str | Path | None = None, overrides: list[str] | tuple[str, ...] = (),
                recipe: str | None = None, base: dict[str, Any] | None = None) -> Config:
    """Resolve defaults <- base dict <- preset YAML <- overrides into one validated Config."""
    tree = Config().to_dict()
    if base:
        _merge(tree, migrate(copy.deepcopy(base)))
    if recipe:
        tree["recipe"] = recipe
    if preset is not None:
        path = preset_path(tree["recipe"], str(preset))
        try:
            loaded = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: a preset must be a mapping of sections")
        migrate(loaded)
        if recipe and loaded.get("recipe", recipe) != recipe:
            raise ConfigError(f"{path}: preset is for recipe '{loaded['recipe']}', not '{recipe}'")
        _merge(tree, loaded)
    for override in overrides:
        apply_override(tree, override)
    return validate(from_dict(tree))

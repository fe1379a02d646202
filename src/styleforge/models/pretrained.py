"""Exported models: `config.json` (how to build the network) + `model.safetensors` (its weights).

No pickle is involved, so loading a file from the internet cannot execute code. Values read from
`config.json` are validated before any network is built.
"""
from __future__ import annotations

import inspect
import json
import math
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from ..errors import ModelFileError, StyleforgeError
from ..files import atomic_path, atomic_write_text
from ..registry import check_kwargs
from ..run_folder import export_of
from .registry import DISCRIMINATORS, GENERATORS

FORMAT = "styleforge-model"
CONFIG_NAME, WEIGHTS_NAME = "config.json", "model.safetensors"
_REGISTRIES = {"generator": GENERATORS, "discriminator": DISCRIMINATORS}
MAX_INT_ARGUMENT = 65_536  # no network argument (channels, sizes, blocks) is legitimately larger
MAX_PARAMETERS = 200_000_000  # a config asking for more is refused before any memory is allocated
MAX_CONFIG_BYTES = 1 << 20  # a real config.json is < 2 KB
#: (low, high) of architecture arguments by name, checked before anything is built: a U-Net of depth 24
#: would pad every image to a multiple of 2^24, 65,536 blocks take minutes to build
ARGUMENT_RANGES = {
    "channels": (1, 4), "base_channels": (1, 1024), "blocks": (0, 64), "depth": (2, 9), "layers": (1, 8),
    "scales": (1, 4), "styles": (1, 256), "noise_channels": (0, 64), "knots": (2, 256), "max_levels": (2, 16),
    "image_size": (4, 1024), "latent_dim": (1, 4096), "hidden": (1, 16384), "extra_layers": (0, 8),
    "width": (1, 4096), "highpass": (0.0, 1.0), "dropout": (0.0, 1.0),
}


def save_pretrained(module: nn.Module, folder: str | os.PathLike, kind: str = "generator",
                    metadata: dict[str, Any] | None = None) -> Path:
    """Write a registry-built module as config.json + model.safetensors into `folder`."""
    name = getattr(module, "_registry_name", None)
    if name is None:
        raise ValueError("save_pretrained needs a network built through a registry's create()")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"format": FORMAT, "version": 1, "kind": kind, "architecture": name,
              "arguments": _jsonable(module._init_kwargs), "metadata": metadata or {}}
    state = {k: v.detach().cpu().contiguous().clone() for k, v in module.state_dict().items()}
    with atomic_path(folder / WEIGHTS_NAME) as tmp:
        save_file(state, str(tmp), metadata={"format": FORMAT})
    atomic_write_text(folder / CONFIG_NAME, json.dumps(config, indent=2, sort_keys=True))
    return folder


def resolve_model_dir(path: str | os.PathLike) -> Path:
    """Accept an export folder, or a run folder holding export/."""
    path = Path(path)
    export = export_of(path)
    if export is not None:
        return export
    if not path.exists():
        raise ModelFileError(f"{path}: model not found (give a run folder or its export/ folder)")
    return path


def read_model_config(folder: str | os.PathLike) -> dict[str, Any]:
    """Read and validate config.json of an exported model folder."""
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise ModelFileError(f"{folder}: not an exported model (no {CONFIG_NAME}); expected config.json + {WEIGHTS_NAME}")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ModelFileError(f"{path}: {path.stat().st_size:,} bytes, too large for a model config "
                             f"(limit {MAX_CONFIG_BYTES:,})")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise ModelFileError(f"{path}: JSON nested too deeply to be a model config") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise ModelFileError(f"{path}: unreadable JSON value ({str(exc).split(';')[0]})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a styleforge model config (format must be '{FORMAT}')")
    kind = config.get("kind")
    if kind not in _REGISTRIES:
        raise ModelFileError(f"{path}: unknown model kind {kind!r}; expected one of {', '.join(_REGISTRIES)}")
    registry = _REGISTRIES[kind]
    if config.get("architecture") not in registry:
        raise ModelFileError(f"{path}: unknown {kind} architecture {config.get('architecture')!r}; "
                             f"valid: {', '.join(registry.names())}")
    arguments = config.get("arguments")
    if not isinstance(arguments, dict):
        raise ModelFileError(f"{path}: 'arguments' must be a mapping")
    builder = registry.get(config["architecture"])
    try:
        check_kwargs(builder, arguments, f"{kind} '{config['architecture']}'")
    except StyleforgeError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    defaults = {k: p.default for k, p in inspect.signature(builder).parameters.items()}
    for key, value in arguments.items():
        _check_argument(path, key, value, defaults.get(key, inspect.Parameter.empty))
    _check_metadata(path, config, arguments)
    return config


def load_pretrained(folder: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """Build the network described by folder/config.json and load folder/model.safetensors strictly.

    Returns (module in eval mode, config dict).
    """
    config = read_model_config(folder)
    registry = _REGISTRIES[config["kind"]]
    weights = Path(folder) / WEIGHTS_NAME
    if not weights.is_file():
        raise ModelFileError(f"{folder}: missing {WEIGHTS_NAME}")
    try:
        with torch.device("meta"):  # shapes only: count the parameters before allocating them
            size = sum(p.numel() for p in registry.create(config["architecture"], **config["arguments"]).parameters())
        if size > MAX_PARAMETERS:
            raise ModelFileError(f"{folder}/{CONFIG_NAME}: the network it describes has {size:,} parameters "
                                 f"(limit {MAX_PARAMETERS:,}); refused")
        module = registry.create(config["architecture"], **config["arguments"])
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{folder}/{CONFIG_NAME}: cannot build {config['architecture']}: {exc}") from None
    try:
        state = load_file(str(weights), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{weights}: not a valid safetensors file ({exc})") from None
    _check_state(weights, config["architecture"], module.state_dict(), state)
    module.load_state_dict(state, strict=True)
    return module.to(device).eval(), config


def _check_state(weights: Path, architecture: str, expected: dict[str, torch.Tensor],
                 found: dict[str, torch.Tensor]) -> None:
    """Refuse weights that do not fit the network, naming the first tensor that does not, or that hold NaN/inf."""
    problem = None
    missing, unexpected = sorted(expected.keys() - found.keys()), sorted(found.keys() - expected.keys())
    if missing:
        problem = f"tensor '{missing[0]}' is missing" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
    elif unexpected:
        problem = f"tensor '{unexpected[0]}' does not belong to it" + (
            f" (and {len(unexpected) - 1} more)" if len(unexpected) > 1 else "")
    else:
        for name, tensor in expected.items():
            if found[name].shape != tensor.shape:
                problem = (f"tensor '{name}' has shape {tuple(found[name].shape)}, the network needs "
                           f"{tuple(tensor.shape)}")
                break
            if not (found[name].is_floating_point() or found[name].dtype == tensor.dtype):
                problem = f"tensor '{name}' is {found[name].dtype}, the network needs {tensor.dtype}"
                break
            if found[name].is_floating_point() and not torch.isfinite(found[name]).all():
                problem = f"tensor '{name}' holds NaN or infinite values (broken weights)"
                break
    if problem:
        raise ModelFileError(f"{weights}: weights do not fit {architecture}: {problem}")


def _check_argument(path: Path, key: str, value: Any, default: Any) -> None:
    """One architecture argument: of its default's type (a bool, an int, a finite number, a short string, a
    short list of ints) and inside ARGUMENT_RANGES[key]."""
    def refuse(problem: str):
        raise ModelFileError(f"{path}: argument '{key}'={_short(value)} {problem}")

    expected = type(default) if default not in (inspect.Parameter.empty, None) else None
    if isinstance(default, (tuple, list)):
        if not isinstance(value, list) or not 1 <= len(value) <= 64:
            refuse("must be a list of 1 to 64 whole numbers")
        for item in value:
            _check_argument(path, key, item, default[0] if default else 1)
        return
    if isinstance(value, str) or value is None:
        if expected not in (str, None) or (value is not None and len(value) > 64):
            refuse(f"must be {_kind_name(expected)}")
        return
    if expected is bool or expected is None and isinstance(value, bool):
        if not isinstance(value, bool) and not (key == "dropout" and isinstance(value, (int, float))):
            refuse("must be true or false")
        return
    if isinstance(value, bool):
        refuse(f"must be {_kind_name(expected)}")
    if not isinstance(value, (int, float)) or isinstance(value, float) and not math.isfinite(value):
        refuse(f"must be {_kind_name(expected)}")
    if expected is int and not isinstance(value, int):
        refuse("must be a whole number")
    low, high = ARGUMENT_RANGES.get(key, (-MAX_INT_ARGUMENT, MAX_INT_ARGUMENT))
    if not low <= value <= high:
        refuse(f"is out of range ({low}..{high})")


def _check_metadata(path: Path, config: dict, arguments: dict) -> None:
    """metadata: a mapping; metadata.styles only on a multi-style generator, a list of its style names."""
    meta = config.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: 'metadata' must be a mapping, got {_short(meta)}")
    if "styles" not in meta:
        return
    styles = meta["styles"]
    if config["architecture"] != "light_multi":
        raise ModelFileError(f"{path}: metadata.styles is given, but '{config['architecture']}' is a "
                             "single-style generator")
    count = arguments.get("styles", 2)
    if not isinstance(styles, list) or len(styles) != count or not all(isinstance(n, str) and 0 < len(n) <= 64
                                                                      for n in styles):
        raise ModelFileError(f"{path}: metadata.styles must list the model's {count} style names, got {_short(styles)}")


def _kind_name(expected: type | None) -> str:
    return {int: "a whole number", float: "a finite number", str: "a short string", bool: "true or false"}.get(
        expected, "a number, a short string or true/false")


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**12 else f"<{len(str(abs(value)))}-digit integer>"
    return text if len(text) <= 40 else text[:37] + "..."


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value

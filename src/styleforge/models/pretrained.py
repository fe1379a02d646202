"""Exported models: `config.json` (how to build the network) + `model.safetensors` (its weights).

No pickle is involved, so loading a file from the internet cannot execute code. Values read from
`config.json` are validated before any network is built.
"""
from __future__ import annotations

import json
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
from .registry import DISCRIMINATORS, GENERATORS

FORMAT = "styleforge-model"
CONFIG_NAME, WEIGHTS_NAME = "config.json", "model.safetensors"
_REGISTRIES = {"generator": GENERATORS, "discriminator": DISCRIMINATORS}
MAX_INT_ARGUMENT = 65_536  # no network argument (channels, sizes, blocks) is legitimately larger
MAX_PARAMETERS = 200_000_000  # a config asking for more is refused before any memory is allocated


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
    if (path / "export" / "config.json").is_file():
        return path / "export"
    if not path.exists():
        raise ModelFileError(f"{path}: model not found (give a run folder or its export/ folder)")
    return path


def read_model_config(folder: str | os.PathLike) -> dict[str, Any]:
    """Read and validate config.json of an exported model folder."""
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise ModelFileError(f"{folder}: not an exported model (no {CONFIG_NAME}); expected config.json + {WEIGHTS_NAME}")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: not valid JSON ({exc})") from None
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
    for key, value in arguments.items():
        _check_argument(path, key, value)
    try:
        check_kwargs(registry.get(config["architecture"]), arguments, f"{kind} '{config['architecture']}'")
    except StyleforgeError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
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
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "shape or key mismatch"
        raise ModelFileError(f"{weights}: weights do not match {config['architecture']}: {first}") from None
    return module.to(device).eval(), config


def _check_argument(path: Path, key: str, value: Any) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        if isinstance(value, str) and len(value) > 64:
            raise ModelFileError(f"{path}: argument '{key}' is an over-long string")
        return
    if isinstance(value, (int, float)):
        if abs(value) > MAX_INT_ARGUMENT:
            raise ModelFileError(f"{path}: argument '{key}'={value} is out of range (limit {MAX_INT_ARGUMENT})")
        return
    if isinstance(value, list) and len(value) <= 64:
        for item in value:
            _check_argument(path, key, item)
        return
    raise ModelFileError(f"{path}: argument '{key}' has an unsupported value {type(value).__name__}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value

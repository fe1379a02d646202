"""Style adapters of a multi-style model: one learned code row per personal style, beside the base export.

An export folder of a multistyle run holds config.json (metadata.styles = the trained style names) and
model.safetensors; `styleforge styles add` (the `adapter` recipe) writes each new style as
adapters/NAME.safetensors (one code row, a few KB) and never touches the base files.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from ..errors import ModelFileError, StyleforgeError

ADAPTERS = "adapters"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def check_style_name(name: str) -> str:
    if not _NAME.match(name):
        raise StyleforgeError(f"style name '{name}' must be 1-64 letters, digits, '_' or '-'")
    return name


def adapter_files(folder: str | os.PathLike) -> list[Path]:
    root = Path(folder) / ADAPTERS
    return sorted(p for p in root.glob("*.safetensors") if _NAME.match(p.stem)) if root.is_dir() else []


def attach_adapters(generator: torch.nn.Module, folder: str | os.PathLike, base_names: list[str]) -> list[str]:
    """Append the code rows of folder/adapters/*.safetensors to a multi-style generator. Returns all names."""
    names, rows = list(base_names), []
    for path in adapter_files(folder):
        try:
            code = load_file(str(path))["code"]
        except (SafetensorError, OSError, KeyError) as exc:
            raise ModelFileError(f"{path}: not a styleforge style adapter ({exc})") from None
        if code.shape != generator.codes.shape[1:]:
            raise ModelFileError(f"{path}: adapter code has shape {tuple(code.shape)}, the model needs "
                                 f"{tuple(generator.codes.shape[1:])}")
        names.append(path.stem)
        rows.append(code.to(generator.codes))
    if rows:
        with torch.no_grad():
            generator.codes = torch.nn.Parameter(torch.cat([generator.codes, torch.stack(rows)]))
            generator.mix = torch.nn.functional.pad(generator.mix, (0, len(rows)))
    return names

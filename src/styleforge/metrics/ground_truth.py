"""The ground-truth style benchmark: learn a procedural style unpaired, score against its true output.

Split of a photo folder (documented, seeded by file path, see data.split_holdout):
- test: the files held out by `split_holdout(files, holdout_fraction)` (default 10%);
- the rest, in sorted order: even positions -> content photos, odd positions -> style images, which
  receive the operator. The model never sees a photo and its own stylised version.
On the test photos the model's output is compared with operator(photo) by PSNR and SSIM, beside the
identity (output = photo) and a classical colour-transfer baseline.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from ..data.datasets import list_image_files, split_holdout
from ..data.transforms import Preprocess
from ..imageio import read_image, save_image
from .image_quality import color_transfer, psnr, ssim, ycc_statistics
from ..errors import UnknownNameError
from .style_operators import STYLE_OPERATORS
from .texture_operators import TEXTURE_OPERATORS


def operator_by_name(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """A filter-like (STYLE_OPERATORS) or texture (TEXTURE_OPERATORS) ground-truth operator."""
    for registry in (STYLE_OPERATORS, TEXTURE_OPERATORS):
        if name in registry:
            return registry.get(name)
    raise UnknownNameError(f"unknown operator '{name}'; valid: {', '.join(STYLE_OPERATORS.names() + TEXTURE_OPERATORS.names())}")


@dataclass
class GroundTruthSplit:
    content_dir: Path
    style_dir: Path
    test_photos: torch.Tensor   # (N, 3, S, S) in [-1, 1]
    test_truth: torch.Tensor    # operator(test_photos)
    style_stats: tuple[torch.Tensor, torch.Tensor]


def _square(path: Path, size: int) -> torch.Tensor:
    """File -> (3, size, size): shorter side resized to size, centre crop."""
    return Preprocess(size, crop="center").one(read_image(path), torch.Generator())


def prepare_split(photo_dir: str | os.PathLike, operator: str, workdir: str | os.PathLike, size: int = 64,
                  train_images: int = 400, test_images: int = 100, holdout_fraction: float = 0.1,
                  test_size: int | None = None) -> GroundTruthSplit:
    """Write content/ and style/ folders (PNG, `size` px) under workdir and return the test tensors
    (`test_size` px, default `size`)."""
    op = operator_by_name(operator)
    root = Path(photo_dir)
    files, _ = list_image_files(root)
    test_files = split_holdout(files, holdout_fraction, root, holdout=True)[:test_images]
    train_files = split_holdout(files, holdout_fraction, root)[: 2 * train_images]
    work = Path(workdir)
    content_dir, style_dir = work / f"content-{size}", work / f"style-{operator}-{size}"
    style_images = []
    for i, f in enumerate(train_files):
        x = _square(f, size)
        if i % 2 == 0:
            dest = content_dir / f"{f.stem}.png"
            if not dest.exists():
                save_image(x, dest)
        else:
            y = op(x[None])[0]
            style_images.append(y)
            dest = style_dir / f"{f.stem}.png"
            if not dest.exists():
                save_image(y, dest)
    photos = torch.stack([_square(f, test_size or size) for f in test_files])
    with torch.no_grad():
        truth = op(photos)
    return GroundTruthSplit(content_dir, style_dir, photos, truth, ycc_statistics(torch.stack(style_images)))


def score(outputs: torch.Tensor, truth: torch.Tensor) -> dict[str, float]:
    return {"psnr": psnr(outputs, truth).mean().item(), "ssim": ssim(outputs, truth).mean().item()}


@torch.no_grad()
def evaluate(split: GroundTruthSplit, stylize: Callable[[torch.Tensor], torch.Tensor] | None = None,
             batch_size: int = 32) -> dict[str, dict[str, float]]:
    """Scores of the identity, the colour-transfer baseline and (if given) `stylize` on the test photos."""
    rows = {"identity": score(split.test_photos, split.test_truth),
            "color_transfer": score(color_transfer(split.test_photos, *split.style_stats), split.test_truth)}
    if stylize is not None:
        out = torch.cat([stylize(chunk) for chunk in split.test_photos.split(batch_size)])
        rows["model"] = score(out, split.test_truth)
    return rows

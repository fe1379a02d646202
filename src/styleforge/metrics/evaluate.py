"""Evaluate a style model on held-out photos: distribution, content and colour metrics beside the identity.

Split (documented, stable): the content photos are the files of `content_dir` that `split_holdout`
holds out (SHA-1 of the relative path < holdout_fraction, 10% by default: the same files the trainer
never sees with its default data.holdout_fraction). The style reference is every image of `style_dir`.
Each image is resized (shorter side) and centre-cropped to `size`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import torch

from ..data.datasets import list_image_files, split_holdout
from ..data.transforms import Preprocess
from ..errors import StyleforgeError
from ..imageio import MAX_ASPECT, read_image
from . import c2st, frechet, image_quality, perceptual, structure, swd  # noqa: F401  (fill the registry)
from .image_quality import color_transfer, ycc_statistics
from .registry import METRICS

DEFAULT_METRICS = ("swd", "fd_lite", "kid_lite", "gram", "c2st", "ssim", "lpips", "edges", "color")


def all_metrics() -> list[str]:
    """Every registered metric name (fid/kid need the Inception weights file)."""
    return METRICS.names()


def load_square(folder: str | os.PathLike, size: int, holdout_fraction: float = 0.0, limit: int = 0,
                holdout: bool = True) -> tuple[torch.Tensor, list[Path], list[tuple[str, str]]]:
    """Images of `folder` (the held-out side when holdout_fraction > 0) -> ((N, 3, size, size), files, skipped)."""
    root = Path(folder)
    if not root.is_dir():
        raise StyleforgeError(f"{root}: not a folder of images")
    files, skipped = list_image_files(root)
    if holdout_fraction > 0:
        files = split_holdout(files, holdout_fraction, root, holdout=holdout)
    files = files[:limit] if limit else files
    prep, images, kept = Preprocess(size, crop="center"), [], []
    from ..errors import ImageReadError
    for f in files:
        try:
            images.append(prep.one(read_image(f, max_aspect=MAX_ASPECT), torch.Generator()))
            kept.append(f)
        except ImageReadError as exc:
            skipped.append((str(f), exc.reason))
    if not images:
        raise StyleforgeError(f"{root}: no readable images" + (" in the held-out split" if holdout_fraction else ""))
    return torch.stack(images), kept, skipped


def compute_metrics(photos: torch.Tensor, outputs: torch.Tensor, style: torch.Tensor,
                    metrics: tuple[str, ...] = DEFAULT_METRICS) -> dict[str, float]:
    """photos, outputs (N, 3, S, S); style (M, 3, S, S) -> named scores of `outputs`, one registered metric
    (metrics.registry) after another."""
    result: dict[str, float] = {}
    for name in metrics:
        if name not in METRICS:
            raise StyleforgeError(f"unknown metric '{name}'; valid: {', '.join(all_metrics())}")
        result.update(METRICS.get(name)(outputs, photos, style))
    return result


@torch.no_grad()
def evaluate_model(stylize: Callable[[torch.Tensor], torch.Tensor], content_dir, style_dir, size: int = 128,
                   metrics: tuple[str, ...] = DEFAULT_METRICS, holdout_fraction: float = 0.1, limit: int = 200,
                   style_holdout_fraction: float = 0.0) -> dict:
    """-> {'model', 'identity', 'color_transfer': scores; 'photos', 'outputs', 'style' tensors; 'split'}.

    The identity (output = photo) and a colour transfer of the photos to the style set's statistics
    (Reinhard et al. 2001) are scored beside the model: a style model should beat both."""
    photos, files, skipped = load_square(content_dir, size, holdout_fraction, limit)
    style, style_files, style_skipped = load_square(style_dir, size, style_holdout_fraction, limit)
    outputs = torch.cat([stylize(chunk) for chunk in photos.split(16)])
    baseline = color_transfer(photos, *ycc_statistics(style))
    return {"model": compute_metrics(photos, outputs, style, metrics),
            "identity": compute_metrics(photos, photos, style, metrics),
            "color_transfer": compute_metrics(photos, baseline, style, metrics),
            "photos": photos, "outputs": outputs, "style": style,
            "split": {"content_dir": str(content_dir), "content_holdout_fraction": holdout_fraction,
                      "content_images": len(files), "style_dir": str(style_dir), "style_holdout_fraction": style_holdout_fraction,
                      "style_images": len(style_files),
                      "size": size, "skipped": skipped + style_skipped}}

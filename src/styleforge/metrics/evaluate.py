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
from .c2st import c2st
from .image_quality import ssim
from .structure import color_distance, edge_similarity
from .swd import swd

DEFAULT_METRICS = ("swd", "c2st", "ssim", "edges", "color")
ALL_METRICS = DEFAULT_METRICS + ("fid", "kid")


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
                    metrics: tuple[str, ...] = DEFAULT_METRICS, features: Callable | None = None) -> dict[str, float]:
    """photos, outputs (N, 3, S, S); style (M, 3, S, S) -> named scores of `outputs`."""
    result: dict[str, float] = {}
    for name in metrics:
        if name == "swd":
            result.update(swd(outputs, style))
        elif name == "c2st":
            result.update(c2st(style, outputs))
        elif name == "ssim":
            result["ssim"] = ssim(outputs, photos).mean().item()
        elif name == "edges":
            result["edges"] = edge_similarity(outputs, photos).mean().item()
        elif name == "color":
            result["color"] = color_distance(outputs, style)
        elif name in ("fid", "kid"):
            if features is None:
                from .inception import FIDInception
                features = FIDInception.from_weights()  # names the weights file when it is absent
            from .frechet import fid, kid
            result.update(fid(outputs, style, features) if name == "fid" else kid(outputs, style, features))
        else:
            raise StyleforgeError(f"unknown metric '{name}'; valid: {', '.join(ALL_METRICS)}")
    return result


@torch.no_grad()
def evaluate_model(stylize: Callable[[torch.Tensor], torch.Tensor], content_dir, style_dir, size: int = 128,
                   metrics: tuple[str, ...] = DEFAULT_METRICS, holdout_fraction: float = 0.1, limit: int = 200,
                   features: Callable | None = None) -> dict:
    """-> {'model': scores, 'identity': scores, 'photos', 'outputs', 'style' tensors, 'split': description}."""
    photos, files, skipped = load_square(content_dir, size, holdout_fraction, limit)
    style, style_files, style_skipped = load_square(style_dir, size, 0.0, limit)
    outputs = torch.cat([stylize(chunk) for chunk in photos.split(16)])
    return {"model": compute_metrics(photos, outputs, style, metrics, features),
            "identity": compute_metrics(photos, photos, style, metrics, features),
            "photos": photos, "outputs": outputs, "style": style,
            "split": {"content_dir": str(content_dir), "content_holdout_fraction": holdout_fraction,
                      "content_images": len(files), "style_dir": str(style_dir), "style_images": len(style_files),
                      "size": size, "skipped": skipped + style_skipped}}

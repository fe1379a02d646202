"""Masks that restrict a style to a region: 1 = stylised, 0 = the original pixel, feathered edges.

Feathering is two box blurs of radius r: the transition is at most 2r pixels wide on each side of
the mask's edge, and outside that band the mask is exactly 0 or 1 (so protected pixels are untouched).
"""
from __future__ import annotations

import os

import numpy as np
import torch

from ..errors import StyleforgeError
from ..imageio import DEFAULT_MAX_PIXELS, open_image
from ..nn import box_blur


def load_mask(path: str | os.PathLike, height: int, width: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A mask image (white = stylise) -> float32 (H, W) in [0, 1], resized to the image if needed."""
    im = open_image(path, max_pixels=max_pixels).convert("L")
    if im.size != (width, height):
        from PIL import Image
        im = im.resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(im, dtype=np.float32) / 255.0


def rect_mask(height: int, width: int, rect: str, keep: bool = True) -> np.ndarray:
    """'X,Y,W,H' -> (H, W) mask: 0 inside the rectangle when `keep` (protect it), else 1 inside."""
    try:
        x, y, w, h = (int(v) for v in rect.split(","))
    except ValueError:
        raise StyleforgeError(f"rectangle must be X,Y,W,H in pixels, got '{rect}'") from None
    if w <= 0 or h <= 0:
        raise StyleforgeError(f"rectangle '{rect}' has no area")
    inside = np.zeros((height, width), dtype=np.float32)
    inside[max(0, y):max(0, y + h), max(0, x):max(0, x + w)] = 1.0
    return 1.0 - inside if keep else inside


def feather(mask: np.ndarray, radius: int) -> np.ndarray:
    """(H, W) -> (H, W): two box blurs of `radius` (no change when radius is 0)."""
    if radius <= 0:
        return mask
    t = torch.from_numpy(mask)[None, None]
    for _ in range(2):
        t = box_blur(t, radius)
    return t[0, 0].numpy()


def apply_mask(original: np.ndarray, styled: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 3) x2, mask (H, W) in [0, 1] -> uint8 (H, W, 3) = original + mask * (styled - original)."""
    if mask.shape != original.shape[:2]:
        raise StyleforgeError(f"mask is {mask.shape[1]}x{mask.shape[0]}, image is {original.shape[1]}x{original.shape[0]}")
    m = mask[..., None]
    out = original.astype(np.float32) + m * (styled.astype(np.float32) - original.astype(np.float32))
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)

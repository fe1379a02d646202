"""Stylise images of any size in overlapping tiles with bounded memory.

Tiles of `tile` px overlap by `overlap` px; each tile's output is weighted by a separable ramp that
falls linearly to ~0 across the overlap on every side that has a neighbour (1 at the image border),
so tiles blend without seams. The image stays uint8 (H, W, 3); only one band of tile rows is held
in float, so peak memory grows with tile x width, not with the image area.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step)) + [length - tile]
    return sorted(set(starts))


def _ramp(length: int, overlap: int, lead: bool, trail: bool) -> torch.Tensor:
    """(length,) weights: rising over `overlap` at the start if `lead`, falling at the end if `trail`."""
    w = torch.ones(length)
    if overlap > 0:
        edge = (torch.arange(overlap, dtype=torch.float32) + 0.5) / overlap
        if lead:
            w[:overlap] = torch.minimum(w[:overlap], edge)
        if trail:
            w[-overlap:] = torch.minimum(w[-overlap:], edge.flip(0))
    return w


@torch.no_grad()
def stylize_tiled(fn: Callable[..., torch.Tensor], image: np.ndarray, tile: int = 512,
                  overlap: int = 128, with_offset: bool = False) -> np.ndarray:
    """fn: (1, 3, h, w) in [-1, 1] -> same shape; with `with_offset`, fn(tile, (row, column)) also gets the
    position of the tile's top-left pixel in the image. image: uint8 (H, W, 3) -> uint8 (H, W, 3)."""
    if overlap * 2 > tile:
        raise ValueError(f"overlap ({overlap}) must be at most half the tile size ({tile})")
    h, w = image.shape[:2]
    out = np.empty_like(image)
    # a thin strip gets long tiles of the same area (a 100000x2 strip: 8 tiles, not 260)
    tile_h = tile if w >= tile else max(tile, tile * tile // max(w, 16))
    tile_w = tile if h >= tile else max(tile, tile * tile // max(h, 16))
    ys, xs = _starts(h, tile_h, overlap), _starts(w, tile_w, overlap)
    th, tw = min(tile_h, h), min(tile_w, w)
    band = torch.zeros(3, th, w)  # weighted outputs of the current tile row; band row 0 = image row y
    weight = torch.zeros(1, th, w)
    for r, y in enumerate(ys):
        wy = _ramp(th, overlap, lead=r > 0, trail=r < len(ys) - 1)
        for c, x in enumerate(xs):
            wx = _ramp(tw, overlap, lead=c > 0, trail=c < len(xs) - 1)
            patch = torch.from_numpy(np.array(image[y:y + th, x:x + tw])).permute(2, 0, 1)
            x_in = patch.float().div(127.5).sub(1)[None]
            styled = (fn(x_in, (y, x)) if with_offset else fn(x_in))[0].float()
            wt = wy[:, None] * wx[None, :]
            band[:, :, x:x + tw] += styled * wt
            weight[:, :, x:x + tw] += wt
        rows = (ys[r + 1] if r + 1 < len(ys) else h) - y  # rows that no later tile touches
        result = (band[:, :rows] / weight[:, :rows].clamp_min(1e-8)).clamp(-1, 1)
        out[y:y + rows] = result.add(1).mul(127.5).round().byte().permute(1, 2, 0).numpy()
        band = torch.cat([band[:, rows:], torch.zeros(3, rows, w)], 1)
        weight = torch.cat([weight[:, rows:], torch.zeros(1, rows, w)], 1)
    return out


def tile_seams(length: int, tile: int, overlap: int) -> list[int]:
    """Where neighbouring tiles along a side of `length` px meet: the centre lines of their overlaps."""
    return [s + overlap // 2 for s in _starts(length, tile, overlap)[1:]]

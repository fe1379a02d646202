"""Seam visibility of a tiled image: the mean gradient magnitude on the rows/columns where tiles meet ÷ the
mean elsewhere (1.0 = invisible). The seam lines come from the tiling (inference.tiling.tile_seams)."""
from __future__ import annotations

import numpy as np
import torch


def seam_visibility(image: np.ndarray, rows: list[int], columns: list[int]) -> float:
    """image (H, W, 3) uint8 or float; rows, columns: the seam lines (pixel indices) -> the ratio."""
    g = torch.from_numpy(np.asarray(image)).float().mean(2)
    gy, gx = (g[1:, :] - g[:-1, :]).abs(), (g[:, 1:] - g[:, :-1]).abs()
    h, w = g.shape
    if not rows and not columns:
        return 1.0
    mask_y, mask_x = torch.zeros(h - 1, dtype=torch.bool), torch.zeros(w - 1, dtype=torch.bool)
    for s in rows:
        mask_y[s - 1:s + 1] = True
    for s in columns:
        mask_x[s - 1:s + 1] = True
    at = torch.cat([gy[mask_y].flatten(), gx[:, mask_x].flatten()])
    away = torch.cat([gy[~mask_y].flatten(), gx[:, ~mask_x].flatten()])
    return (at.mean() / away.mean().clamp_min(1e-8)).item()

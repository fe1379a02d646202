"""Reconstruction losses: cycle consistency and identity (mean absolute error), and total variation."""
from __future__ import annotations

import torch


def l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """mean |a - b| over all elements."""
    return (a - b).abs().mean()


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> mean absolute difference of vertically and horizontally adjacent pixels."""
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., 1:] - x[..., :-1]).abs().mean()

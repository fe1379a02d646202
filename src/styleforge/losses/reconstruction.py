"""Reconstruction losses: cycle consistency and identity (mean absolute error)."""
from __future__ import annotations

import torch


def l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """mean |a - b| over all elements."""
    return (a - b).abs().mean()

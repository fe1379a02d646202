"""The small training loop shared by the metrics that fit a classifier of their own (C2ST, classifier score)."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn


def fit(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], epochs: int, batch_size: int,
        generator: torch.Generator, lr: float = 1e-3) -> nn.Module:
    """Adam on shuffled mini-batches of (inputs (N, ...), targets (N, ...)); returns the model in eval mode.
    Gradients are enabled inside, so callers may evaluate under no_grad."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    with torch.enable_grad():
        for _ in range(epochs):
            for idx in torch.randperm(len(inputs), generator=generator).split(batch_size):
                loss = loss_fn(model(inputs[idx]), targets[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    return model.eval()

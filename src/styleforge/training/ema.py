"""Exponential moving average of a network's weights (G_ema), with batch-norm statistics re-estimated."""
from __future__ import annotations

import copy
from typing import Callable, Iterable

import torch
from torch import nn


class EMA:
    """ema = decay * ema + (1 - decay) * weights after every step; buffers are copied.

    Copied batch-norm statistics belong to the live weights, not to the averaged ones, so an EMA network
    with batch norm is off in eval mode. Given `calibration` (a callable returning input batches),
    `ready()` re-estimates those statistics for the averaged weights before the copy is used.
    """

    def __init__(self, module: nn.Module, decay: float,
                 calibration: Callable[[], Iterable[torch.Tensor]] | None = None):
        self.decay = decay
        self.module = copy.deepcopy(module).eval().requires_grad_(False)
        self.calibration = calibration if has_batch_norm(module) else None
        self.stale = True

    @torch.no_grad()
    def update(self, source: nn.Module) -> None:
        for ema_p, p in zip(self.module.parameters(), source.parameters()):
            ema_p.lerp_(p.detach(), 1.0 - self.decay)
        for ema_b, b in zip(self.module.buffers(), source.buffers()):
            ema_b.copy_(b)
        self.stale = True

    def ready(self) -> nn.Module:
        """The EMA network in eval mode, its batch-norm statistics re-estimated since the last update."""
        batches = list(self.calibration()) if self.stale and self.calibration is not None else []
        if batches:  # recipes without calibration inputs keep the copied statistics
            recalibrate_batch_norm(self.module, batches)
        self.stale = False
        return self.module


def tracked_batch_norms(module: nn.Module) -> list[nn.Module]:
    """The module's batch norms that keep running statistics."""
    return [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]


def has_batch_norm(module: nn.Module) -> bool:
    return bool(tracked_batch_norms(module))


@torch.no_grad()
def recalibrate_batch_norm(module: nn.Module, batches: Iterable[torch.Tensor]) -> None:
    """Replace every batch norm's running mean/var by the plain average over `batches` of the statistics
    that the module's current weights produce; the module is left in eval mode."""
    norms = tracked_batch_norms(module)
    momenta = [m.momentum for m in norms]
    module.eval()
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
        m.train()
    for x in batches:
        module(x)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
        m.eval()

"""The contract of a frozen pretrained feature network.

A feature network takes the library's images, float (N, 3, H, W) in [-1, 1] RGB, converts them to the
input its weights were trained on, and returns the named activations ("taps") a caller asks for, running
only as deep as the deepest one. Its weights never train: parameters have requires_grad=False and the
module stays in eval mode (batch-norm statistics fixed) even inside a parent that calls .train().
Gradients still flow to the input, so losses on the features train a generator.
"""
from __future__ import annotations

from typing import ClassVar, Iterable

import torch
from torch import nn

from ...errors import ConfigError


class FeatureNetwork(nn.Module):
    #: every tap name, in the order the forward pass reaches them
    taps: ClassVar[tuple[str, ...]] = ()

    def freeze(self) -> "FeatureNetwork":
        self.requires_grad_(False)
        return self.eval()

    def train(self, mode: bool = True) -> "FeatureNetwork":
        return super().train(False)  # frozen: batch norm always uses its stored statistics

    def check_taps(self, taps: Iterable[str]) -> list[str]:
        taps = list(taps)
        unknown = [t for t in taps if t not in self.taps]
        if unknown or not taps:
            raise ConfigError(f"{type(self).__name__} has no tap {', '.join(unknown) or '(none asked)'}; "
                              f"valid taps: {', '.join(self.taps)}")
        return taps

    def depth(self, taps: Iterable[str]) -> int:
        """Index in `self.taps` of the deepest tap asked for."""
        return max(self.taps.index(t) for t in taps)

    def forward(self, x: torch.Tensor, taps: Iterable[str]) -> dict[str, torch.Tensor]:
        """x (N, 3, H, W) in [-1, 1] -> {tap: (N, C_tap, H_tap, W_tap)} for each tap asked for."""
        raise NotImplementedError


class FrozenFeaturesRef(nn.Module):
    """Base for modules that read a shared frozen feature network by reference: it is not a submodule
    (no parameters, not in the state dict, so checkpoints stay small and no optimiser sees it) but it
    moves with the module under .to() / .cuda()."""

    def __init__(self, network: str):
        super().__init__()
        from . import shared_features

        self._frozen = [shared_features(network)]

    @property
    def backbone(self) -> FeatureNetwork:
        return self._frozen[0]

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        self._frozen[0]._apply(fn)
        return self

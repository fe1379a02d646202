"""Frozen pretrained feature networks (VGG-16, EfficientNet-Lite0), registered by name in FEATURES."""
from . import efficientnet, vgg  # noqa: F401  (fills the registry)
from ..registry import FEATURES
from .base import FeatureNetwork
from .weights import MissingWeights

import functools

__all__ = ["FEATURES", "FeatureNetwork", "MissingWeights", "create_features", "shared_features"]


def create_features(name: str, **kwargs) -> FeatureNetwork:
    """A frozen, eval-mode feature network by registry name (vgg16, random_vgg16, efficientnet_lite0).

    Building it leaves the global random state untouched (the layers' throw-away initial weights would
    draw from it), so a run's own initialisation does not depend on whether a network was cached."""
    import torch

    with torch.random.fork_rng(devices=[]):
        return FEATURES.create(name, **kwargs)


@functools.lru_cache(maxsize=8)
def shared_features(name: str) -> FeatureNetwork:
    """One frozen instance of `name` per process, shared by the losses, metrics and optimisers that read it
    (it never changes, so sharing is safe)."""
    return create_features(name)

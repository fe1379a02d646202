"""Shared layers and initialisation."""
from .blocks import ResnetBlock, norm_layer, upsample
from .init import init_weights

__all__ = ["ResnetBlock", "init_weights", "norm_layer", "upsample"]

"""Shared layers and initialisation."""
from .blocks import ResnetBlock, collect_features, norm_layer, upsample
from .filters import box_blur, luma, position_noise, sobel_magnitude
from .init import init_weights

__all__ = ["ResnetBlock", "box_blur", "luma", "position_noise", "sobel_magnitude", "collect_features", "init_weights", "norm_layer", "upsample"]

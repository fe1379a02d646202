"""Metrics on frozen pretrained networks (models.features) that run here, with no download.

- FD-Lite / KID-Lite: the Fréchet distance and the kernel distance (frechet.py) on EfficientNet-Lite0
  features of images resized to 224x224, globally average-pooled: the 112-d output of stage 5 (1/16
  resolution, mid-level). The estimators are FID's and KID's, the network is not: the values are NOT
  comparable with published FID/KID (Inception features). Why stage 5 and not the 1280-d head that FID's
  analogue would take: a personal style has tens of images, and the Fréchet distance of 1280-d features
  estimated from ~50 images is mostly finite-sample bias: two disjoint sets of 54 Monet paintings scored
  61% of the photos' distance to Monet on the head, 32% on stage 5 (benchmarks/features.py).
- LPIPS-like content distance (Zhang et al. 2018, without the learned calibration heads): VGG-16 relu1_2,
  relu2_2, relu3_3, relu4_3, relu5_3; each position's channel vector unit-normalised; squared distance
  summed over channels, averaged over positions; the five layers weighted equally. 0 = same image.
- Gram distance: per VGG-16 layer (relu1_1 ... relu4_1), the Gram matrix averaged over each set, and the
  relative Frobenius distance |G_a - G_b| / |G_b| averaged over the layers. 0 = same style statistics.

The networks load once per process (`feature_network`).
"""
from __future__ import annotations

import weakref

import numpy as np
import torch
import torch.nn.functional as F

from ..losses.perceptual import gram_matrix, unit_channels
from .registry import register_metric

LPIPS_TAPS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3")
GRAM_TAPS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
FD_LITE_SIZE = 224
FD_LITE_TAP = "stage5"


_MEMO: dict[tuple, tuple] = {}


def _memo(kind: str, images: torch.Tensor, compute):
    """compute(images), remembered while `images` lives unchanged: the evaluators score several outputs
    against one reference set, whose features are then extracted once."""
    key = (kind, id(images))
    hit = _MEMO.get(key)
    if hit is not None and hit[0]() is images and hit[1] == images._version:
        return hit[2]
    value = compute(images)
    for k in [k for k, (ref, _, _) in _MEMO.items() if ref() is None]:
        del _MEMO[k]
    _MEMO[key] = (weakref.ref(images), images._version, value)
    return value


def feature_network(name: str):
    """The frozen feature network `name` (models.features), loaded once per process."""
    from ..models.features import shared_features

    return shared_features(name)


@torch.no_grad()
def lite_features(images: torch.Tensor, batch_size: int = 8, tap: str = FD_LITE_TAP) -> np.ndarray:
    """images (N, 3, H, W) in [-1, 1] -> (N, C) EfficientNet-Lite0 features of `tap`, average-pooled (float64)."""
    net = feature_network("efficientnet_lite0")
    out = []
    for chunk in images.split(batch_size):
        x = F.interpolate(chunk.float(), size=(FD_LITE_SIZE, FD_LITE_SIZE), mode="bilinear", antialias=True,
                          align_corners=False).clamp(-1, 1)
        f = net(x, [tap])[tap]
        out.append((f.mean((2, 3)) if f.dim() == 4 else f).double())
    return torch.cat(out).numpy()


def fd_lite(images_a: torch.Tensor, images_b: torch.Tensor) -> float:
    """FD-Lite: Fréchet distance of pooled EfficientNet-Lite0 stage-5 features of two sets (lower = closer)."""
    from .frechet import fid_from_features

    return fid_from_features(_memo("lite", images_a, lite_features), _memo("lite", images_b, lite_features))


def kid_lite(images_a: torch.Tensor, images_b: torch.Tensor, subsets: int = 100,
             subset_size: int = 1000) -> tuple[float, float]:
    """(mean, std) of the unbiased kernel distance on the FD-Lite features."""
    from .frechet import kid_from_features

    return kid_from_features(_memo("lite", images_a, lite_features), _memo("lite", images_b, lite_features),
                             subsets, subset_size)


@torch.no_grad()
def lpips_like(a: torch.Tensor, b: torch.Tensor, batch_size: int = 4, network: str = "vgg16") -> torch.Tensor:
    """a, b (N, 3, H, W) in [-1, 1], pairs -> (N,) LPIPS-like distances (0 = identical)."""
    net = feature_network(network)
    out = []
    for x, y in zip(a.split(batch_size), b.split(batch_size)):
        fx, fy = net(x.float(), LPIPS_TAPS), net(y.float(), LPIPS_TAPS)
        per_layer = [(unit_channels(fx[t]) - unit_channels(fy[t])).pow(2).sum(1).mean((1, 2)) for t in LPIPS_TAPS]
        out.append(torch.stack(per_layer).mean(0))
    return torch.cat(out)


@torch.no_grad()
def mean_grams(images: torch.Tensor, taps=GRAM_TAPS, batch_size: int = 4,
               network: str = "vgg16") -> dict[str, torch.Tensor]:
    """images (N, 3, H, W) -> {tap: (C, C) Gram matrix averaged over the set}."""
    net = feature_network(network)
    total: dict[str, torch.Tensor] = {}
    for chunk in images.split(batch_size):
        for tap, f in net(chunk.float(), taps).items():
            total[tap] = total.get(tap, 0) + gram_matrix(f).sum(0)
    return {tap: g / len(images) for tap, g in total.items()}


def gram_style_distance(images: torch.Tensor, reference: torch.Tensor, network: str = "vgg16") -> float:
    """Relative Frobenius distance of the set-averaged VGG-16 Gram matrices, averaged over GRAM_TAPS."""
    ga = _memo(f"gram-{network}", images, lambda x: mean_grams(x, network=network))
    gb = _memo(f"gram-{network}", reference, lambda x: mean_grams(x, network=network))
    return float(np.mean([((ga[t] - gb[t]).norm() / gb[t].norm().clamp_min(1e-12)).item() for t in GRAM_TAPS]))


@register_metric("fd_lite", "Fréchet distance of pooled EfficientNet-Lite0 stage-5 features to the style set "
                 "(FD-Lite; lower = closer; NOT comparable with published FID: a different network)")
def _fd_lite_metric(outputs, photos, style):
    return {"fd_lite": fd_lite(outputs, style)}


@register_metric("kid_lite", "kernel distance of EfficientNet-Lite0 pooled features to the style set (x1000; "
                 "lower = closer; not comparable with published KID)",
                 notes={"kid_lite_std": "spread of KID-Lite over random subsets (x1000)"})
def _kid_lite_metric(outputs, photos, style):
    mean, std = kid_lite(outputs, style)
    return {"kid_lite": 1e3 * mean, "kid_lite_std": 1e3 * std}


@register_metric("lpips", "LPIPS-like VGG-16 distance of output to input photo (no learned heads; 0 = same "
                 "image; lower = more content kept)")
def _lpips_metric(outputs, photos, style):
    return {"lpips": lpips_like(outputs, photos).mean().item()}


@register_metric("gram", "relative distance of set-averaged VGG-16 Gram matrices to the style set's (0 = same "
                 "style statistics; lower = closer)")
def _gram_metric(outputs, photos, style):
    return {"gram": gram_style_distance(outputs, style)}

"""Content preservation and colour statistics: input photo vs stylised output, output vs style set."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .image_quality import ycc_statistics
from .registry import register_metric


def _grey(x: torch.Tensor) -> torch.Tensor:
    return (0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]) if x.shape[1] == 3 else x[:, :1]


def gradient_magnitude(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, 1, H, W) Sobel gradient magnitude of the grey image."""
    k = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]).to(x)
    g = F.pad(_grey(x), (1, 1, 1, 1), mode="replicate")
    gx, gy = F.conv2d(g, k.view(1, 1, 3, 3)), F.conv2d(g, k.t().reshape(1, 1, 3, 3))
    return (gx ** 2 + gy ** 2 + 1e-12).sqrt()


def edge_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) x2 -> (N,) Pearson correlation of the Sobel gradient magnitudes (1 = same structure)."""
    ga, gb = gradient_magnitude(a).flatten(1), gradient_magnitude(b).flatten(1)
    ga, gb = ga - ga.mean(1, keepdim=True), gb - gb.mean(1, keepdim=True)
    return (ga * gb).sum(1) / (ga.norm(dim=1) * gb.norm(dim=1)).clamp_min(1e-12)


def color_distance(images: torch.Tensor, reference: torch.Tensor) -> float:
    """Distance between the YCbCr mean/std statistics of two sets (0 = same colour statistics)."""
    (ma, sa), (mb, sb) = ycc_statistics(images), ycc_statistics(reference)
    return ((ma - mb).norm() + (sa - sb).norm()).item()


@register_metric("edges", "correlation of output and input edge maps (content kept, higher = more)", better="higher")
def _edges_metric(outputs, photos, style):
    return {"edges": edge_similarity(outputs, photos).mean().item()}


@register_metric("color", "distance of YCbCr colour statistics to the style set (lower = closer)")
def _color_metric(outputs, photos, style):
    return {"color": color_distance(outputs, style)}

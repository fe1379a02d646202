"""Full-reference image quality: PSNR and SSIM on images in [-1, 1] (measured on the [0, 1] scale)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..nn.color import rgb_to_ycc, ycc_to_rgb
from .registry import register_metric


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a, b (N, C, H, W) in [-1, 1] -> (N,) PSNR in dB with peak 1 on the [0, 1] scale."""
    mse = ((a - b) / 2).pow(2).flatten(1).mean(1).clamp_min(1e-10)
    return 10 * torch.log10(1 / mse)


def _gaussian(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    t = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-t ** 2 / (2 * sigma ** 2))
    return (g / g.sum()).float()


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a, b (N, C, H, W) in [-1, 1] -> (N,) mean SSIM (Wang et al. 2004; 11x11 Gaussian, sigma 1.5)."""
    x, y = (a + 1) / 2, (b + 1) / 2
    c = x.shape[1]
    g = _gaussian().to(x)
    window = (g[:, None] * g[None, :]).expand(c, 1, -1, -1)
    blur = lambda t: F.conv2d(t, window, groups=c)  # noqa: E731  (valid convolution)
    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx ** 2, blur(y * y) - my ** 2, blur(x * y) - mx * my
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))
    return s.flatten(1).mean(1)


@register_metric("ssim", "structural similarity of output to input photo (content kept, higher = more)", better="higher")
def _ssim_metric(outputs, photos, style):
    return {"ssim": ssim(outputs, photos).mean().item()}


def color_transfer(content: torch.Tensor, style_mean: torch.Tensor, style_std: torch.Tensor) -> torch.Tensor:
    """Classical baseline (Reinhard et al. 2001, in YCbCr): match each channel's mean and std to the style set's.

    content (N, 3, H, W) in [-1, 1]; style_mean, style_std (3,) in YCbCr -> (N, 3, H, W)."""
    ycc = rgb_to_ycc(content)
    mean = ycc.mean((2, 3), keepdim=True)
    std = ycc.std((2, 3), keepdim=True).clamp_min(1e-4)
    out = (ycc - mean) / std * style_std.view(1, 3, 1, 1) + style_mean.view(1, 3, 1, 1)
    return ycc_to_rgb(out).clamp(-1, 1)


def ycc_statistics(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and std per YCbCr channel over a set (N, 3, H, W) -> ((3,), (3,))."""
    ycc = rgb_to_ycc(images)
    return ycc.mean((0, 2, 3)), ycc.std((2, 3)).mean(0)

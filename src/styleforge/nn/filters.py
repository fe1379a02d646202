"""Fixed image filters shared by networks, metrics and inference."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def box_blur(x: torch.Tensor, radius: int, padding: str = "replicate") -> torch.Tensor:
    """(N, C, H, W) -> same shape: the mean over each pixel's (2 radius + 1)² window, the border padded by
    `padding` (a torch.nn.functional.pad mode)."""
    k = 2 * radius + 1
    return F.avg_pool2d(F.pad(x, (radius,) * 4, mode=padding), k, stride=1)


_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def binomial_blur(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> same shape: the separable 5-tap binomial blur (1 4 6 4 1)/16, reflect-padded."""
    k = (_BINOMIAL[:, None] * _BINOMIAL[None, :]).to(x)
    c = x.shape[1]
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), k.expand(c, 1, 5, 5), groups=c)


def laplacian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """x (N, C, H, W) -> [band-pass (N, C, H, W), (N, C, H/2, W/2), ..., low-pass residual]: each band is
    what the image holds at that octave and not at the next coarser one."""
    out = []
    for _ in range(levels - 1):
        small = F.avg_pool2d(binomial_blur(x), 2)
        up = binomial_blur(F.interpolate(small, scale_factor=2, mode="nearest"))
        out.append(x - up[..., : x.shape[-2], : x.shape[-1]])
        x = small
    return out + [x]


LUMA_WEIGHTS = (0.299, 0.587, 0.114)  # Rec. 601


def luma(v: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) -> (N, 1, H, W), Rec. 601 weights."""
    r, g, b = LUMA_WEIGHTS
    return r * v[:, :1] + g * v[:, 1:2] + b * v[:, 2:3]


def sobel_magnitude(g: torch.Tensor, eps: float = 0.0) -> torch.Tensor:
    """(N, 1, H, W) -> (N, 1, H, W): sqrt(gx² + gy² + eps) of the 3x3 Sobel kernels, replicate-padded
    (eps > 0 keeps the gradient finite where the image is flat)."""
    k = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=g.dtype, device=g.device)
    padded = F.pad(g, (1,) * 4, mode="replicate")
    gx = F.conv2d(padded, k.view(1, 1, 3, 3))
    gy = F.conv2d(padded, k.t().reshape(1, 1, 3, 3))
    return (gx * gx + gy * gy + eps).sqrt()


HASH_PRIME = 2_147_483_647  # 2^31 - 1


def position_noise(height: int, width: int, channels: int, offset: tuple[int, int] = (0, 0),
                   device=None, dtype=torch.float32) -> torch.Tensor:
    """(1, channels, height, width) noise of zero mean and unit variance that is a fixed function of the
    absolute pixel position (row offset[0] + i, column offset[1] + j) and the channel: two tiles of one
    image that overlap get the same values where they overlap, and every run and export the same field.
    Integer hashing (two squarings modulo a prime), so the values are exact on every machine."""
    rows = torch.arange(height, device=device, dtype=torch.int64).view(1, 1, -1, 1) + int(offset[0])
    cols = torch.arange(width, device=device, dtype=torch.int64).view(1, 1, 1, -1) + int(offset[1])
    chan = torch.arange(channels, device=device, dtype=torch.int64).view(1, -1, 1, 1)
    h = (rows * 92_821 + cols * 68_917 + chan * 40_009 + 12_345) % HASH_PRIME
    h = (h * h + 7) % HASH_PRIME
    h = (h * h + 11) % HASH_PRIME
    return ((h.to(torch.float64) / HASH_PRIME - 0.5) * 12 ** 0.5).to(dtype)

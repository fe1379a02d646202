"""Procedural *texture* styles: ground truth where PSNR means nothing.

Each maps photos (N, 3, H, W) in [-1, 1] to stylised images of the same shape, deterministically, by
laying a mark-making texture over the photo's tones: line hatching, stippled dots, colour halftone
screens, oriented brush strokes. No filter chain of the `filters` recipe makes them. The phase of the
texture (where a line or dot falls) is arbitrary, so a model's output is scored by how close its
*distribution* is to the truth's (SWD, FD-Lite), not pixel by pixel. Marks are sized for 256 px images.
`brush_strokes` is the held-out style of the painterly recipe: nothing was tuned on it.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..nn import box_blur, luma
from ..registry import Registry

TEXTURE_OPERATORS = Registry("texture operator")
PAPER = (0.96, 0.94, 0.88)
INK = (0.12, 0.11, 0.13)


def _to01(x):
    return (x + 1) / 2


def _from01(x):
    return x.clamp(0, 1) * 2 - 1


def _grid(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel coordinates (rows (H, 1), columns (1, W)) as floats on x's device."""
    h, w = x.shape[-2:]
    return (torch.arange(h, dtype=x.dtype, device=x.device)[:, None],
            torch.arange(w, dtype=x.dtype, device=x.device)[None, :])


def _ink_on_paper(ink: torch.Tensor, colour=INK) -> torch.Tensor:
    """ink coverage (N, 1, H, W) in [0, 1] -> RGB in [0, 1]: ink over warm paper."""
    paper = torch.tensor(PAPER, dtype=ink.dtype, device=ink.device).view(1, 3, 1, 1)
    inkc = torch.tensor(colour, dtype=ink.dtype, device=ink.device).view(1, 3, 1, 1)
    return paper * (1 - ink) + inkc * ink


def _soft(value: torch.Tensor, width: float) -> torch.Tensor:
    """An anti-aliased step: 0 below -width/2, 1 above +width/2."""
    return (value / width + 0.5).clamp(0, 1)


@TEXTURE_OPERATORS.register("hatching")
def hatching(x: torch.Tensor, period: float = 6.0) -> torch.Tensor:
    """Pen hatching: diagonal lines whose thickness follows the darkness; cross-hatching in the shadows."""
    dark = 1 - box_blur(luma(_to01(x)), 1)
    rows, cols = _grid(x)
    across1 = ((rows + cols) % period / period - 0.5).abs() * 2  # 0 on a line's centre, 1 between lines
    across2 = ((rows - cols) % period / period - 0.5).abs() * 2
    ink = torch.maximum(_soft(0.95 * dark - across1, 0.25), _soft(1.6 * (dark - 0.5) - across2, 0.25))
    return _from01(_ink_on_paper(ink))


@TEXTURE_OPERATORS.register("stippling")
def stippling(x: torch.Tensor, density: float = 0.3) -> torch.Tensor:
    """Stippling: round dots scattered at a density that follows the darkness (a fixed random field)."""
    dark = 1 - box_blur(luma(_to01(x)), 2)
    h, w = x.shape[-2:]
    field = torch.rand((1, 1, h, w), generator=torch.Generator().manual_seed(7)).to(x)
    seeds = (field < density * dark.pow(1.5)).to(x.dtype)
    dots = (box_blur(seeds, 1, padding="constant") * 3.0).clamp(0, 1)  # each seed -> a soft 3x3 dot
    return _from01(_ink_on_paper(dots, colour=(0.10, 0.12, 0.22)))


@TEXTURE_OPERATORS.register("halftone")
def halftone(x: torch.Tensor, cell: float = 6.0) -> torch.Tensor:
    """Colour halftone print: cyan, magenta and yellow dot screens at 15, 75 and 0 degrees, each dot's
    area the local ink coverage."""
    v = _to01(x)
    rows, cols = _grid(x)
    channels = []
    for c, degrees in enumerate((15.0, 75.0, 0.0)):
        a = math.radians(degrees)
        s, t = cols * math.cos(a) + rows * math.sin(a), -cols * math.sin(a) + rows * math.cos(a)
        ds, dt = s % cell - cell / 2, t % cell - cell / 2
        dist = (ds * ds + dt * dt).sqrt()
        coverage = box_blur(1 - v[:, c:c + 1], 2)  # cyan = 1 - red, ...
        radius = cell * (coverage / math.pi).sqrt()
        channels.append(1 - _soft(radius - dist, 1.0))
    return _from01(torch.cat(channels, 1))


@TEXTURE_OPERATORS.register("brush_strokes")
def brush_strokes(x: torch.Tensor, length: int = 6) -> torch.Tensor:
    """Oriented brush strokes: a smoothed photo whose tones are streaked along the image's edges (line
    integral convolution of a fixed noise along the structure-tensor direction), with dark stroke rims."""
    v = _to01(x)
    base = box_blur(v, 2)
    y = luma(v)
    gy, gx = torch.gradient(y, dim=(2, 3))
    jxx, jyy, jxy = (box_blur(t, 3) for t in (gx * gx, gy * gy, gx * gy))
    angle = 0.5 * torch.atan2(2 * jxy, jxx - jyy) + math.pi / 2  # along the edges
    n, _, h, w = x.shape
    noise = torch.rand((1, 1, h, w), generator=torch.Generator().manual_seed(11)).to(x).expand(n, -1, -1, -1)
    rows, cols = _grid(x)
    dx, dy = torch.cos(angle)[:, 0], torch.sin(angle)[:, 0]
    total = torch.zeros_like(y)
    for k in range(-length, length + 1):
        gx_ = (cols + k * dx) / (w - 1) * 2 - 1
        gy_ = (rows + k * dy) / (h - 1) * 2 - 1
        total = total + F.grid_sample(noise, torch.stack([gx_, gy_], -1), mode="bilinear",
                                      padding_mode="reflection", align_corners=True)
    streaks = total / (2 * length + 1)
    streaks = (streaks - streaks.mean((2, 3), keepdim=True)) / streaks.std((2, 3), keepdim=True).clamp_min(1e-6)
    return _from01(base * (1 + 0.12 * streaks) - 0.04 * streaks.clamp(max=0).abs())

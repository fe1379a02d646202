"""Colour maths on (N, 3, H, W) RGB in [-1, 1]: BT.601 YCbCr and back, and keeping a photo's colours under a new luminance."""
from __future__ import annotations

import torch

# ITU-R BT.601 RGB <-> YCbCr on values in [-1, 1] (chroma centred on 0)
_TO_YCC = torch.tensor([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
_TO_RGB = torch.linalg.inv(_TO_YCC)


def rgb_to_ycc(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) RGB -> (N, 3, H, W) Y, Cb, Cr."""
    return torch.einsum("ij,njhw->nihw", _TO_YCC.to(x), x)


def ycc_to_rgb(x: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", _TO_RGB.to(x), x)


def preserve_color(styled: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Luminance of `styled` with the chroma of `original`; both (N, 3, H, W) in [-1, 1]."""
    s, o = rgb_to_ycc(styled), rgb_to_ycc(original)
    return ycc_to_rgb(torch.cat([s[:, :1], o[:, 1:]], 1)).clamp(-1, 1)


class ColourMoments(torch.nn.Module):
    """Running mean and std of each YCbCr channel over every pixel of the images it was shown (buffers,
    so a checkpoint keeps them)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("total", torch.zeros(3, dtype=torch.float64))
        self.register_buffer("squares", torch.zeros(3, dtype=torch.float64))
        self.register_buffer("pixels", torch.zeros((), dtype=torch.float64))

    @torch.no_grad()
    def add(self, images: torch.Tensor) -> None:
        """images (N, 3, H, W) RGB in [-1, 1]."""
        ycc = rgb_to_ycc(images.float()).double()
        self.total += ycc.sum((0, 2, 3))
        self.squares += ycc.pow(2).sum((0, 2, 3))
        self.pixels += ycc.shape[0] * ycc.shape[2] * ycc.shape[3]

    def mean_std(self) -> tuple[torch.Tensor, torch.Tensor]:
        """((3,), (3,)) float32; raises before anything was added."""
        if self.pixels.item() == 0:
            raise RuntimeError("ColourMoments: add() images first")
        mean = self.total / self.pixels
        std = (self.squares / self.pixels - mean.pow(2)).clamp_min(1e-12).sqrt()
        return mean.float(), std.float()


class ColourMatch(torch.nn.Module):
    """One fixed colour map for a whole image set (not per image, so a night photo stays darker than a
    noon one): y = YCbCr^-1(scale * (YCbCr(x) - source_mean) + target_mean). The identity until `fit`.
    x (N, 3, H, W) RGB in [-1, 1] -> same shape (not clamped)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("source_mean", torch.zeros(3))
        self.register_buffer("target_mean", torch.zeros(3))
        self.register_buffer("scale", torch.ones(3))

    @torch.no_grad()
    def fit(self, source: ColourMoments, target: ColourMoments, luma_contrast: bool = False) -> None:
        """Map the source set's channel means to the target's, and its chroma spread too (its luminance
        contrast as well only when `luma_contrast`: the detail the generator sees stays as it was)."""
        (ms, ss), (mt, st) = source.mean_std(), target.mean_std()
        scale = st / ss.clamp_min(1e-4)
        if not luma_contrast:
            scale[0] = 1.0
        self.source_mean.copy_(ms)
        self.target_mean.copy_(mt)
        self.scale.copy_(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Computed in float32 even under autocast: bf16 keeps ~3 significant digits, 2/255 off a colour."""
        v = lambda t: t.float().view(1, 3, 1, 1)  # noqa: E731
        with torch.autocast(x.device.type, enabled=False):
            y = ycc_to_rgb((rgb_to_ycc(x.float()) - v(self.source_mean)) * v(self.scale) + v(self.target_mean))
        return y.to(x.dtype)

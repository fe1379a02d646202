"""The palette losses: the plain palette compares colours wherever they sit; the band palette compares the
colours of each octave's texture, so it tells broken colour from the same colours laid in broad areas."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from styleforge.losses.palette import BandPaletteLoss, PaletteLoss, whitening


def _patchwork(cell: int, seed: int, n: int = 4, size: int = 64) -> torch.Tensor:
    """(n, 3, size, size): cells of `cell` px, each a random colour of the same luminance spread."""
    g = torch.Generator().manual_seed(seed)
    colours = 0.5 * torch.randn(n, 3, size // cell, size // cell, generator=g)
    return F.interpolate(colours, scale_factor=cell).clamp(-1, 1)


def test_the_band_palette_tells_broken_colour_from_the_same_colours_in_broad_areas():
    # style: a patchwork of 2 px dabs; outputs: another draw of it, and the same kind of colours in 32 px areas
    style, like, broad = _patchwork(2, seed=0), _patchwork(2, seed=1), _patchwork(32, seed=1, n=64)
    g = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    plain, bands = PaletteLoss(pool=1), BandPaletteLoss(bands=2)
    plain.gather(style, generator=g())
    bands.gather(style, generator=g())
    with torch.no_grad():
        plain_like, plain_broad = plain(like, g()), plain(broad, g())
        band_like, band_broad = bands(like, g()), bands(broad, g())
    assert plain_broad < 5 * plain_like + 0.05, (plain_broad.item(), plain_like.item())  # same colours: close
    assert band_broad > 20 * band_like, (band_broad.item(), band_like.item())  # no texture at the fine octaves
    x = broad[:4].clone().requires_grad_(True)  # and it trains: its gradient reaches the image
    bands(x, g()).backward()
    assert x.grad.abs().sum() > 0


def test_the_band_palette_keeps_a_reservoir_per_band_and_asks_for_one():
    loss = BandPaletteLoss(bands=3, reservoir=256)
    assert {"reservoir_band0", "reservoir_band1", "reservoir_band2", "filled"} <= set(loss.state_dict())
    with pytest.raises(RuntimeError, match=r"gather\(\)"):  # an empty reservoir is refused
        loss(torch.zeros(1, 3, 32, 32))
    loss.gather(_patchwork(2, seed=0, n=2, size=32))
    assert loss.filled.tolist() == [256, 256, 128]  # 2 images x 512 colours, capped by the reservoir or the band


def test_whitening_gives_every_colour_axis_unit_variance():
    g = torch.Generator().manual_seed(0)
    mix = torch.tensor([[1.0, 0.9, 0.8], [0.0, 0.1, 0.0], [0.0, 0.0, 0.05]])  # mostly one axis (luma-like)
    x = torch.randn(20000, 3, generator=g) @ mix
    white = (x - x.mean(0)) @ whitening(x)
    assert torch.allclose(white.T @ white / (len(x) - 1), torch.eye(3), atol=1e-3)

"""The style losses on frozen VGG-16 features: the colour view sees colour texture that the plain statistics
barely see, and adding it leaves the plain statistics' checkpoint names as they were."""
from __future__ import annotations

import pytest
import torch

from styleforge.losses.feature_style import FeatureStyleLoss, colour_view
from styleforge.nn.color import rgb_to_ycc, ycc_to_rgb


def _texture(chroma: float, luma: float, seed: int, n: int = 4, size: int = 64) -> torch.Tensor:
    """(n, 3, size, size) RGB: mid-grey with blotches of 4 px, of this much chroma and this much luma."""
    g = torch.Generator().manual_seed(seed)
    blotches = torch.nn.functional.interpolate(torch.randn(n, 3, size // 4, size // 4, generator=g), scale_factor=4)
    ycc = torch.cat([luma * blotches[:, :1], chroma * blotches[:, 1:]], 1)
    return ycc_to_rgb(ycc).clamp(-1, 1)


def test_the_colour_view_is_the_chroma_alone_at_half_size():
    x = torch.rand(2, 3, 16, 12) * 2 - 1
    view = colour_view(x)
    assert view.shape == (2, 3, 8, 6)
    ycc = rgb_to_ycc(view)
    assert ycc[:, 0].abs().max() < 1e-5  # no luminance left
    brighter = ycc_to_rgb(rgb_to_ycc(x) + torch.tensor([0.3, 0.0, 0.0]).view(1, 3, 1, 1))
    assert torch.allclose(colour_view(brighter), view, atol=1e-5)  # light and shade do not count


@pytest.mark.parametrize("kind", ["swd", "gram"])
def test_the_colour_term_tells_broken_colour_from_grey_texture(kind):
    # the style: blotches of colour at an even luminance; two outputs: the same kind of colour texture, and
    # blotches of light and shade with no colour at all
    loss = FeatureStyleLoss(("relu1_2", "relu2_2"), "relu2_2", kind, reservoir=2048, colour=True)
    loss.gather(_texture(chroma=0.4, luma=0.0, seed=0), generator=torch.Generator().manual_seed(0))
    like, grey = _texture(chroma=0.4, luma=0.0, seed=1), _texture(chroma=0.0, luma=0.4, seed=1)
    with torch.no_grad():
        _, _, colour_like = loss(like, like, torch.Generator().manual_seed(2))
        _, _, colour_grey = loss(grey, grey, torch.Generator().manual_seed(2))
    assert colour_grey > 5 * colour_like, (colour_grey.item(), colour_like.item())
    # and it trains: its gradient reaches the image
    x = grey.clone().requires_grad_(True)
    loss(x, grey)[2].backward()
    assert x.grad.abs().sum() > 0


def test_without_the_colour_view_the_buffers_and_the_third_term_are_as_before():
    plain, coloured = FeatureStyleLoss(colour=False), FeatureStyleLoss(colour=True)
    keys = set(plain.state_dict())
    assert {"pool_relu1_2", "gram_relu3_3", "count", "filled"} <= keys
    assert set(coloured.state_dict()) - keys == {k.replace("_relu", "_colour_relu") for k in keys if "_relu" in k}
    plain.gather(_texture(0.4, 0.2, seed=0))
    x = _texture(0.4, 0.2, seed=1)
    assert plain(x, x)[2].item() == 0.0

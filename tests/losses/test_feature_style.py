"""The style losses on frozen VGG-16 features: the colour view sees colour texture that the plain statistics
barely see, the coarse view sees strokes the plain taps are too small for, and adding a view leaves the plain
statistics' checkpoint names as they were."""
from __future__ import annotations

import pytest
import torch

from styleforge.losses.feature_style import FeatureStyleLoss, coarse_view, colour_view
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
    loss = FeatureStyleLoss(("relu1_2", "relu2_2"), "relu2_2", kind, reservoir=2048, views=("colour",))
    loss.gather(_texture(chroma=0.4, luma=0.0, seed=0), generator=torch.Generator().manual_seed(0))
    like, grey = _texture(chroma=0.4, luma=0.0, seed=1), _texture(chroma=0.0, luma=0.4, seed=1)
    with torch.no_grad():
        colour_like = loss(like, like, torch.Generator().manual_seed(2))[2]["colour"]
        colour_grey = loss(grey, grey, torch.Generator().manual_seed(2))[2]["colour"]
    assert colour_grey > 5 * colour_like, (colour_grey.item(), colour_like.item())
    # and it trains: its gradient reaches the image
    x = grey.clone().requires_grad_(True)
    loss(x, grey)[2]["colour"].backward()
    assert x.grad.abs().sum() > 0


def _blotches(size_px: int, seed: int, n: int = 4, size: int = 64) -> torch.Tensor:
    """(n, 3, size, size): grey blotches of light and shade, `size_px` pixels across."""
    g = torch.Generator().manual_seed(seed)
    small = torch.randn(n, 1, size // size_px, size // size_px, generator=g).expand(-1, 3, -1, -1)
    return (0.5 * torch.nn.functional.interpolate(small, scale_factor=size_px)).clamp(-1, 1)


def test_the_coarse_view_tells_strokes_twice_the_size_apart():
    # style: 8 px blotches; outputs: 8 px blotches (another draw) and 4 px ones, which at half size are 2 px
    # specks against the style's 4 px blotches
    x = torch.rand(2, 3, 16, 12) * 2 - 1
    assert torch.allclose(coarse_view(x), torch.nn.functional.avg_pool2d(x, 2))
    loss = FeatureStyleLoss(("relu1_2",), "relu1_2", "swd", reservoir=2048, views=("coarse",))
    loss.gather(_blotches(8, seed=0), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        like = loss(_blotches(8, seed=1), _blotches(8, seed=1), torch.Generator().manual_seed(2))[2]["coarse"]
        small = loss(_blotches(4, seed=1), _blotches(4, seed=1), torch.Generator().manual_seed(2))[2]["coarse"]
    assert small > 3 * like, (small.item(), like.item())
    x = _blotches(4, seed=1).requires_grad_(True)  # and it trains: its gradient reaches the image
    loss(x, x.detach())[2]["coarse"].backward()
    assert x.grad.abs().sum() > 0


def test_without_extra_views_the_buffers_and_the_terms_are_as_before():
    plain, coloured = FeatureStyleLoss(), FeatureStyleLoss(views=("colour",))
    keys = set(plain.state_dict())
    assert {"pool_relu1_2", "gram_relu3_3", "count", "filled"} <= keys
    assert set(coloured.state_dict()) - keys == {k.replace("_relu", "_colour_relu") for k in keys if "_relu" in k}
    plain.gather(_texture(0.4, 0.2, seed=0))
    x = _texture(0.4, 0.2, seed=1)
    assert plain(x, x)[2] == {}
    with pytest.raises(ValueError, match="unknown style view"):
        FeatureStyleLoss(views=("sepia",))

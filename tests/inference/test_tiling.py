"""Tiled stylising: equals the one-pass result up to blending, no visible seams, any size."""
import numpy as np
import pytest
import torch

from styleforge.inference import Stylizer
from styleforge.inference.tiling import _ramp, _starts, stylize_tiled, tile_seams
from styleforge.metrics.seams import seam_visibility
from styleforge.models import GENERATORS


@pytest.fixture(scope="module")
def stylizer():
    torch.manual_seed(0)
    g = GENERATORS.create("light", base_channels=8, blocks=1)
    with torch.no_grad():
        for p in g.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return Stylizer(g)


def _image(h, w, seed=0):
    rng = np.random.default_rng(seed)
    low = torch.from_numpy(rng.random((1, 3, h // 16 + 2, w // 16 + 2))).float()
    smooth = torch.nn.functional.interpolate(low, size=(h, w), mode="bicubic", align_corners=False)[0]
    texture = 0.15 * torch.from_numpy(rng.random((3, h, w))).float()
    return ((smooth * 0.85 + texture).clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()


def test_tiles_cover_the_image_and_weights_blend_to_one():
    starts = _starts(1000, 256, 64)
    assert starts[0] == 0 and starts[-1] == 1000 - 256 and all(b - a <= 192 for a, b in zip(starts, starts[1:]))
    a, b = _ramp(256, 64, False, True), _ramp(256, 64, True, False)
    assert torch.allclose(a[-64:] + b[:64], torch.ones(64))


def test_tiled_equals_one_pass_up_to_blending(stylizer):
    image = _image(300, 520)
    whole = stylizer.stylize_array(image, tile=4096)
    tiled = stylizer.stylize_array(image, tile=128, overlap=48)
    diff = np.abs(whole.astype(int) - tiled.astype(int))
    assert tiled.shape == image.shape and tiled.dtype == np.uint8
    assert diff.mean() < 0.5 and diff.max() <= 12
    assert (whole != image).mean() > 0.5  # the style really changed the image


def test_no_visible_seams(stylizer):
    tiled = stylizer.stylize_array(_image(512, 512, 1), tile=128, overlap=48)
    assert seam_visibility(tiled, tile_seams(512, 128, 48), tile_seams(512, 128, 48)) <= 1.1


def test_identity_function_round_trips_exactly():
    image = _image(97, 203, 2)
    assert np.array_equal(stylize_tiled(lambda x: x, image, tile=64, overlap=16), image)


def test_overlap_larger_than_half_a_tile_is_refused(stylizer):
    with pytest.raises(ValueError, match="overlap"):
        stylizer.stylize_array(_image(64, 64), tile=64, overlap=40)

import math

import pytest
import torch

from styleforge.metrics import STYLE_OPERATORS, color_transfer, psnr, ssim, ycc_statistics


def test_psnr_known_values():
    a = torch.zeros(1, 3, 8, 8)
    assert psnr(a, a + 0.2).item() == pytest.approx(10 * math.log10(1 / 0.01), rel=1e-5)  # mse 0.1^2 on [0,1]
    assert psnr(a, a).item() == pytest.approx(100.0)


def test_ssim_identical_is_one_and_falls_with_noise():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    assert ssim(x, x).min().item() == pytest.approx(1.0, abs=1e-5)
    values = [ssim(x, (x + s * torch.randn_like(x)).clamp(-1, 1)).mean().item() for s in (0.05, 0.2, 0.5)]
    assert values[0] > values[1] > values[2]


def test_color_transfer_matches_target_statistics():
    torch.manual_seed(0)
    content = torch.rand(4, 3, 32, 32) * 0.5 - 0.5
    style = torch.rand(4, 3, 32, 32) * 0.8
    out = color_transfer(content, *ycc_statistics(style))
    mean_out, _ = ycc_statistics(out)
    mean_style, _ = ycc_statistics(style)
    assert torch.allclose(mean_out, mean_style, atol=0.03)


@pytest.mark.parametrize("name", STYLE_OPERATORS.names())
def test_operators_are_deterministic_in_range_and_not_identity(name):
    torch.manual_seed(0)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    op = STYLE_OPERATORS.get(name)
    y = op(x)
    assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1
    assert torch.equal(y, op(x)) and psnr(y, x).mean() < 30

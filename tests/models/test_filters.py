"""The white-box `filters` generator: identity start, filters it can reproduce exactly, search moves."""
import math

import pytest
import torch

from styleforge.metrics import STYLE_OPERATORS
from styleforge.models import GENERATORS
from styleforge.models.generators.filters import kuwahara, piecewise_linear


def _photos(n=2, size=40):
    g = torch.Generator().manual_seed(0)
    smooth = torch.nn.functional.interpolate(torch.rand(n, 3, size // 8, size // 8, generator=g), size=size,
                                             mode="bilinear", align_corners=False)
    return (smooth + 0.1 * torch.rand(n, 3, size, size, generator=g)).clamp(0, 1) * 2 - 1


def _apply(g, *names):
    moves = dict(g.search_moves())
    g.switch_off()
    for name in names:
        moves[name](g)
    return g


def test_an_untrained_generator_is_within_one_percent_of_the_identity():
    x = _photos()
    g = GENERATORS.create("filters")
    assert (g(x) - x).abs().max() < 0.02
    assert (_apply(g)(x) - x).abs().max() < 1e-5  # every amount switched off: the identity


def test_the_kuwahara_move_reproduces_the_oil_paint_operator():
    x = _photos()
    g = _apply(GENERATORS.create("filters"), "kuwahara2=1.0")
    assert (g(x) - STYLE_OPERATORS.get("oil_paint")(x)).abs().max() < 1e-5


def test_box_posterise_and_ink_moves_approach_the_cartoon_operator():
    x = _photos()
    g = _apply(GENERATORS.create("filters"), "box1=1.0", "posterise=4", "ink=0.5")
    with torch.no_grad():
        g.ink_threshold.fill_(0.6)
        g.ink_log_width.fill_(math.log(1e-4))
    truth = STYLE_OPERATORS.get("cartoon")(x)
    assert (g(x) - truth).abs().mean() < 1e-3 < (x - truth).abs().mean()


def test_integral_image_kuwahara_matches_a_direct_loop():
    v = torch.rand(1, 3, 9, 11, generator=torch.Generator().manual_seed(1))
    out, r = kuwahara(v, 1), 1
    grey = 0.299 * v[:, 0] + 0.587 * v[:, 1] + 0.114 * v[:, 2]
    padded_v = torch.nn.functional.pad(v, (r,) * 4, mode="replicate")[0]
    padded_g = torch.nn.functional.pad(grey[None], (r,) * 4, mode="replicate")[0, 0]
    i, j = 4, 6
    best = None
    for dy in (0, r):
        for dx in (0, r):
            window = padded_g[i + dy:i + dy + r + 1, j + dx:j + dx + r + 1]
            var = window.var(unbiased=False)
            if best is None or var < best[0]:
                best = (var, padded_v[:, i + dy:i + dy + r + 1, j + dx:j + dx + r + 1].mean((1, 2)))
    assert torch.allclose(out[0, :, i, j], best[1], atol=1e-6)


def test_piecewise_linear_interpolates_between_knots():
    values = torch.tensor([0.0, 1.0, -1.0])
    u = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0, 1.5]).view(1, 1, 1, -1)
    assert torch.allclose(piecewise_linear(u, values).flatten(), torch.tensor([0.0, 0.5, 1.0, 0.0, -1.0, -1.0]))


def test_tiles_equal_one_pass_away_from_the_border():
    x = _photos(1, 48)
    g = _apply(GENERATORS.create("filters"), "kuwahara3=1.0", "ink=0.5")
    whole = g(x)
    assert torch.allclose(g(x[..., :, :28])[..., 4:24], whole[..., :, 4:24], atol=1e-6)  # 7x7 receptive field


def test_the_generator_refuses_non_rgb_images():
    with pytest.raises(ValueError, match="RGB"):
        GENERATORS.create("filters", channels=1)


def test_the_colour_stages_alone_fit_the_film_grade():
    """A film grade is a colour map: fitted (paired, by Adam on colour_parameters) it passes 40 dB PSNR,
    and the structural amounts stay switched off."""
    g = GENERATORS.create("filters")
    g.switch_off()
    structure = [p.clone() for p in (g.smoothing, g.posterise, g.ink_strength)]
    x = _photos(4, 32)
    target = STYLE_OPERATORS.get("film_grade")(x)
    optimizer = torch.optim.Adam(g.colour_parameters(), lr=0.01)
    for _ in range(300):
        optimizer.zero_grad()
        loss = (g(x) - target).pow(2).mean()
        loss.backward()
        optimizer.step()
    psnr = 10 * math.log10(4 / (g(x) - target).pow(2).mean().item())  # images in [-1, 1]
    assert psnr > 40, psnr
    assert all(torch.equal(a, b) for a, b in zip(structure, (g.smoothing, g.posterise, g.ink_strength)))


@pytest.mark.parametrize("names", [(), ("kuwahara2=0.5",), ("posterise=4+box1", "ink=0.5"),
                                   ("kuwahara3=1.0", "box2=0.5", "posterise=6", "ink=1.0")])
def test_the_inference_path_matches_the_full_chain_within_one_level(names):
    """Without gradients the generator computes only the stages in use and looks the tone curves up; the
    output must stay within 1/255 of the full, differentiable chain (and equal it almost everywhere)."""
    torch.manual_seed(0)
    g = _apply(GENERATORS.create("filters"), *names)
    with torch.no_grad():
        g.curves.normal_(0, 0.1)
        g.tints.normal_(0, 0.05)
        g.matrix.add_(0.05 * torch.randn(3, 3))
    x = _photos(2, 64)
    with torch.no_grad():
        fast = g(x)
    full = g.render(g.prepare(x), fast=False).detach()
    diff = (fast - full).abs() * 127.5  # in 0..255 levels
    assert diff.max() <= 1.0 and (diff > 1e-3).float().mean() < 1e-3, (diff.max(), (diff > 1e-3).float().mean())


def test_piecewise_lookup_equals_the_hat_sum():
    from styleforge.models.generators.filters import piecewise_linear_lookup

    u = torch.linspace(-0.2, 1.2, 1001).view(1, 1, 1, -1)
    values = torch.randn(9)
    assert torch.allclose(piecewise_linear_lookup(u, values), piecewise_linear(u, values), atol=1e-6)


def test_the_chain_says_what_it_learned_in_words():
    g = _apply(GENERATORS.create("filters"), "kuwahara2=0.5", "posterise=4+box1", "ink=0.5")
    text = g.describe()
    for part in ("Kuwahara r2 x0.50", "3x3 box blur x1.00", "posterise 4 levels", "ink outlines (strength 1.00, "
                 "edge threshold 0.50)"):
        assert part in text, text
    assert "colour grade" not in text and "posterise 5" not in text
    with torch.no_grad():
        g.offset.fill_(0.1)
    assert "colour grade (offset up to 0.10)" in g.describe()
    assert _apply(GENERATORS.create("filters")).describe() == "nothing beyond the identity"

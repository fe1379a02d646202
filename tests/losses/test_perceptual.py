"""The feature-statistics losses: values on known inputs, invariances, gradients."""
from __future__ import annotations

import torch

from styleforge.losses.perceptual import (content_distance, gram_distance, gram_matrix, mean_std, mean_std_distance,
                                          random_directions, resample_sorted, sliced_wasserstein_distance,
                                          sorted_projections)


def _feats(seed: int, n=2, c=8, h=6, w=5) -> torch.Tensor:
    return torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(seed))


def test_content_distance_is_the_mean_squared_difference_and_normalises_channels():
    a, b = _feats(0), _feats(1)
    assert torch.isclose(content_distance(a, b), ((a - b) ** 2).mean())
    assert content_distance(a, a) == 0
    assert content_distance(a, 3.0 * a, normalize=True) < 1e-10 < content_distance(a, 3.0 * a)
    assert content_distance(a, -a, normalize=True) > 3.9  # opposite unit vectors: |u - (-u)|^2 = 4


def test_gram_matrix_by_hand_and_gram_distance_ignores_positions():
    f = torch.tensor([[[[1.0, 2.0]], [[0.0, 3.0]]]])  # (1, 2, 1, 2)
    assert torch.allclose(gram_matrix(f), torch.tensor([[[5.0, 6.0], [6.0, 9.0]]]) / 4)
    a = _feats(2)
    shuffled = a.flatten(2)[..., torch.randperm(30, generator=torch.Generator().manual_seed(0))].view_as(a)
    assert gram_distance(shuffled, gram_matrix(a)) < 1e-10  # a texture statistic: where things are does not count
    assert gram_distance(2 * a, gram_matrix(a)) > 0.1


def test_mean_std_distance():
    a = _feats(3)
    mean, std = mean_std(a)
    assert mean.shape == std.shape == (2, 8)
    assert mean_std_distance(a, mean, std) < 1e-10
    assert torch.isclose(mean_std_distance(a + 1.5, mean, std), torch.tensor(2.25), atol=1e-4)


def test_sliced_wasserstein_matches_distributions_not_only_moments():
    g = torch.Generator().manual_seed(0)
    dirs = random_directions(8, 32, g)
    gauss = torch.randn(1, 8, 40, 40, generator=g)
    # same per-channel mean, std and (diagonal) Gram, different distribution: +-1 with random signs
    signs = torch.randint(0, 2, (1, 8, 40, 40), generator=g).float() * 2 - 1
    target = sorted_projections(torch.randn(1, 8, 60, 60, generator=g), dirs)
    assert sliced_wasserstein_distance(gauss, target, dirs) < 0.5 * sliced_wasserstein_distance(signs, target, dirs)
    m, s = mean_std(signs)
    assert (m.abs() < 0.1).all() and ((s - 1).abs() < 0.1).all()


def test_sorted_projection_resampling_and_gradient():
    values = torch.linspace(0, 1, 11)[:, None].expand(-1, 3)
    assert torch.allclose(resample_sorted(values, 21)[:, 0], torch.linspace(0, 1, 21), atol=1e-6)
    dirs = random_directions(8, 16, torch.Generator().manual_seed(1))
    x = _feats(4).requires_grad_(True)
    loss = sliced_wasserstein_distance(x, sorted_projections(_feats(5) * 2, dirs), dirs)
    loss.backward()
    assert x.grad.abs().sum() > 0
    # one small step along the negative gradient lowers the distance
    with torch.no_grad():
        after = sliced_wasserstein_distance(x - 0.5 * x.grad, sorted_projections(_feats(5) * 2, dirs), dirs)
    assert after < loss


def test_losses_run_in_float32_under_bf16_inputs():
    a = _feats(6).bfloat16()
    assert gram_matrix(a).dtype == torch.float32
    assert content_distance(a, a * 0).dtype == torch.float32


def test_sorted_projections_stay_float32_under_bf16_autocast():
    """Under the trainer's bf16 autocast a matmul would round every projection to 3 significant digits; the
    sliced distances compare sorted projections of close distributions, so they are taken in float32."""
    f, dirs = _feats(7, c=64, h=16, w=16), random_directions(64, 8, torch.Generator().manual_seed(2))
    exact = sorted_projections(f, dirs)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under = sorted_projections(f, dirs)
    assert under.dtype == torch.float32 and torch.allclose(under, exact, atol=1e-5)

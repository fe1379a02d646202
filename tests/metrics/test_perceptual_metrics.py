"""Metrics on the pretrained networks: FD-Lite / KID-Lite, the LPIPS-like distance, the Gram distance,
and the registry that every evaluator loops over."""
from __future__ import annotations

import pytest
import torch

from conftest import require_data
from styleforge.metrics import METRICS
from styleforge.metrics.evaluate import DEFAULT_METRICS, compute_metrics, load_square
from styleforge.metrics.perceptual import fd_lite, gram_style_distance, lite_features, lpips_like
from styleforge.metrics.registry import describe_key


@pytest.fixture(scope="module")
def sets():
    """Monet paintings (training and held-out sides of the 20% split) and landscape photos, at 128 px."""
    monet = require_data("gan_getting_started/monet_jpg")
    photos = require_data("gan_getting_started/photo_jpg")
    train, _, _ = load_square(monet, 128, 0.2, holdout=False, limit=54)
    held, _, _ = load_square(monet, 128, 0.2, holdout=True, limit=54)
    photo, _, _ = load_square(photos, 128, 0.1, limit=108)
    return {"monet": train, "monet_heldout": held, "photos": photo[:54], "photos_b": photo[54:]}


@pytest.fixture(scope="module")
def features(sets):
    return {name: lite_features(images) for name, images in sets.items()}


def test_fd_lite_ranks_paintings_and_grows_with_a_perturbation(sets, features):
    """Measured at 128 px, 54 images per set: Monet vs held-out Monet 57, photos vs held-out Monet 175,
    two sets of photos 85; noise of std 0.05 / 0.1 / 0.2 on the photos: 167 / 233 / 362. (The floor of
    two sets of one distribution is not 0 with 54 images: finite-sample bias of 112-d covariances.)"""
    from styleforge.metrics.frechet import fid_from_features as fd

    f = features
    assert f["photos"].shape == (54, 112)
    assert abs(fd(f["photos"], f["photos"])) < 1e-3
    painter, photos = fd(f["monet"], f["monet_heldout"]), fd(f["photos"], f["monet_heldout"])
    assert painter < 0.5 * photos and fd(f["photos"], f["photos_b"]) < 0.75 * photos
    noise = torch.randn(sets["photos"].shape, generator=torch.Generator().manual_seed(0))
    values = [fd(lite_features((sets["photos"] + s * noise).clamp(-1, 1)), f["photos_b"]) for s in (0.05, 0.1, 0.2)]
    values = [fd(f["photos"], f["photos_b"])] + values
    assert values == sorted(values) and values[-1] > values[0] + 20, values
    assert fd_lite(sets["monet"], sets["monet_heldout"]) == pytest.approx(painter)


def test_kid_lite_is_near_zero_for_one_distribution(features):
    """KID is unbiased: measured -0.24 (x1000) for two sets of photos, 12.9 for photos vs Monet."""
    from styleforge.metrics.frechet import kid_from_features

    same, _ = kid_from_features(features["photos"], features["photos_b"])
    far, _ = kid_from_features(features["photos"], features["monet_heldout"])
    assert abs(same) < 0.2 * far, (same, far)


def test_lpips_like_is_zero_for_the_image_and_grows_with_damage(sets):
    x = sets["photos"][:8]
    g = torch.Generator().manual_seed(1)
    light = (x + 0.05 * torch.randn(x.shape, generator=g)).clamp(-1, 1)
    heavy = (x + 0.3 * torch.randn(x.shape, generator=g)).clamp(-1, 1)
    d0, d1, d2, other = (lpips_like(x, y).mean().item() for y in (x, light, heavy, sets["photos_b"][:8]))
    assert d0 < 1e-6 < d1 < d2 < other


def test_gram_distance_tells_painters_from_photos(sets):
    monet, held, photos = sets["monet"][:24], sets["monet_heldout"][:24], sets["photos"][:24]
    assert gram_style_distance(monet, monet) < 1e-6
    assert gram_style_distance(monet, held) < 0.5 * gram_style_distance(photos, held)


def test_every_registered_metric_has_one_signature_and_a_description():
    x = torch.rand(8, 3, 32, 32) * 2 - 1
    y = torch.rand(8, 3, 32, 32) * 2 - 1
    out = compute_metrics(x, y, x, tuple(n for n in DEFAULT_METRICS if n != "c2st"))
    for key, value in out.items():
        assert isinstance(value, float), key
        description, better = describe_key(key)
        assert description and better in ("lower", "higher"), key
    assert describe_key("c2st_n")[0].startswith("held-out images")  # the count, not the accuracy's text
    assert {"fid", "kid", "fd_lite", "kid_lite", "lpips", "gram", "swd", "ssim"} <= set(METRICS.names())

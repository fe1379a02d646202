"""SWD, C2ST, FID/KID estimators, edge similarity: known answers and monotonicity."""
import numpy as np
import pytest
import scipy.linalg
import torch

from styleforge.errors import DataSourceMissing
from styleforge.metrics.c2st import c2st
from styleforge.metrics.frechet import INCEPTION_FILE, fid_from_features, inception_weights, kid_from_features
from styleforge.metrics.structure import color_distance, edge_similarity
from styleforge.metrics.swd import swd


def _textures(n, seed, freq=4.0):
    """Smooth random colour textures (N, 3, 32, 32) in [-1, 1]."""
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(n, 3, 4, 4, generator=g) * 2 - 1
    x = torch.nn.functional.interpolate(low, size=(32, 32), mode="bicubic", align_corners=False)
    yy = torch.linspace(0, freq * np.pi, 32)
    return (x * 0.6 + 0.3 * torch.sin(yy)[None, None, :, None]).clamp(-1, 1)


def test_swd_is_small_for_one_distribution_and_grows_with_a_perturbation():
    a, b = _textures(64, 1), _textures(64, 2)
    same = swd(a, b)["swd"]
    g = torch.Generator().manual_seed(3)
    noisy = [swd(a, (b + s * torch.randn(b.shape, generator=g)).clamp(-1, 1))["swd"] for s in (0.05, 0.2, 0.5)]
    assert same < noisy[0] < noisy[1] < noisy[2]
    assert swd(a, a)["swd"] < same


def test_c2st_is_chance_on_one_set_and_perfect_on_different_sets():
    a, b = _textures(120, 4), _textures(120, 5)
    assert abs(c2st(a, b, size=32, epochs=15)["c2st"] - 0.5) < 0.15
    different = _textures(120, 6, freq=16.0).flip(1)
    assert c2st(a, different, size=32, epochs=15)["c2st"] > 0.9


def _reference_fid(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean)


def test_fid_matches_a_scipy_reference():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 16))
    b = rng.normal(size=(300, 16)) @ rng.normal(size=(16, 16)) * 0.5 + 0.3
    assert fid_from_features(a, b) == pytest.approx(_reference_fid(a, b), rel=1e-6)
    assert abs(fid_from_features(a, a)) < 1e-6


def test_fid_with_fewer_samples_than_dimensions_matches_the_reference():
    """The low-rank path (Na, Nb < D) against scipy's sqrtm of the full (D, D) product."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=(40, 256))
    b = rng.normal(size=(30, 256)) * 0.7 + 0.2 + a[:30] * 0.3
    assert fid_from_features(a, b) == pytest.approx(_reference_fid(a, b), rel=1e-6)
    assert abs(fid_from_features(a, a)) < 1e-6


def _reference_kid(x, y):
    m, d = len(x), x.shape[1]
    k = lambda u, v: (u @ v / d + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kid_matches_a_direct_computation_and_grows_with_a_shift():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 8)), rng.normal(size=(30, 8))
    mean, _ = kid_from_features(a, b, subsets=1, subset_size=30)
    assert mean == pytest.approx(_reference_kid(a, b), rel=1e-9)
    kids = [kid_from_features(a, b + s, subsets=5, subset_size=30)[0] for s in (0.0, 0.5, 1.0)]
    assert kids[0] < kids[1] < kids[2]


def test_missing_inception_weights_name_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv("STYLEFORGE_INCEPTION", raising=False)
    with pytest.raises(DataSourceMissing, match=INCEPTION_FILE):
        inception_weights()
    with pytest.raises(DataSourceMissing, match="does not exist"):
        inception_weights(tmp_path / "nope.pth")


def test_edge_similarity_and_colour_distance():
    a = _textures(4, 7)
    assert torch.allclose(edge_similarity(a, a), torch.ones(4), atol=1e-5)
    noisy = a + 0.3 * torch.randn(a.shape, generator=torch.Generator().manual_seed(0))
    assert (edge_similarity(a, noisy) < 0.9).all()
    assert color_distance(a, a) < 1e-6 < color_distance(a, (a + 0.3).clamp(-1, 1))


def test_fid_inception_has_the_published_layout():
    from styleforge.metrics.inception import FIDInception

    net = FIDInception()
    shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert sum(p.numel() for p in net.parameters()) == 23_850_960  # torchvision Inception-v3 minus aux, 1008 logits
    assert shapes["Conv2d_1a_3x3.conv.weight"] == (32, 3, 3, 3)
    assert shapes["Mixed_6e.branch7x7dbl_5.conv.weight"] == (192, 192, 1, 7)
    assert shapes["Mixed_7c.branch3x3dbl_3b.conv.weight"] == (384, 384, 3, 1)
    assert shapes["Mixed_7c.branch_pool.conv.weight"] == (192, 2048, 1, 1)
    assert shapes["fc.weight"] == (1008, 2048)
    assert not any(k.startswith("AuxLogits") for k in shapes)
    assert all(m.eps == 1e-3 for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d))


def test_fid_inception_loads_a_weights_file_strictly_and_scores(tmp_path, monkeypatch):
    from styleforge.errors import ModelFileError
    from styleforge.metrics.frechet import fid
    from styleforge.metrics.inception import FIDInception

    torch.manual_seed(0)
    path = tmp_path / INCEPTION_FILE
    torch.save(FIDInception().state_dict(), path)
    monkeypatch.setenv("STYLEFORGE_INCEPTION", str(path))
    net = FIDInception.from_weights()
    a = _textures(4, 0)  # Inception at 299 px costs ~0.5 s an image on one CPU thread
    assert net(a).shape == (4, 2048)
    assert fid(a, a, net)["fid"] == pytest.approx(0.0, abs=1e-3)
    broken = tmp_path / "broken.pth"
    torch.save({"fc.weight": torch.zeros(3)}, broken)
    with pytest.raises(ModelFileError, match="not the FID Inception weights"):
        FIDInception.from_weights(broken)

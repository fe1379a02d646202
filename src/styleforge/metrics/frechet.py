"""FID and KID on features of any extractor (the standard one: the FID Inception network).

- Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017):
  FD = |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2), computed with symmetric
  eigendecompositions (no complex square roots).
- Kernel inception distance (Bińkowski et al. 2018): unbiased MMD^2 with the cubic polynomial kernel
  k(x, y) = (x.y / d + 1)^3, averaged over `subsets` random subsets of `subset_size` features.

The standard extractor needs the weights file that the common FID tools use; no such file ships here
and nothing is downloaded at run time: `inception_weights()` names the file and how to supply it.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..errors import DataSourceMissing
from .registry import register_metric

INCEPTION_FILE = "pt_inception-2015-12-05-6726825d.pth"
INCEPTION_ENV = "STYLEFORGE_INCEPTION"


def inception_weights(path: str | os.PathLike | None = None) -> Path:
    """The FID Inception weights file from `path` or $STYLEFORGE_INCEPTION, or a clear error."""
    candidate = path or os.environ.get(INCEPTION_ENV)
    if candidate and Path(candidate).is_file():
        return Path(candidate)
    where = f"'{candidate}' does not exist; " if candidate else ""
    raise DataSourceMissing(
        f"FID/KID need the Inception weights file {INCEPTION_FILE}: {where}download it on a machine with a "
        f"network (it is the file the pytorch-fid project publishes) and pass --inception PATH or set "
        f"{INCEPTION_ENV}=PATH; or choose metrics that need no pretrained network (swd, c2st, ssim, color)")


def _sqrt_psd(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu_a: np.ndarray, cov_a: np.ndarray, mu_b: np.ndarray, cov_b: np.ndarray) -> float:
    root_a = _sqrt_psd(cov_a)
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_sqrt = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) -> (mean (D,), covariance (D, D)) with the unbiased (N - 1) estimator."""
    f = np.asarray(features, dtype=np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


def fid_from_features(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance of Gaussians fitted to features a (Na, D) and b (Nb, D). With fewer samples than
    dimensions (the usual case at 2048-d), exactly the same figure from the (Na, Nb) cross product (_low_rank_frechet)."""
    if min(len(a), len(b)) < np.shape(a)[1]:
        return _low_rank_frechet(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    return frechet_distance(*feature_statistics(a), *feature_statistics(b))


def _low_rank_frechet(a: np.ndarray, b: np.ndarray) -> float:
    """With centred X = (a - mu_a) / sqrt(Na - 1), Y likewise, cov_a = X^T X and cov_b = Y^T Y, so
    tr sqrt(cov_a cov_b) is the sum of the singular values of X Y^T (Na, Nb): no (D, D) matrix is formed
    (at D = 2048 and tens of images, ~100x faster than the two eigendecompositions)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    x, y = (a - mu_a) / np.sqrt(len(a) - 1), (b - mu_b) / np.sqrt(len(b) - 1)
    trace_sqrt = np.linalg.svd(x @ y.T, compute_uv=False).sum()
    return float(((mu_a - mu_b) ** 2).sum() + (x * x).sum() + (y * y).sum() - 2 * trace_sqrt)


def kid_from_features(a: np.ndarray, b: np.ndarray, subsets: int = 100, subset_size: int = 1000,
                      seed: int = 0) -> tuple[float, float]:
    """(N, D), (M, D) -> (mean, std) of the unbiased MMD^2 over random subsets."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    rng = np.random.default_rng(seed)
    m = min(len(a), len(b), subset_size)
    d = a.shape[1]
    values = []
    for _ in range(subsets):
        x, y = a[rng.choice(len(a), m, replace=False)], b[rng.choice(len(b), m, replace=False)]
        kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
        mmd = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.mean()
        values.append(mmd)
    return float(np.mean(values)), float(np.std(values))


FeatureFn = Callable[[torch.Tensor], torch.Tensor]


@torch.no_grad()
def extract(features: FeatureFn, images: torch.Tensor, batch_size: int = 50) -> np.ndarray:
    """images (N, C, H, W) in [-1, 1] -> (N, D) features from any extractor."""
    return torch.cat([features(chunk).flatten(1).double().cpu() for chunk in images.split(batch_size)]).numpy()


def fid(images_a: torch.Tensor, images_b: torch.Tensor, features: FeatureFn) -> dict[str, float]:
    return {"fid": fid_from_features(extract(features, images_a), extract(features, images_b))}


def kid(images_a: torch.Tensor, images_b: torch.Tensor, features: FeatureFn, subsets: int = 100,
        subset_size: int = 1000) -> dict[str, float]:
    mean, std = kid_from_features(extract(features, images_a), extract(features, images_b), subsets, subset_size)
    return {"kid": mean, "kid_std": std}


@functools.lru_cache(maxsize=2)
def _inception(path: str | None):
    from .inception import FIDInception
    return FIDInception.from_weights(path)  # names the weights file when it is absent


@register_metric("fid", "Fréchet distance of Inception features to the style set (FID; lower = closer)")
def _fid_metric(outputs, photos, style):
    return fid(outputs, style, _inception(os.environ.get(INCEPTION_ENV)))


@register_metric("kid", "kernel distance of Inception features to the style set (KID; lower = closer)",
                 notes={"kid_std": "spread of KID over random subsets"})
def _kid_metric(outputs, photos, style):
    return kid(outputs, style, _inception(os.environ.get(INCEPTION_ENV)))

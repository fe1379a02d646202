"""Sorting a matrix's columns or rows fast on a CPU, with gradients.

torch.sort on a CPU is 4-20x slower than NumPy's vectorised sorts (measured on an AMD EPYC Zen 3, one
thread: a (65536, 64) float32 column sort 0.64 s with torch, 0.15 s with np.argsort, 0.03 s with np.sort).
The sliced Wasserstein losses and metric and the filter recipe's quantile functions sort every projection
or response, so that sort was most of their cost. On other devices torch.sort is used.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

_PARALLEL_FROM = 1 << 16  # elements; below this a thread pool costs more than it saves


def sort_values(x: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """x (N, D) -> the values sorted ascending along `dim` (0: every column, 1 or -1: every row), (N, D).
    Differentiable: the gradient flows to the elements that landed at each place (as torch.sort's does)."""
    if x.device.type != "cpu" or x.dim() != 2 or x.dtype not in (torch.float32, torch.float64):
        return x.sort(dim).values
    rows_first = dim in (1, -1)
    lines = (x if rows_first else x.T).contiguous()  # (lines, length): NumPy sorts contiguous rows fastest
    if x.requires_grad and torch.is_grad_enabled():
        # gathering contiguous rows: ~3x faster than along dim 0
        out = lines.gather(1, torch.from_numpy(_argsort_rows(lines.detach().numpy())))
    else:
        out = torch.from_numpy(np.sort(lines.detach().numpy(), axis=1))
    return out if rows_first else out.T


def _argsort_rows(rows: np.ndarray) -> np.ndarray:
    """(D, N) -> each row's argsort, the rows split over torch's intra-op threads (NumPy releases the GIL)."""
    threads = min(torch.get_num_threads(), len(rows))
    if threads < 2 or rows.size < _PARALLEL_FROM:
        return np.argsort(rows, axis=1)
    out = np.empty(rows.shape, dtype=np.int64)
    bounds = np.linspace(0, len(rows), threads + 1).astype(int)

    def work(i: int) -> None:
        out[bounds[i]:bounds[i + 1]] = np.argsort(rows[bounds[i]:bounds[i + 1]], axis=1)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(threads)))
    return out

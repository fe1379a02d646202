"""Deterministic batch order: the batch of step s depends only on (seed, s), so resume is exact."""
from __future__ import annotations

import torch


class BatchSampler:
    """An endless stream of seeded permutations of range(n), cut into batches.

    `indices(step)` gives the batch of that step; with `rank`/`world_size` each process takes
    its own slice of a global batch of `batch_size * world_size`.
    """

    def __init__(self, n: int, batch_size: int, seed: int = 0, rank: int = 0, world_size: int = 1):
        if n <= 0:
            raise ValueError("cannot sample from an empty set")
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.rank, self.world_size = rank, world_size
        self._epoch, self._perm = -1, None

    def _permutation(self, epoch: int) -> torch.Tensor:
        if epoch != self._epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._epoch, self._perm = epoch, torch.randperm(self.n, generator=g)
        return self._perm

    def indices(self, step: int) -> list[int]:
        global_batch = self.batch_size * self.world_size
        start = step * global_batch + self.rank * self.batch_size
        out = []
        for pos in range(start, start + self.batch_size):
            epoch, i = divmod(pos, self.n)
            out.append(int(self._permutation(epoch)[i]))
        return out

"""The registry of evaluation metrics: one signature for all of them.

A registered metric scores a model's outputs on held-out photos:
    metric(outputs (N, 3, S, S), photos (N, 3, S, S), style (M, 3, S, S)) -> {key: float}
where outputs[i] is the stylised photos[i] and `style` is the reference style set, all in [-1, 1].
`evaluate.compute_metrics`, the `evaluate` command and the trainer's periodic evaluation all loop over
this registry; the report reads each key's description and which direction is better from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from ..registry import Registry

METRICS = Registry("metric")

MetricFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], dict[str, float]]


@dataclass(frozen=True)
class Metric:
    name: str
    compute: MetricFn
    description: str
    better: str = "lower"  # "lower" or "higher": which direction means closer to the goal
    notes: dict[str, str] = field(default_factory=dict)  # descriptions of keys other than `name`

    def __call__(self, outputs: torch.Tensor, photos: torch.Tensor, style: torch.Tensor) -> dict[str, float]:
        return self.compute(outputs, photos, style)

    def describe(self, key: str) -> str:
        return self.notes.get(key, self.description)


def register_metric(name: str, description: str, better: str = "lower", notes: dict[str, str] | None = None):
    """Decorator: register fn(outputs, photos, style) -> {key: float} as the metric `name`."""
    def decorator(fn: MetricFn) -> MetricFn:
        METRICS.register(name)(Metric(name, fn, description, better, notes or {}))
        return fn
    return decorator


def metric(name: str) -> Metric:
    return METRICS.get(name)


def describe_key(key: str) -> tuple[str, str]:
    """(description, better) of a result key such as 'swd_64' or 'c2st_n', from the metric that made it."""
    for name in sorted(METRICS.names(), key=len, reverse=True):
        if key == name or key.startswith(name + "_"):
            m = METRICS.get(name)
            return m.describe(key), m.better
    return "", "lower"

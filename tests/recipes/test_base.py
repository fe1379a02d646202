"""recipes.base.update: gradients clipped to train.grad_clip (GRAD_CLIP) before the optimiser steps."""
import torch

from styleforge.recipes.base import GRAD_CLIP, update


def _step_size(clip: float) -> float:
    """With SGD at lr 1 a step moves the weights by exactly the (clipped) gradient: return its norm."""
    net = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    before = torch.cat([p.detach().flatten().clone() for p in net.parameters()])
    token = GRAD_CLIP.set(clip)
    try:
        assert update(net(torch.full((2, 4), 100.0)).sum(), opt)
    finally:
        GRAD_CLIP.reset(token)
    return (torch.cat([p.detach().flatten() for p in net.parameters()]) - before).norm().item()


def test_update_clips_the_gradient_norm_only_when_asked():
    unclipped = _step_size(0.0)
    assert unclipped > 100  # d/dw of sum(100 * w) over 2 rows: 200 per weight
    assert abs(_step_size(0.5) - 0.5) < 1e-5
    assert abs(_step_size(1e6) - unclipped) < 1e-3  # a bound above the norm changes nothing

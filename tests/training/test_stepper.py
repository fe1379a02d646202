"""training.stepper.Stepper: gradients clipped to train.grad_clip before the optimiser steps; each update
starts from fresh gradients and frees them once spent; the inner fit touches only its own parameters."""
import torch

from styleforge.training.stepper import Stepper


def _step_size(clip: float) -> float:
    """With SGD at lr 1 a step moves the weights by exactly the (clipped) gradient: return its norm."""
    net = torch.nn.Linear(4, 1)
    step = Stepper({"net": torch.optim.SGD(net.parameters(), lr=1.0)}, grad_clip=clip)
    before = torch.cat([p.detach().flatten().clone() for p in net.parameters()])
    assert step.update("net", net(torch.full((2, 4), 100.0)).sum())
    return (torch.cat([p.detach().flatten() for p in net.parameters()]) - before).norm().item()


def test_update_clips_the_gradient_norm_only_when_asked():
    unclipped = _step_size(0.0)
    assert unclipped > 100  # d/dw of sum(100 * w) over 2 rows: 200 per weight
    assert abs(_step_size(0.5) - 0.5) < 1e-5
    assert abs(_step_size(1e6) - unclipped) < 1e-3  # a bound above the norm changes nothing


def test_update_starts_from_fresh_gradients():
    """A gradient left on the parameters (e.g. by another network's backward) does not leak into the step."""
    net = torch.nn.Linear(2, 1, bias=False)
    step = Stepper({"net": torch.optim.SGD(net.parameters(), lr=1.0)})
    before = net.weight.detach().clone()
    net.weight.grad = torch.full_like(net.weight, 1000.0)
    step.update("net", net(torch.ones(1, 2)).sum())  # d/dw = (1, 1)
    assert torch.allclose(net.weight.detach(), before - 1.0)


def test_update_frees_the_gradients_it_spent():
    """After a step the optimiser's gradients are gone (they would sit in memory beside the next network's
    pass); another optimiser's parameters keep theirs."""
    net, other = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    step = Stepper.adam({"net": (list(net.parameters()), 1e-3), "other": (list(other.parameters()), 1e-3)})
    other(torch.ones(1, 3)).sum().backward()
    assert step.update("net", net(torch.ones(1, 3)).sum())
    assert all(p.grad is None for p in net.parameters())
    assert all(p.grad is not None for p in other.parameters())


def test_fit_moves_only_its_parameters_and_leaves_no_gradient():
    target = torch.tensor([3.0, -2.0])
    x, other = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.ones(2))
    Stepper.fit([x], lambda i: ((x - target) ** 2).sum() + (other * 0).sum(), steps=300, lr=0.1)
    assert torch.allclose(x.detach(), target, atol=0.05)
    assert x.grad is None and other.grad is None and torch.equal(other.detach(), torch.ones(2))

"""The shared classifier-fitting loop learns a separable problem, even when called under no_grad."""
import torch
import torch.nn.functional as F
from torch import nn

from styleforge.metrics.fitting import fit


def test_fit_learns_a_separable_problem_under_no_grad():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 2, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))
    before = (model(x).argmax(1) == y).float().mean().item()
    with torch.no_grad():
        model = fit(model, x, y, F.cross_entropy, epochs=20, batch_size=32, generator=g)
    assert not model.training  # returned in eval mode: dropout off
    after = (model(x).argmax(1) == y).float().mean().item()
    assert after > 0.9 and after > before + 0.2, (before, after)

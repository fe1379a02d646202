import math

import pytest
import torch

from styleforge.errors import UnknownNameError
from styleforge.losses import ADVERSARIAL_LOSSES, get_adversarial_loss

REAL, FAKE = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 0.5])


def _sp(x):  # softplus
    return math.log1p(math.exp(x))


@pytest.mark.parametrize("name, d_expected, g_expected", [
    ("bce", (_sp(-2) + _sp(0)) / 2 + (_sp(-1) + _sp(0.5)) / 2, (_sp(1) + _sp(-0.5)) / 2),
    ("lsgan", 0.5 * (1 + 1) / 2 + 0.5 * (1 + 0.25) / 2, 0.5 * (4 + 0.25) / 2),
    ("hinge", (0 + 1) / 2 + (0 + 1.5) / 2, -(-1 + 0.5) / 2),
])
def test_loss_values(name, d_expected, g_expected):
    loss = get_adversarial_loss(name)
    assert loss.discriminator_loss(REAL, FAKE).item() == pytest.approx(d_expected, rel=1e-6)
    assert loss.generator_loss(FAKE).item() == pytest.approx(g_expected, rel=1e-6)


@pytest.mark.parametrize("name", ADVERSARIAL_LOSSES.names())
def test_discriminator_loss_falls_as_d_separates(name):
    loss = get_adversarial_loss(name)
    weak = loss.discriminator_loss(torch.zeros(8), torch.zeros(8))
    strong = loss.discriminator_loss(torch.full((8,), 0.5), torch.full((8,), -0.5))
    assert strong < weak


def test_bce_generator_loss_is_non_saturating():
    """Where D confidently rejects fakes, the gradient for G stays large (unlike log(1 - D))."""
    d_fake = torch.tensor([-8.0], requires_grad=True)
    get_adversarial_loss("bce").generator_loss(d_fake).backward()
    assert abs(d_fake.grad.item()) > 0.99


def test_unknown_loss_lists_names():
    with pytest.raises(UnknownNameError, match="bce, hinge, lsgan"):
        get_adversarial_loss("wasserstein")

"""The noise-GAN step: the R1 penalty adds gamma/2 E|grad_x D(x)|^2 on the real batch to L_D."""
import copy

import torch

from styleforge import load_config
from styleforge.recipes import build_recipe
from styleforge.training.stepper import Stepper


def _d_loss(gamma):
    config = load_config("mnist", ["model.generator_args={base_channels: 8}", f"loss.r1_gamma={gamma}",
                                   "model.discriminator_args={base_channels: 8, minibatch_std: true}"], recipe="dcgan")
    torch.manual_seed(0)
    recipe = build_recipe(config, 1)
    reference_d = copy.deepcopy(recipe.networks["D"])
    step = Stepper({k: torch.optim.SGD(p, lr=0.0) for k, (p, _) in recipe.optimizer_groups().items()})
    real = torch.rand(8, 1, 28, 28) * 2 - 1
    torch.manual_seed(1)
    return recipe.training_step({"real": real}, step)["loss_D"], reference_d, real


def test_r1_penalty_is_added_to_the_discriminator_loss():
    plain, d, real = _d_loss(0.0)
    penalised, _, _ = _d_loss(4.0)
    x = real.clone().requires_grad_(True)
    grad, = torch.autograd.grad(d(x).sum(), x)
    expected = 4.0 / 2 * grad.pow(2).flatten(1).sum(1).mean().item()
    assert expected > 1e-4
    assert abs((penalised - plain) - expected) < 1e-3 * max(1.0, expected)

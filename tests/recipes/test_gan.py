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


def test_gan_and_dcgan_train_their_papers_network_families():
    """`gan` = fully connected networks, `dcgan` = convolutional ones; an empty model.generator means the
    recipe's own, and naming the other family is refused with the recipe to train instead."""
    import pytest

    from styleforge.errors import ConfigError

    small = ["data.image_size=28", "model.generator_args={}", "model.discriminator_args={}"]
    for recipe, network in (("gan", "mlp"), ("dcgan", "dcgan")):
        built = build_recipe(load_config(None, small + ["model.generator=", "model.discriminator="], recipe=recipe), 1)
        assert built.networks["G"]._registry_name == network == built.networks["D"]._registry_name
    with pytest.raises(ConfigError, match="train dcgan for dcgan"):
        build_recipe(load_config(None, small + ["model.generator=dcgan"], recipe="gan"), 1)
    with pytest.raises(ConfigError, match="train gan for mlp"):
        build_recipe(load_config(None, small + ["model.discriminator=mlp"], recipe="dcgan"), 1)

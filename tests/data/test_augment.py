import pytest
import torch

from styleforge.data.augment import diff_augment
from styleforge.errors import ConfigError


@pytest.mark.parametrize("policy", ["color", "translation", "cutout", "color,translation,cutout"])
def test_shapes_are_kept_and_gradients_flow(policy):
    torch.manual_seed(0)
    x = torch.rand(4, 3, 16, 16, requires_grad=True)
    y = diff_augment(x * 2 - 1, policy)
    assert y.shape == x.shape
    y.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_augmentation_changes_images_and_differs_per_sample():
    torch.manual_seed(0)
    x = torch.rand(1, 3, 16, 16).repeat(8, 1, 1, 1) * 2 - 1
    y = diff_augment(x, "color,translation,cutout")
    assert not torch.equal(y, x)
    assert len({tuple(img.flatten()[:64].tolist()) for img in y}) > 1


def test_translation_moves_content():
    x = torch.zeros(64, 1, 16, 16)
    x[:, :, 8, 8] = 1
    torch.manual_seed(0)
    moved = diff_augment(x, "translation")
    positions = {tuple(torch.nonzero(img[0])[0].tolist()) for img in moved if img.sum() > 0}
    assert len(positions) > 5 and all(abs(r - 8) <= 2 and abs(c - 8) <= 2 for r, c in positions)


def test_cutout_zeroes_a_square_of_half_size():
    torch.manual_seed(0)
    y = diff_augment(torch.ones(4, 3, 16, 16), "cutout")
    zeros = (y[:, 0] == 0).flatten(1).sum(1)
    assert all(0 < z <= 64 for z in zeros.tolist())


def test_unknown_policy():
    with pytest.raises(ConfigError, match="blur"):
        diff_augment(torch.zeros(1, 3, 8, 8), "blur")

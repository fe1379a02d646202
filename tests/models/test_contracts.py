"""Contract tests over every registered network: shape, backward, save/load round-trip."""
import pytest
import torch

from styleforge.models import DISCRIMINATORS, GENERATORS, load_pretrained, save_pretrained

NOISE_GENERATORS = {"dcgan": dict(image_size=32, channels=3, latent_dim=16, base_channels=8),
                    "mlp": dict(image_size=28, channels=1, latent_dim=16, hidden=[32, 64])}
DISCRIMINATOR_CASES = {"dcgan": dict(image_size=32, channels=3, base_channels=8),
                       "mlp": dict(image_size=28, channels=1, hidden=[32])}


def test_every_network_has_a_contract_case():
    assert set(GENERATORS.names()) <= set(NOISE_GENERATORS)
    assert set(DISCRIMINATORS.names()) <= set(DISCRIMINATOR_CASES)


@pytest.mark.parametrize("name", sorted(NOISE_GENERATORS))
def test_generator_contract(name, tmp_path):
    kwargs = NOISE_GENERATORS[name]
    torch.manual_seed(0)
    g = GENERATORS.create(name, **kwargs)
    z = torch.randn(4, kwargs["latent_dim"])
    out = g(z)
    assert out.shape == (4, kwargs["channels"], kwargs["image_size"], kwargs["image_size"])
    assert out.min() >= -1 and out.max() <= 1
    out.mean().backward()
    assert all(p.grad is not None for p in g.parameters())
    g.eval()
    save_pretrained(g, tmp_path, metadata={"task": "noise"})
    loaded, config = load_pretrained(tmp_path)
    assert torch.equal(loaded(z), g(z)) and config["architecture"] == name


@pytest.mark.parametrize("name", sorted(DISCRIMINATOR_CASES))
def test_discriminator_contract(name, tmp_path):
    kwargs = DISCRIMINATOR_CASES[name]
    d = DISCRIMINATORS.create(name, **kwargs)
    x = torch.randn(4, kwargs["channels"], kwargs["image_size"], kwargs["image_size"], requires_grad=True)
    out = d(x)
    assert out.shape[0] == 4
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    save_pretrained(d, tmp_path, kind="discriminator")
    loaded, _ = load_pretrained(tmp_path)
    assert loaded.state_dict().keys() == d.state_dict().keys()


@pytest.mark.parametrize("size, depth", [(28, 2), (32, 3), (64, 4)])
def test_dcgan_sizes(size, depth):
    g = GENERATORS.create("dcgan", image_size=size, channels=1, latent_dim=8, base_channels=8)
    assert g(torch.randn(2, 8)).shape == (2, 1, size, size)
    assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in g.modules()) == depth + 1
    d = DISCRIMINATORS.create("dcgan", image_size=size, channels=1, base_channels=8)
    assert d(torch.randn(2, 1, size, size)).shape == (2,)


def test_dcgan_init_follows_the_paper():
    g = GENERATORS.create("dcgan", image_size=64, channels=3, latent_dim=100, base_channels=64)
    w = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)])
    assert abs(w.mean().item()) < 1e-3 and abs(w.std().item() - 0.02) < 1e-3


def test_dcgan_rejects_unsupported_size():
    with pytest.raises(ValueError, match="power of two"):
        GENERATORS.create("dcgan", image_size=30)

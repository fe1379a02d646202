"""Contract tests over every registered network: shape, backward, save/load round-trip."""
import pytest
import torch

from styleforge.models import DISCRIMINATORS, GENERATORS, load_pretrained, save_pretrained

NOISE_GENERATORS = {"dcgan": dict(image_size=32, channels=3, latent_dim=16, base_channels=8),
                    "mlp": dict(image_size=28, channels=1, latent_dim=16, hidden=[32, 64])}
IMAGE_GENERATORS = {"resnet": dict(channels=3, base_channels=8, blocks=2),
                    "resnet-resize": dict(channels=3, base_channels=8, blocks=2, upsampling="resize"),
                    "light": dict(channels=3, base_channels=8, blocks=1),
                    "light-noise": dict(channels=3, base_channels=8, blocks=1, noise_channels=2),
                    "light-residual": dict(channels=3, base_channels=8, blocks=1, noise_channels=1, output="residual"),
                    "light_multi": dict(channels=3, base_channels=8, blocks=1, styles=2),
                    "unet": dict(channels=3, base_channels=8, depth=3),
                    "filters": dict(channels=3, knots=5, max_levels=4)}
DISCRIMINATOR_CASES = {"dcgan": dict(image_size=32, channels=3, base_channels=8),
                       "mlp": dict(image_size=28, channels=1, hidden=[32]),
                       "patchgan": dict(channels=3, base_channels=8, layers=2),
                       "patchgan_multi": dict(channels=3, base_channels=8, layers=2, styles=3),
                       "multiscale": dict(channels=3, base_channels=8, layers=2, scales=2, spectral_norm=True),
                       "projected": dict(channels=3, width=8, mix_channels=8)}


def test_every_network_has_a_contract_case():
    assert set(GENERATORS.names()) <= set(NOISE_GENERATORS) | {k.split("-")[0] for k in IMAGE_GENERATORS}
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
    size = kwargs.get("image_size", 32)
    x = torch.randn(4, kwargs["channels"], size, size, requires_grad=True)
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


@pytest.mark.parametrize("case", sorted(IMAGE_GENERATORS))
def test_image_generator_contract(case, tmp_path):
    kwargs = IMAGE_GENERATORS[case]
    g = GENERATORS.create(case.split("-")[0], **kwargs)
    x = torch.rand(2, 3, 32, 40) * 2 - 1
    with torch.no_grad():  # a random head so that every parameter is on the gradient path
        for p in g.parameters():
            p.add_(0.01 * torch.randn_like(p))
    out = g(x)
    assert out.shape == x.shape
    out.mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in g.parameters())
    if hasattr(g, "features"):  # encoders for PatchNCE (the white-box `filters` generator has none)
        feats = g.features(x, g.nce_layers)
        assert len(feats) == len(g.nce_layers) and all(f.shape[0] == 2 for f in feats)
    g.eval()
    with torch.no_grad():
        served = g(x)
    assert served.min() >= -1 and served.max() <= 1  # what a user gets (residual may leak a little in training)
    save_pretrained(g, tmp_path, metadata={"task": "image"})
    loaded, _ = load_pretrained(tmp_path)
    assert torch.equal(loaded(x), g(x))


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_reference_architectures_have_the_reference_parameter_counts():
    assert _count(GENERATORS.create("resnet", base_channels=64, blocks=9)) == 11_378_179
    assert _count(GENERATORS.create("resnet", base_channels=64, blocks=9, upsampling="resize")) == 11_378_179
    d = DISCRIMINATORS.create("patchgan", base_channels=64, layers=3)
    assert _count(d) == 2_764_737
    assert d(torch.zeros(1, 3, 256, 256)).shape == (1, 1, 30, 30)  # 70x70 patches on a 256 image


def test_resize_upsampling_has_no_transposed_convs():
    g = GENERATORS.create("resnet", base_channels=8, blocks=1, upsampling="resize")
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in g.modules())


def test_multiscale_sees_every_scale():
    d = DISCRIMINATORS.create("multiscale", base_channels=8, layers=2, scales=3)
    assert d(torch.zeros(2, 3, 64, 64)).shape[0] == 2 and len(d.heads) == 3


def test_resnet_feature_layers_follow_the_reference_ids():
    g = GENERATORS.create("resnet", base_channels=8, blocks=2)
    assert [f.shape[1] for f in g.features(torch.zeros(1, 3, 32, 32), [0, 4, 8])] == [3, 16, 32]


def test_light_generator_starts_as_the_identity():
    g = GENERATORS.create("light", base_channels=8, blocks=1)
    x = torch.rand(2, 3, 32, 32) * 1.8 - 0.9
    assert (g(x) - x).abs().max() < 2e-3


@pytest.mark.parametrize("ids", [[0, 2, 4, 5], [1], [3], [0, 3]])
def test_light_generator_single_pass_matches_forward_and_features(ids):
    """forward_features (distillation's one pass) = (forward, features), also where the deepest id is a conv
    output that the next in-place activation overwrites in a full pass (ids 1, 3)."""
    torch.manual_seed(0)
    g = GENERATORS.create("light", base_channels=8, blocks=1)
    for p in g.parameters():  # leave the identity start: the head's zero init hides a wrong output
        p.data.normal_(0, 0.1)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    out, feats = g.forward_features(x, ids)
    assert torch.allclose(out, g(x), atol=1e-6)
    for f, expected in zip(feats, g.features(x, ids), strict=True):
        assert torch.allclose(f, expected, atol=1e-6)


def test_unet_reference_depth_has_skip_connections_at_every_scale():
    g = GENERATORS.create("unet", base_channels=8, depth=4)
    assert g.size_multiple == 16
    assert [f.shape[-1] for f in g.features(torch.zeros(1, 3, 64, 64), [0, 1, 2, 3])] == [32, 16, 8, 4]
    assert g(torch.zeros(1, 3, 64, 64)).shape == (1, 3, 64, 64)


def test_dcgan_discriminator_options():
    d = DISCRIMINATORS.create("dcgan", image_size=28, channels=1, base_channels=8, norm="none", spectral_norm=True)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())
    assert all(hasattr(m, "weight_orig") for m in d.modules() if isinstance(m, torch.nn.Conv2d))
    assert d(torch.randn(3, 1, 28, 28)).shape == (3,)
    with pytest.raises(ValueError, match="norm"):
        DISCRIMINATORS.create("dcgan", image_size=28, norm="instance")
    d = DISCRIMINATORS.create("dcgan", image_size=28, channels=1, base_channels=8, minibatch_std=True)
    assert d.head.in_channels == 16 + 1 and d(torch.randn(4, 1, 28, 28)).shape == (4,)


def test_position_noise_lets_tiles_agree():
    """A generator with position noise gives each tile of an image what the whole pass gives there."""
    torch.manual_seed(0)
    g = GENERATORS.create("light", base_channels=8, blocks=1, noise_channels=2).eval()
    with torch.no_grad():
        for p in g.parameters():
            p.add_(0.05 * torch.randn_like(p))
        x = torch.rand(1, 3, 160, 160) * 2 - 1
        whole = g(x)[..., 64:96, 72:104]
        inner = g(x[..., 32:128, 40:136], offset=(32, 40))[..., 32:64, 32:64]  # beyond the receptive field
        assert (inner - whole).abs().max() < 1e-5
        shifted = g(x[..., 32:128, 40:136])[..., 32:64, 32:64]  # the wrong offset: other noise
        assert (shifted - whole).abs().max() > 1e-3


def test_projected_discriminator_keeps_its_backbone_out_of_the_state_and_frozen():
    d = DISCRIMINATORS.create("projected", width=8, mix_channels=8)
    assert not any(k.startswith(("_frozen", "backbone")) for k in d.state_dict())
    assert all(p.requires_grad for p in d.parameters())  # only the heads: the mixing weights are buffers
    assert not any(p.requires_grad for p in d.backbone.parameters())
    assert d(torch.zeros(2, 3, 64, 64)).shape[0] == 2


def test_the_residual_output_keeps_a_gradient_beyond_the_range():
    """output="residual": clamp(x + delta) at inference; while training, values past +-1 keep a small
    slope of gradient, so a generator pushed out of range is pulled back (a saturated tanh would stay stuck)."""
    from styleforge.models.generators.light import leaky_clamp

    y = torch.tensor([-3.0, -0.5, 0.5, 3.0], requires_grad=True)
    out = leaky_clamp(y, training=True)
    assert torch.allclose(out.detach(), torch.tensor([-1.04, -0.5, 0.5, 1.04]))
    out.sum().backward()
    assert torch.allclose(y.grad, torch.tensor([0.02, 1.0, 1.0, 0.02]))
    assert torch.equal(leaky_clamp(y, training=False), torch.tensor([-1.0, -0.5, 0.5, 1.0]))
    g = GENERATORS.create("light", base_channels=8, blocks=1, output="residual").eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    assert torch.equal(g(x), x)  # zero-initialised head: exactly the identity
    with pytest.raises(ValueError, match="residual"):
        GENERATORS.create("light", output="sigmoid")

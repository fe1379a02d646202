import pytest
import torch

from styleforge.errors import ModelFileError, StyleforgeError
from styleforge.inference import Stylizer
from styleforge.nn.color import rgb_to_ycc
from styleforge.models import GENERATORS, save_pretrained


@pytest.fixture
def stylizer():
    torch.manual_seed(0)
    return Stylizer(GENERATORS.create("resnet", base_channels=8, blocks=1))


def test_any_size_is_kept(stylizer):
    for h, w in [(37, 53), (64, 64), (5, 7)]:
        assert stylizer(torch.zeros(1, 3, h, w)).shape == (1, 3, h, w)


def test_strength_blends_linearly(stylizer):
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    full, none, half = stylizer(x, 1.0), stylizer(x, 0.0), stylizer(x, 0.5)
    assert torch.allclose(none, x)
    assert torch.allclose(half, (x + full) / 2, atol=1e-5)
    with pytest.raises(StyleforgeError, match="strength"):
        stylizer(x, 1.5)


def test_preserve_color_keeps_the_photos_chroma(stylizer):
    x = torch.rand(1, 3, 16, 16) * 1.6 - 0.8
    out = stylizer(x, keep_color=True)
    plain = stylizer(x)
    in_gamut = (out.abs() < 0.999).all(1, keepdim=True)  # clamping moves out-of-gamut pixels only
    assert in_gamut.float().mean() > 0.8
    chroma_error = (rgb_to_ycc(out)[:, 1:] - rgb_to_ycc(x)[:, 1:]).abs() * in_gamut
    luma_error = (rgb_to_ycc(out)[:, :1] - rgb_to_ycc(plain)[:, :1]).abs() * in_gamut
    assert chroma_error.max() < 1e-4 and luma_error.max() < 1e-4


def test_noise_model_is_refused(tmp_path):
    g = GENERATORS.create("dcgan", image_size=32, latent_dim=4, base_channels=4)
    save_pretrained(g, tmp_path, metadata={"task": "noise", "latent_dim": 4})
    with pytest.raises(ModelFileError, match="not an image-to-image"):
        Stylizer.from_pretrained(tmp_path)


@pytest.mark.parametrize("name, kwargs", [("light", {"base_channels": 4, "blocks": 1}),
                                          ("resnet", {"base_channels": 4, "blocks": 1})], ids=["light", "resnet"])
def test_loaded_stylizer_picks_the_memory_layout_and_keeps_the_numbers(tmp_path, name, kwargs):
    torch.manual_seed(0)
    g = GENERATORS.create(name, **kwargs).eval()
    for p in g.parameters():  # the light generator's head starts at zero: make the output depend on every layer
        p.data.normal_(0, 0.2)
    save_pretrained(g, tmp_path, metadata={"task": "image"})
    loaded = Stylizer.from_pretrained(tmp_path)
    assert loaded.memory_format == (torch.channels_last if name == "light" else torch.contiguous_format)
    x = torch.rand(2, 3, 30, 42) * 2 - 1
    out = loaded(x)
    with torch.no_grad():
        expected = Stylizer(g)(x)
    assert out.is_contiguous() and torch.allclose(out, expected, atol=1e-5)


def test_bf16_stylising_stays_within_one_level_of_fp32():
    """The bundled styles' light generators under bf16 autocast (what --precision auto picks on a CPU with
    bf16 units): every output pixel within 1/255 of fp32."""
    import numpy as np
    import torch

    from styleforge.inference import Stylizer, bundled_styles
    from styleforge.precision import cpu_has_bf16, resolve_inference_amp

    rng = np.random.default_rng(0)
    low = torch.from_numpy(rng.random((1, 3, 10, 10))).float()
    photo = (torch.nn.functional.interpolate(low, size=(160, 200), mode="bicubic")[0].clamp(0, 1)
             .permute(1, 2, 0).numpy() * 255).astype(np.uint8)
    for name in ("monet", "vangogh"):
        fp32 = Stylizer.from_pretrained(bundled_styles()[name]).stylize_array(photo)
        bf16 = Stylizer.from_pretrained(bundled_styles()[name], amp="bf16")
        assert bf16.autocast
        diff = np.abs(fp32.astype(int) - bf16.stylize_array(photo))
        assert diff.max() <= 1 and diff.mean() < 0.1, (name, diff.max(), diff.mean())
    assert resolve_inference_amp("auto", torch.device("cpu")) == ("bf16" if cpu_has_bf16() else "off")

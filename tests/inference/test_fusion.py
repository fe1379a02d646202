"""Fusion of several style models: weighted blend of outputs; endpoints equal the pure styles."""
import numpy as np
import pytest
import torch
from PIL import Image

from styleforge.cli import main
from styleforge.errors import StyleforgeError
from styleforge.inference import Stylizer
from styleforge.inference.fusion import FusedStylizer, parse_weighted
from styleforge.models import GENERATORS, save_pretrained


def _stylizer(bias):
    g = GENERATORS.create("light", base_channels=8, blocks=1)
    g.head.bias.data.copy_(torch.tensor(bias))
    return g.eval()


def test_parse_weighted():
    assert parse_weighted("monet=0.7, sketch=0.3") == [("monet", 0.7), ("sketch", 0.3)]
    assert parse_weighted("monet") == [("monet", 1.0)]
    for bad in ("a=x", "a=-1", "a=0"):
        with pytest.raises(StyleforgeError):
            parse_weighted(bad)


def test_a_multi_style_blend_refuses_the_same_weights():
    """style_weights (a multi-style model's --styles) reads its spec through parse_weighted: inf and nan too."""
    from styleforge.inference.styles import style_weights

    for bad in ("red=x", "red=-1", "red=inf", "red=nan", "red=0"):
        with pytest.raises(StyleforgeError):
            style_weights(bad, ["red", "blue"])
    assert style_weights("red=3,blue", ["red", "blue"]).tolist() == [0.75, 0.25]


def test_blend_is_weighted_and_endpoints_are_pure():
    a, b = Stylizer(_stylizer([0.6, 0.0, -0.6])), Stylizer(_stylizer([-0.6, 0.0, 0.6]))
    x = torch.rand(1, 3, 16, 16) * 1.6 - 0.8
    assert torch.allclose(FusedStylizer([a, b], [1, 0])(x), a(x), atol=1e-6)
    assert torch.allclose(FusedStylizer([a, b], [0, 1])(x), b(x), atol=1e-6)
    assert torch.allclose(FusedStylizer([a, b], [3, 1])(x), 0.75 * a(x) + 0.25 * b(x), atol=1e-5)
    # small weight changes give small output changes
    steps = [FusedStylizer([a, b], [1 - t, t])(x) for t in (0.5, 0.51)]
    assert (steps[1] - steps[0]).abs().max() < 0.02


def test_cli_blends_two_models(tmp_path):
    for name, bias in [("warm", [0.6, 0.0, -0.6]), ("cool", [-0.6, 0.0, 0.6])]:
        save_pretrained(_stylizer(bias), tmp_path / name, metadata={"task": "image"})
    photo = np.full((32, 32, 3), 120, np.uint8)
    Image.fromarray(photo).save(tmp_path / "in.png")
    outs = {}
    for spec in ("warm", "warm=0.5,cool=0.5"):
        path = tmp_path / f"{len(outs)}.png"
        models = ",".join(f"{tmp_path / p}" + (f"={w}" if w else "") for p, _, w in (s.partition("=") for s in spec.split(",")))
        assert main(["stylize", "--model", models, "--input", str(tmp_path / "in.png"), "--output", str(path)]) == 0
        outs[spec] = np.asarray(Image.open(path)).astype(int)
    assert outs["warm"][..., 0].mean() - outs["warm"][..., 2].mean() > 40
    assert abs(outs["warm=0.5,cool=0.5"][..., 0].mean() - outs["warm=0.5,cool=0.5"][..., 2].mean()) < 5

"""ONNX export: onnxruntime output matches PyTorch; the stylize command runs the .onnx file."""
import numpy as np
import pytest
import torch
from PIL import Image

from styleforge.cli import main
from styleforge.inference import Stylizer
from styleforge.inference.onnx_stylizer import OnnxStylizer
from styleforge.models import GENERATORS, save_pretrained


def _filters_with_every_stage_on():
    g = GENERATORS.create("filters")
    moves = dict(g.search_moves())
    for name in ("kuwahara2=0.5", "posterise=4+box1", "ink=0.5"):
        moves[name](g)
    return g


# the filters graph (~1,500 ONNX nodes) takes 50-90 s to export on 2 cores: it runs in the slow tier
@pytest.mark.parametrize("make", [pytest.param(lambda: GENERATORS.create("light", base_channels=8, blocks=1), id="light"),
                                  pytest.param(_filters_with_every_stage_on, id="filters", marks=pytest.mark.slow)])
def test_onnx_matches_pytorch_on_any_size(make, tmp_path, capsys):
    torch.manual_seed(0)
    g = make()
    with torch.no_grad():
        for p in g.parameters():
            p.add_(0.05 * torch.randn_like(p))
    save_pretrained(g.eval(), tmp_path / "model", metadata={"task": "image"})
    assert main(["export", "--model", str(tmp_path / "model"), "--out", str(tmp_path / "m.onnx")]) == 0
    assert "max |ONNX - PyTorch|" in capsys.readouterr().out
    torch_s, onnx_s = Stylizer.from_pretrained(tmp_path / "model"), OnnxStylizer(tmp_path / "m.onnx")
    allowed = getattr(g, "onnx_mismatch_share", 0.0)  # filters: near-ties of argmin and rounding may flip
    for shape in [(64, 64), (37, 90)]:
        x = torch.rand(2, 3, *shape) * 2 - 1
        error = (onnx_s(x) - torch_s(x)).abs()
        assert (error > 1e-3).float().mean() <= allowed and error.median() <= 1e-5
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(tmp_path / "in.png")
    assert main(["stylize", "--model", str(tmp_path / "m.onnx"), "--input", str(tmp_path / "in.png"),
                 "--output", str(tmp_path / "out.png")]) == 0
    assert Image.open(tmp_path / "out.png").size == (50, 40)

"""Hostile and broken model files (tests/hostile_models.py) given to `stylize`: each is refused with one line
naming the file and the problem, exit status 2, no traceback and no output image."""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from styleforge.cli import main
from styleforge.errors import ModelFileError
from styleforge.inference import Stylizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hostile_models import build_model_cases  # noqa: E402


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return build_model_cases(tmp_path_factory.mktemp("hostile_models"))


def test_every_hostile_model_file_is_refused_in_one_line(cases, tmp_path, capsys):
    Image.fromarray(np.full((40, 48, 3), 128, np.uint8)).save(tmp_path / "in.png")
    assert len(cases) >= 20
    for case in cases:
        out = tmp_path / f"{case.name}.png"
        code = main(["stylize", "--model", str(case.path), "--input", str(tmp_path / "in.png"), "--output", str(out)])
        err = capsys.readouterr().err.strip()
        assert code == 2, (case.name, err)
        assert "\n" not in err and "Traceback" not in err, (case.name, err)
        assert case.path.name in err and case.fragment in err, (case.name, err)
        assert not out.exists(), case.name


def test_non_finite_output_is_refused_not_written_black():
    class Broken(torch.nn.Module):
        def forward(self, x):
            return x * float("inf")

    stylizer = Stylizer(Broken())
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        stylizer.stylize_array(np.full((20, 20, 3), 100, np.uint8))
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        stylizer.probe()

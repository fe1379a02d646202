"""Distillation: a light student learns a teacher's mapping; data and errors of `styleforge distill`."""
import json

import pytest
import torch

from conftest import write_tinted_folders
from styleforge.cli import main
from styleforge.errors import ConfigError
from styleforge.models import GENERATORS, save_pretrained
from styleforge.recipes.distill import feature_pairs, load_teacher
from styleforge.inference import Stylizer


def _teacher_run(tmp_path, folders):
    """A 'run folder' whose export is a light generator with random weights: a fixed, non-trivial
    colour-and-texture mapping; its config.json names the tinted folders as the run's data."""
    torch.manual_seed(0)
    teacher = GENERATORS.create("light", base_channels=8, blocks=1)
    with torch.no_grad():
        for p in teacher.parameters():
            p.normal_(0, 0.15)
    run = tmp_path / "teacher_run"
    save_pretrained(teacher, run / "export", metadata={"task": "image", "recipe": "cut"})
    style, content = folders
    (run / "config.json").write_text(json.dumps({"data": {"source": str(style), "content": str(content)}}))
    return run, teacher.eval()


def _gap(stylizer, teacher, photos):
    with torch.no_grad():
        return (stylizer(photos) - teacher(photos)).abs().mean().item()


def test_student_learns_the_teachers_mapping(tmp_path, quiet_overrides):
    folders = write_tinted_folders(tmp_path, 8, shape=(40, 40))
    run, teacher = _teacher_run(tmp_path, folders)
    photos = torch.rand(4, 3, 64, 64) * 1.6 - 0.8  # unseen inputs, larger than the training patches
    untrained = Stylizer(GENERATORS.create("light", base_channels=12, blocks=2))
    assert main(["distill", "--teacher", str(run), "--steps", "120", "--size", "32",
                 "--set", f"run.output_dir={tmp_path / 'runs'}", "--set", "train.progress=false",
                 "--set", "train.tensorboard=false", "--set", "train.batch_size=8"]) == 0
    student_run = next((tmp_path / "runs").iterdir())
    config = json.loads((student_run / "config.json").read_text())
    assert config["data"]["style"] == str(folders[0])  # the teacher run's data
    before, after = _gap(untrained, teacher, photos), _gap(Stylizer.from_pretrained(student_run), teacher, photos)
    print(f"distill: student distance to the teacher {before:.3f} -> {after:.3f}")
    assert after < 0.6 * before, (before, after)  # measured: 0.84 -> 0.315, 0.324, 0.335 (seeds 0-2, 1 thread)


def test_feature_pairs_match_resolutions_between_architectures():
    student = GENERATORS.create("light", base_channels=12, blocks=2)
    teacher = GENERATORS.create("resnet", base_channels=16, blocks=4)
    pairs = feature_pairs(student, teacher, 3)
    probe = torch.zeros(1, 3, 64, 64)
    assert len(pairs) >= 2
    for s, t, cs, ct in pairs:
        fs, ft = student.features(probe, [s])[0], teacher.features(probe, [t])[0]
        assert fs.shape[1:] == (cs, *ft.shape[2:]) and ft.shape[1] == ct


def test_teacher_errors(tmp_path, capsys):
    with pytest.raises(ConfigError, match="distill.teacher"):
        load_teacher("")
    g = GENERATORS.create("dcgan", image_size=32, latent_dim=4, base_channels=4)
    save_pretrained(g, tmp_path / "gan", metadata={"task": "noise", "latent_dim": 4})
    with pytest.raises(ConfigError, match="single-style image model"):
        load_teacher(str(tmp_path / "gan"))
    assert main(["distill", "--teacher", str(tmp_path / "missing"), "--steps", "1"]) == 2
    assert "model not found" in capsys.readouterr().err

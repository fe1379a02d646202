"""Smoke runs of every image-to-image recipe at 32x32 on CPU, exact resume with the image pool, stylize CLI."""
import numpy as np
import pytest
import torch
from PIL import Image

from conftest import write_tinted_folders
from styleforge import load_config, train
from styleforge.cli import main
from styleforge.training.checkpoint import load_checkpoint
from styleforge.run_folder import read_log

TINY = ["data.image_size=32", "data.load_size=36", "model.generator_args={base_channels: 8, blocks: 2}",
        "model.discriminator_args={base_channels: 8, layers: 2}", "train.batch_size=2", "train.log_every=1",
        "train.sample_count=2", "data.holdout_fraction=0", "loss.nce_patches=32"]


@pytest.fixture
def folders(tmp_path):
    return write_tinted_folders(tmp_path, 6)


def _config(recipe, folders, overrides):
    style, content = folders
    return load_config("small", TINY + [f"data.style={style}", f"data.content={content}"] + overrides, recipe=recipe)


@pytest.mark.parametrize("recipe", ["cyclegan", "cut", "fastcut"])
def test_recipe_smoke_run_exports_a_stylizer(recipe, folders, quiet_overrides):
    run = train(_config(recipe, folders, quiet_overrides + ["train.steps=3", "augment.policy=color,translation,cutout"]))
    log = read_log(run)
    assert [r["step"] for r in log] == [1, 2, 3] and all(np.isfinite(r["loss_D"]) for r in log)
    assert (run / "export" / "model.safetensors").is_file()


def test_cut_has_the_identity_term_and_fastcut_has_none(folders, quiet_overrides):
    """The two names mean the two papers' objectives: CUT also asks G to leave style images unchanged."""
    logs = {r: read_log(train(_config(r, folders, quiet_overrides + ["train.steps=2"]))) for r in ("cut", "fastcut")}
    assert all(row["loss_nce_identity"] > 0 for row in logs["cut"])
    assert all(row["loss_nce_identity"] == 0 for row in logs["fastcut"])


def test_the_retired_nce_identity_key_points_at_the_other_recipe(folders, capsys):
    from styleforge.errors import ConfigError

    with pytest.raises(ConfigError, match="train fastcut instead of cut"):
        _config("cut", folders, ["loss.nce_identity=false"])
    with pytest.raises(ConfigError, match="train cut instead of fastcut"):
        _config("fastcut", folders, ["loss.nce_identity=true"])
    assert _config("fastcut", folders, ["loss.nce_identity=false"]).recipe == "fastcut"  # agrees: a note only
    assert "'loss.nce_identity' is gone" in capsys.readouterr().err


def test_cyclegan_resume_is_exact_including_the_image_pool(folders, quiet_overrides, tmp_path):
    common = quiet_overrides + ["train.steps=6", "train.checkpoint_every=3", "loss.pool_size=4"]
    straight = train(_config("cyclegan", folders, common))

    def kill(trainer, step, losses):
        if step == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # Ctrl-C saves a checkpoint at step 4
        train(_config("cyclegan", folders, common), callbacks=[kill])
    interrupted = sorted((tmp_path / "runs").iterdir())[-1]
    assert load_checkpoint(interrupted)["step"] == 4
    resumed = train(None, resume=interrupted)
    assert [r["loss_D"] for r in read_log(straight)] == [r["loss_D"] for r in read_log(resumed)]
    a, b = load_checkpoint(straight), load_checkpoint(resumed)
    assert torch.equal(a["recipe"]["pool_a"], b["recipe"]["pool_a"])


def test_stylize_cli_on_file_and_folder_with_a_bad_file(folders, quiet_overrides, tmp_path, capsys):
    run = train(_config("fastcut", folders, quiet_overrides + ["train.steps=2"]))
    style, content = folders
    (content / "broken.jpg").write_bytes(b"nope")
    assert main(["stylize", "--model", str(run), "--input", str(content / "0.png"), "--output", str(tmp_path / "o.jpg")]) == 0
    assert Image.open(tmp_path / "o.jpg").size == (48, 40)
    assert main(["stylize", "--model", str(run), "--input", str(content), "--output", str(tmp_path / "out"),
                 "--strength", "0.5", "--preserve-color"]) == 0
    out = capsys.readouterr().out
    assert len(list((tmp_path / "out").glob("*.png"))) == 6 and "skipped" in out and "broken.jpg" in out
    assert main(["stylize", "--model", str(run), "--input", str(content / "broken.jpg"), "--output", str(tmp_path / "b.png")]) == 2
    assert "broken.jpg" in capsys.readouterr().err


def test_folder_batch_mirrors_the_tree_and_resumes(folders, quiet_overrides, tmp_path, capsys):
    run = train(_config("fastcut", folders, quiet_overrides + ["train.steps=1"]))
    _, content = folders
    (content / "sub" / "deeper").mkdir(parents=True)
    Image.open(content / "0.png").save(content / "sub" / "deeper" / "x.png")
    out = tmp_path / "batch"
    assert main(["stylize", "--model", str(run), "--input", str(content), "--output", str(out)]) == 0
    assert (out / "sub" / "deeper" / "x.png").is_file() and len(list(out.rglob("*.png"))) == 7
    marker = (out / "3.png").stat().st_mtime_ns
    (out / "5.png").unlink()  # as if the batch had stopped before this file
    capsys.readouterr()
    assert main(["stylize", "--model", str(run), "--input", str(content), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "stylised 1 of 7" in printed and "6 already done" in printed
    assert (out / "5.png").is_file() and (out / "3.png").stat().st_mtime_ns == marker


def test_cut_learns_the_style_domain_tint(tmp_path, quiet_overrides):
    """The default tier's check that CUT learns (the film-grade test on photos is in the slow tier): on the
    tinted noise domains (content bluish, style reddish) 120 steps move the outputs' mean red-minus-blue
    most of the way from the content's toward the style's. Measured (AMD EPYC Zen 5, 2026-12-02): 0.85, 0.98,
    0.86 at seeds 0, 1, 2 with 1 thread, 0.72 at seed 0 with 2 threads; the bar is 0.5."""
    style, content = write_tinted_folders(tmp_path, 16)
    run = train(_config("cut", (style, content), quiet_overrides + ["train.steps=120", "train.batch_size=4",
                                                                    "train.lr_generator=0.001"]))
    from styleforge.inference import Stylizer
    from styleforge.metrics.evaluate import load_square

    photos, _, _ = load_square(content, 32)
    paintings, _, _ = load_square(style, 32)
    with torch.no_grad():
        out = Stylizer.from_pretrained(run)(photos)
    tint = lambda x: (x[:, 0] - x[:, 2]).mean().item()  # noqa: E731
    moved = (tint(out) - tint(photos)) / (tint(paintings) - tint(photos))
    assert moved > 0.5, (tint(photos), tint(out), tint(paintings))


def test_an_interrupted_run_says_so_and_stylize_warns(folders, quiet_overrides, tmp_path, capsys):
    """Ctrl-C at step 3 of 10: the message says the export was updated, the loss curves are written, the
    export records an unfinished run, and `stylize` with it warns how far it was trained (issue #22)."""
    def interrupt(trainer, step, losses):
        if step == 3:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        train(_config("fastcut", folders, quiet_overrides + ["train.steps=10"]), callbacks=[interrupt])
    run = sorted((tmp_path / "runs").iterdir())[-1]
    assert "checkpoint and export" in capsys.readouterr().out and (run / "loss_curves.png").is_file()
    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(photo)
    assert main(["stylize", "--model", str(run), "--input", str(photo), "--output", str(tmp_path / "o.png")]) == 0
    assert "at step 3 of 10 planned" in capsys.readouterr().err
    finished = train(_config("fastcut", folders, quiet_overrides + ["train.steps=2"]))
    assert main(["stylize", "--model", str(finished), "--input", str(photo), "--output", str(tmp_path / "p.png")]) == 0
    assert "note:" not in capsys.readouterr().err

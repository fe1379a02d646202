"""train.eval_every: held-out quality metrics land in the run log during training."""
import math

import pytest
import torch

from conftest import write_tinted_folders
from styleforge import load_config, train
from styleforge.errors import ConfigError
from styleforge.models import load_pretrained
from styleforge.training.periodic_eval import HeldOutEvaluator
from styleforge.run_folder import read_log


@pytest.fixture
def folders(tmp_path):
    return write_tinted_folders(tmp_path, 24, (36, 40))


def _config(folders, quiet, extra):
    style, content = folders
    return load_config("fast", quiet + [
        f"data.style={style}", f"data.content={content}", "data.image_size=32", "data.load_size=36",
        "model.generator_args={base_channels: 8, blocks: 1}", "model.discriminator_args={base_channels: 8, layers: 2}",
        "train.batch_size=2", "train.steps=4", "train.eval_count=8", "loss.nce_patches=16"] + extra, recipe="cut")


def test_eval_metrics_are_logged_every_n_steps(folders, quiet_overrides):
    run = train(_config(folders, quiet_overrides, ["train.eval_every=2", "data.holdout_fraction=0.5"]))
    evals = [r for r in read_log(run) if "eval_swd" in r]
    assert [r["step"] for r in evals] == [2, 4]
    for r in evals:
        assert all(math.isfinite(r[k]) for k in ("eval_swd", "eval_color", "eval_ssim"))
        assert r["eval_ssim"] > 0.9  # the light generator starts near the identity


def test_eval_without_a_holdout_is_a_config_error(folders, quiet_overrides):
    with pytest.raises(ConfigError, match="holdout_fraction"):
        train(_config(folders, quiet_overrides, ["train.eval_every=2", "data.holdout_fraction=0"]))


def _scripted_swd(monkeypatch, values):
    """Make the held-out evaluation report `values` as eval_swd, one per evaluation, in order."""
    scores = iter(values)
    monkeypatch.setattr(HeldOutEvaluator, "__call__",
                        lambda self, g, device: {"eval_swd": next(scores), "eval_color": 0.0, "eval_ssim": 1.0})


def test_keep_best_exports_the_lowest_swd_evaluation_and_survives_resume(folders, quiet_overrides, monkeypatch):
    _scripted_swd(monkeypatch, [5.0, 1.0, 3.0])
    seen = {}
    record = lambda trainer, step, losses: seen.setdefault(step, {k: v.clone() for k, v in  # noqa: E731
                                                               trainer.export_module().state_dict().items()})
    extra = ["train.eval_every=2", "data.holdout_fraction=0.5", "train.keep_best=true", "train.checkpoint_every=2"]
    run = train(_config(folders, quiet_overrides, extra), callbacks=[record])  # steps 2, 4: swd 5, then 1
    config = _config(folders, quiet_overrides, extra + ["train.steps=6"])
    train(config, resume=run, callbacks=[record])  # step 6: swd 3, worse than step 4's
    module, saved = load_pretrained(run / "export")
    assert saved["metadata"]["step"] == 4 and saved["metadata"]["last_step"] == 6
    assert saved["metadata"]["best_eval_swd"] == 1.0
    for name, value in module.state_dict().items():
        assert torch.equal(value, seen[4][name]), name
    assert any(not torch.equal(seen[4][k], seen[6][k]) for k in seen[4])  # the last weights differ: not a no-op


def test_keep_best_without_evaluation_is_a_config_error(folders, quiet_overrides):
    with pytest.raises(ConfigError, match="keep_best"):
        train(_config(folders, quiet_overrides, ["train.keep_best=true"]))


def test_eval_metrics_come_from_the_registry(folders, quiet_overrides):
    run = train(_config(folders, quiet_overrides, ["train.eval_every=4", "data.holdout_fraction=0.5",
                                                   "train.eval_metrics=swd,lpips,fd_lite"]))
    (record,) = [r for r in read_log(run) if "eval_swd" in r]
    assert {"eval_swd", "eval_lpips", "eval_fd_lite"} <= set(record) and "eval_color" not in record
    assert record["eval_lpips"] < 0.1  # near the identity after 4 steps
    with pytest.raises(ConfigError, match="valid: .*fd_lite"):
        train(_config(folders, quiet_overrides, ["train.eval_every=2", "data.holdout_fraction=0.5",
                                                 "train.eval_metrics=swd,sharpness"]))

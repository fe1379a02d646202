"""train.eval_every: held-out quality metrics land in the run log during training."""
import math

import pytest

from conftest import write_tinted_folders
from styleforge import load_config, train
from styleforge.errors import ConfigError
from styleforge.training.run_log import read_log


@pytest.fixture
def folders(tmp_path):
    return write_tinted_folders(tmp_path, 24, (36, 40))


def _config(folders, quiet, extra):
    style, content = folders
    return load_config("fast", quiet + [
        f"data.source={style}", f"data.content={content}", "data.image_size=32", "data.load_size=36",
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

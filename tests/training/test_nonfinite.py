"""Non-finite losses never train silently: roll back to the last checkpoint with lower LR, or stop clearly."""
import math

import pytest

from styleforge import load_config, train
from styleforge.errors import StyleforgeError
from styleforge.recipes.gan import NoiseGANRecipe
from styleforge.training.run_log import read_log

TINY = ["train.steps=12", "train.batch_size=8", "train.checkpoint_every=5", "train.sample_every=100",
        "train.log_every=1", "model.generator_args={base_channels: 8}", "model.discriminator_args={base_channels: 8}",
        "data.limit=64"]


def _poison(monkeypatch, bad_calls):
    original, calls = NoiseGANRecipe.training_step, {"n": 0}

    def step(self, batch, optimizers):
        calls["n"] += 1
        losses = original(self, batch, optimizers)
        return {**losses, "loss_D": math.nan} if bad_calls(calls["n"]) else losses

    monkeypatch.setattr(NoiseGANRecipe, "training_step", step)
    return calls


def test_a_nan_step_rolls_back_and_training_finishes(monkeypatch, quiet_overrides, capsys):
    calls = _poison(monkeypatch, lambda n: n == 8)
    run = train(load_config("shapes", quiet_overrides + TINY, recipe="dcgan"))
    records = read_log(run)
    rollbacks = [r for r in records if "rollback" in r]
    assert len(rollbacks) == 1 and rollbacks[0]["step"] == 5 and rollbacks[0]["lr_scale_after_rollback"] == 0.5
    assert max(r["step"] for r in records) == 12 and calls["n"] == 12 + 3  # steps 6-8 were redone
    assert all(math.isfinite(r["loss_D"]) for r in records if "loss_D" in r)
    assert "rolled back to step 5" in capsys.readouterr().out


def test_persistent_nans_stop_with_a_clear_message(monkeypatch, quiet_overrides):
    _poison(monkeypatch, lambda n: n >= 3)
    with pytest.raises(StyleforgeError, match="stopped after 3 rollbacks"):
        train(load_config("shapes", quiet_overrides + TINY, recipe="dcgan"))

"""Non-finite losses never train silently: the update is withheld; repeated failures roll back to the last
checkpoint with a lower learning rate; persistent ones stop with a clear message."""
import math
import time

import pytest
import torch

from styleforge import load_config, train
from styleforge.errors import StyleforgeError
from styleforge.recipes.gan import NoiseGANRecipe
from styleforge.training.checkpoint import load_checkpoint
from styleforge.training.stepper import Stepper
from styleforge.run_folder import read_log
from styleforge.training.trainer import _Feed

TINY = ["train.steps=12", "train.batch_size=8", "train.checkpoint_every=5", "train.sample_every=100",
        "train.log_every=1", "model.generator_args={base_channels: 8}", "model.discriminator_args={base_channels: 8}",
        "data.limit=64"]


def test_update_withholds_a_nan_step():
    net = torch.nn.Linear(3, 1)
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    before = [p.detach().clone() for p in net.parameters()]
    step = Stepper({"net": opt})
    assert not step.update("net", net(torch.full((2, 3), math.nan)).mean())
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert step.update("net", net(torch.ones(2, 3)).mean())
    assert not all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_update_in_parts_withholds_the_step_when_any_part_is_nan():
    net = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    before = [p.detach().clone() for p in net.parameters()]
    parts = [lambda: net(torch.ones(2, 3)).mean(), lambda: net(torch.full((2, 3), math.nan)).mean()]
    assert not Stepper({"net": opt}).update_in_parts("net", parts)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert all(p.grad is None for p in net.parameters())


def test_a_nan_batch_is_skipped_and_the_weights_stay_finite(monkeypatch, quiet_overrides):
    original = _Feed.batch

    def batch(self, step):
        x = original(self, step)
        return torch.full_like(x, math.nan) if step == 6 else x

    monkeypatch.setattr(_Feed, "batch", batch)
    run = train(load_config("shapes", quiet_overrides + TINY, recipe="dcgan"))
    records = read_log(run)
    assert [r["step"] for r in records if "nonfinite_skipped" in r] == [7]
    assert not any("rollback" in r for r in records) and max(r["step"] for r in records) == 12
    state = load_checkpoint(run)
    assert all(torch.isfinite(t).all() for net in state["networks"].values() for t in net.values())


def _poison(monkeypatch, bad_calls, pause: float = 0.0):
    original, calls = NoiseGANRecipe.training_step, {"n": 0}

    def step(self, batch, stepper):
        calls["n"] += 1
        losses = original(self, batch, stepper)
        if not bad_calls(calls["n"]):
            return losses
        time.sleep(pause)
        return {**losses, "loss_D": math.nan}

    monkeypatch.setattr(NoiseGANRecipe, "training_step", step)
    return calls


def test_repeated_nans_roll_back_and_training_finishes(monkeypatch, quiet_overrides, capsys):
    calls = _poison(monkeypatch, lambda n: 6 <= n <= 9, pause=0.1)  # four in a row (steps 6-9): one more than MAX_SKIPS
    run = train(load_config("shapes", quiet_overrides + TINY, recipe="dcgan"))
    records = read_log(run)
    rollbacks = [r for r in records if "rollback" in r]
    assert len(rollbacks) == 1 and rollbacks[0]["step"] == 5 and rollbacks[0]["lr_scale_after_rollback"] == 0.5
    assert max(r["step"] for r in records) == 12 and calls["n"] == 9 + 7  # rolled back to 5 after call 9, then 6-12
    assert all(math.isfinite(r["loss_D"]) for r in records if "loss_D" in r)
    assert "rolled back to step 5" in capsys.readouterr().out
    # the discarded steps' time still counts against train.minutes: the budget's clock never runs backwards
    clock = [r["elapsed_s"] for r in records if "elapsed_s" in r]
    assert clock == sorted(clock) and load_checkpoint(run)["elapsed_s"] >= 0.4


def test_persistent_nans_stop_with_a_clear_message(monkeypatch, quiet_overrides):
    _poison(monkeypatch, lambda n: n >= 3)
    with pytest.raises(StyleforgeError, match="stopped after 3 rollbacks"):
        train(load_config("shapes", quiet_overrides + TINY, recipe="dcgan"))

"""recipes.guard.DivergenceGuard, alone and in the painterly recipe: a blown-up generator is rolled back."""
import torch

from styleforge import train
from styleforge.metrics.ground_truth import prepare_split
from styleforge.recipes.guard import DivergenceGuard
from styleforge.run_folder import read_log
from test_painterly import _config


def test_the_guard_flags_a_leap_above_the_running_level_only_after_warmup():
    guard = DivergenceGuard(factor=4.0, warmup=3, decay=0.5)
    assert guard.check(100.0)  # during warm-up anything goes
    assert all(guard.check(v) for v in (2.0, 1.0, 1.5))
    level = float(guard.level)
    assert not guard.check(4.1 * level) and float(guard.level) == level  # flagged values are not folded in
    assert guard.check(3.9 * level)
    state = guard.state_dict()
    assert set(state) == {"level", "seen"} and int(state["seen"]) == 5


def test_a_blown_up_painterly_generator_is_rolled_back(photo_dir, quiet_overrides, tmp_path):
    """At step 12 the generator's weights are blown up (x30, as a diverging run's are): the guard withholds
    its steps and the trainer rolls back to the checkpoint of step 10 with halved learning rates."""
    split = prepare_split(photo_dir, "stippling", tmp_path / "data", size=48, train_images=24, test_images=2)
    overrides = quiet_overrides + ["painterly.gather_images=8", "train.checkpoint_every=5", "train.log_every=1",
                                   "data.image_size=32"]

    done = []

    def sabotage(trainer, step, losses):
        if step == 1:
            trainer.recipe.networks["guard"].warmup = 4
        if step == 12 and not done:  # once: the rolled-back run passes step 12 again
            done.append(step)
            with torch.no_grad():
                for p in trainer.recipe.networks["G"].parameters():
                    p.mul_(30)
    run = train(_config(split, 20, overrides, size=48), callbacks=[sabotage])
    log = read_log(run)
    rollbacks = [r for r in log if "rollback" in r]
    assert rollbacks and rollbacks[0]["step"] == 10 and rollbacks[0]["lr_scale_after_rollback"] == 0.5
    skipped = [r for r in log if r.get("nonfinite_skipped")]
    # the log says what leapt, and above which level: content + 5 x style (the preset's weights) > 4 x level
    assert skipped and all(r["loss_content"] + 5 * r["loss_style"] > 4 * r["guard_level"] for r in skipped)
    assert max(r["step"] for r in log) == 20 and len(rollbacks) == 1

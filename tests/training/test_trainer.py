import json

import pytest
import torch
from PIL import Image

from styleforge import load_config, train
from styleforge.errors import ModelFileError
from styleforge.training.checkpoint import load_checkpoint, save_checkpoint
from styleforge.run_folder import read_log, read_status
from styleforge.training import run_log

TINY = ["model.generator_args={base_channels: 8}", "model.discriminator_args={base_channels: 8}",
        "model.latent_dim=8", "train.batch_size=8", "train.log_every=1", "train.sample_every=100",
        "train.sample_count=4"]


def _config(overrides, **extra):
    return load_config("shapes", TINY + overrides + [f"{k.replace('__', '.')}={v}" for k, v in extra.items()],
                       recipe="dcgan")


class _Kill(RuntimeError):
    pass


def _kill_at(step):
    def callback(trainer, current, losses):
        if current == step:
            raise _Kill(f"killed at {step}")
    return callback


@pytest.mark.parametrize("ema", [0.0, 0.9])
def test_interrupted_and_resumed_run_matches_uninterrupted(tmp_path, quiet_overrides, ema):
    common = quiet_overrides + [f"train.ema_decay={ema}", "train.steps=12", "train.checkpoint_every=5"]
    straight = train(_config(common))
    with pytest.raises(_Kill):
        train(_config(common), callbacks=[_kill_at(8)])
    interrupted = sorted((tmp_path / "runs").iterdir())[-1]
    assert load_checkpoint(interrupted)["step"] == 5  # the last periodic checkpoint before the kill
    resumed = train(None, resume=interrupted)
    a, b = read_log(straight), read_log(resumed)
    assert [r["step"] for r in b] == list(range(1, 13))
    assert [(r["loss_D"], r["loss_G"]) for r in a] == [(r["loss_D"], r["loss_G"]) for r in b]
    sa, sb = load_checkpoint(straight), load_checkpoint(resumed)
    for name in sa["networks"]:
        for key, value in sa["networks"][name].items():
            assert torch.equal(value, sb["networks"][name][key]), (name, key)
    for name in sa["ema"]:
        for key, value in sa["ema"][name].items():
            assert torch.equal(value, sb["ema"][name][key]), (name, key)


def test_run_folder_contents(tmp_path, quiet_overrides):
    run = train(_config(quiet_overrides + ["train.steps=6", "train.checkpoint_every=3", "train.sample_every=3",
                                           "train.tensorboard=true"]))
    assert run.name.startswith("00000-dcgan-shapes")
    for name in ["config.json", "checkpoint.pt", "log.jsonl", "loss_curves.png", "data_report.json",
                 "export/config.json", "export/model.safetensors", "samples/step-0000003.png"]:
        assert (run / name).is_file(), name
    assert list((run / "tensorboard").iterdir())
    saved = json.loads((run / "config.json").read_text())
    assert saved["train"]["steps"] == 6
    assert json.loads(load_checkpoint(run)["config"]) == saved
    record = read_log(run)[-1]
    assert record["images_per_s"] > 0 and {"loss_D", "loss_G"} <= set(record)


def test_status_json_follows_every_step_whatever_log_every_is(tmp_path, quiet_overrides, monkeypatch):
    """The web app's progress and the bar do not wait for log_every: status.json is rewritten every
    REFRESH_S seconds (0 here: every step) with the step, the recipe's phase and the training time."""
    monkeypatch.setattr(run_log, "REFRESH_S", 0.0)
    seen = []
    run = train(_config(quiet_overrides + ["train.steps=6", "train.log_every=100"]),
                callbacks=[lambda trainer, step, losses: seen.append(read_status(trainer.run_dir))])
    assert [r["step"] for r in read_log(run)] == [6]  # one log line, at the end
    # each callback runs before the step's tick: status.json says the step before, then the last one
    assert [s["step"] for s in seen] == [0, 1, 2, 3, 4, 5] and read_status(run)["step"] == 6
    assert {s["phase"] for s in seen} == {"training"} and read_status(run)["elapsed_s"] > 0


def test_checkpoint_write_is_atomic(tmp_path):
    path = tmp_path / "checkpoint.pt"
    save_checkpoint({"step": 1, "networks": {}}, path)

    class Unsaveable:
        def __reduce__(self):
            raise RuntimeError("disk full (simulated)")

    with pytest.raises(OSError, match="could not be written.*disk full"):
        save_checkpoint({"step": 2, "networks": {}, "x": Unsaveable()}, path)
    assert load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_a_full_disk_while_training_is_one_line_naming_the_checkpoint(tmp_path):
    """A real write failure: files may not grow past 64 KB (RLIMIT_FSIZE), so torch.save fails part-way."""
    import subprocess
    import sys

    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536)); from styleforge.cli import main; "
            f"sys.exit(main(['train', 'dcgan', '--preset', 'shapes', '--steps', '3', '--set', 'train.progress=false', "
            f"'--set', 'train.tensorboard=false', '--set', 'train.eval_every=0', '--set', 'run.output_dir={tmp_path}']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "cannot write the checkpoint at step" in lines[-1] and "checkpoint.pt" in lines[-1], lines[-1]
    assert "resume with `styleforge train --resume" in lines[-1]


def test_checkpoint_that_would_run_code_is_refused(tmp_path):
    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    path = tmp_path / "checkpoint.pt"
    torch.save({"step": 1, "networks": {}, "payload": Evil()}, path, pickle_module=pickle)
    with pytest.raises(ModelFileError, match="refused"):
        load_checkpoint(path)


def test_bad_files_in_training_folder_are_skipped(tmp_path, quiet_overrides):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(6):
        Image.new("RGB", (40, 40), (i * 30, 100, 200)).save(folder / f"{i}.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    config = _config(quiet_overrides + ["train.steps=2", f"data.style={folder}", "train.batch_size=4"])
    run = train(config)
    report = json.loads((run / "data_report.json").read_text())
    assert report[0]["kept"] == 6
    assert [s["file"].endswith("broken.jpg") for s in report[0]["skipped"]] == [True]


@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_mixed_precision_trains_and_is_recorded(amp, quiet_overrides):
    import math

    from styleforge import load_config, train
    from styleforge.run_folder import read_log

    run = train(load_config("shapes", quiet_overrides + [f"train.amp={amp}", "train.steps=6", "train.log_every=1",
                                                         "train.batch_size=8", "train.sample_every=100",
                                                         "model.generator_args={base_channels: 8}",
                                                         "model.discriminator_args={base_channels: 8}"], recipe="dcgan"))
    records = [r for r in read_log(run) if "loss_D" in r]
    assert len(records) == 6 and all(math.isfinite(r["loss_D"]) and math.isfinite(r["loss_G"]) for r in records)
    assert json.loads((run / "config.json").read_text())["train"]["amp"] == amp
    state = load_checkpoint(run)
    assert bool(state["grad_scaler"]) == (amp == "fp16")


def test_a_time_budget_stops_exports_and_resumes(tmp_path, quiet_overrides, capsys):
    """train.minutes: the run stops by the clock well before train.steps, with a checkpoint and an
    export of the step it reached; a resume with a larger budget spends only the rest of it."""
    common = quiet_overrides + ["train.steps=1000000", "train.checkpoint_every=1000000"]
    run = train(_config(common + ["train.minutes=0.02"]))  # 1.2 s
    state = load_checkpoint(run)
    first = state["step"]
    assert 0 < first < 1_000_000 and 1.2 <= state["elapsed_s"] < 60
    meta = json.loads((run / "export" / "config.json").read_text())["metadata"]
    assert meta["step"] == first and meta["complete"]  # a spent budget is a finished run, not an interrupted one
    assert (run / "preview.png").is_file() and "time budget of 0.02 minutes spent" in capsys.readouterr().out
    resumed = train(_config(common + ["train.minutes=0.04"]), resume=run)
    state = load_checkpoint(resumed)
    assert state["step"] > first and 2.4 <= state["elapsed_s"] < 60
    steps = [r["step"] for r in read_log(resumed)]
    assert steps == sorted(steps) and steps[-1] == state["step"]


def test_resuming_after_images_were_deleted_says_the_data_changed(tmp_path, quiet_overrides, capsys):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(8):
        Image.new("RGB", (40, 40), (i * 30, 100, 200)).save(folder / f"{i}.png")
    common = quiet_overrides + [f"data.style={folder}", "train.batch_size=4", "train.checkpoint_every=2"]
    run = train(_config(common + ["train.steps=2"]))
    train(_config(common + ["train.steps=3"]), resume=run)
    assert "data changed" not in capsys.readouterr().err  # the same images: no warning
    for i in range(3):
        (folder / f"{i}.png").unlink()
    train(_config(common + ["train.steps=4"]), resume=run)
    err = capsys.readouterr().err
    assert "the data changed since this run started" in err and "8 images then, 5 now" in err
    assert "no longer an exact continuation" in err

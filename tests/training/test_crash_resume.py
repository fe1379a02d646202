"""Training killed with SIGKILL at random moments, some of them in the middle of a checkpoint write,
always resumes from an intact checkpoint, loses at most one checkpoint interval, and ends bit-identical
to a run that was never interrupted. Disk-full and unwritable output folders fail with a clear message."""
import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from styleforge.cli import main
from styleforge.training.checkpoint import load_checkpoint
from styleforge.run_folder import read_log

STEPS, EVERY = 240, 20
ARGS = ["train", "dcgan", "--preset", "shapes", "--set", f"train.checkpoint_every={EVERY}",
        "--set", "train.log_every=1", "--set", "train.sample_every=1000", "--set", "train.progress=false",
        "--set", "train.tensorboard=false", "--set", "train.threads=1", "--set", "train.batch_size=16",
        "--set", "model.generator_args={base_channels: 16}", "--set", "model.discriminator_args={base_channels: 16}"]

# The child runs the real CLI; its checkpoint writes are slowed down (half the bytes, a pause, the rest),
# so that a kill can land inside one.
CHILD = """
import io, sys, time, torch
real_save = torch.save
def slow_save(obj, f, *args, **kwargs):
    buf = io.BytesIO()
    real_save(obj, buf, *args, **kwargs)
    data = buf.getvalue()
    with open(f, "wb") as out:
        out.write(data[: len(data) // 2]); out.flush(); time.sleep(0.15); out.write(data[len(data) // 2:])
torch.save = slow_save
from styleforge.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _start(argv: list[str]) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", CHILD, *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _logged_step(run: Path) -> int:
    return max((r.get("step", 0) for r in read_log(run)), default=0) if (run / "log.jsonl").exists() else 0


def _kill_while(proc: subprocess.Popen, ready, timeout: float = 60.0) -> bool:
    """SIGKILL `proc` as soon as ready() holds; False if it exited first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    proc.kill()
    raise AssertionError("training made no progress")


def _survives_kills(tmp_path: Path, kills: int) -> None:
    rng = random.Random(kills)
    out, steps = tmp_path / "runs", max(STEPS, 30 * kills)
    args = ARGS + ["--steps", str(steps)]
    proc = _start(args + ["--out", str(out)])
    survived, during_write, run = 0, 0, None
    while survived < kills:
        if run is None:
            _kill_while(proc, lambda: any(out.glob("*/checkpoint.pt")))
            run = next(out.iterdir())
        else:
            proc = _start(["train", "--resume", str(run)])
            start = _logged_step(run)
            in_write = survived % 3 == 1
            if in_write:  # kill inside a checkpoint write
                ready = lambda: any(run.glob(".checkpoint.pt.*.tmp*")) and _logged_step(run) > start  # noqa: E731
            else:  # kill at a random moment after some progress
                target = start + rng.randint(1, 2 * EVERY)
                ready = lambda: _logged_step(run) >= target  # noqa: E731
            if not _kill_while(proc, ready):
                assert proc.returncode == 0, proc.stderr.read().decode()
                break  # finished before the kill point
            during_write += in_write
        progress = _logged_step(run)
        state = load_checkpoint(run)  # never corrupt
        assert progress - state["step"] <= EVERY, (progress, state["step"])
        survived += 1
    assert survived >= kills and during_write >= kills // 3, (survived, during_write)
    proc = _start(["train", "--resume", str(run)])
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    assert load_checkpoint(run)["step"] == steps
    assert not list(run.glob(".*.tmp*"))

    # the same run, never interrupted: identical weights
    reference = _start(args + ["--out", str(tmp_path / "reference")])
    assert reference.wait(timeout=300) == 0
    ref_run = next((tmp_path / "reference").iterdir())
    a, b = load_file(run / "export" / "model.safetensors"), load_file(ref_run / "export" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_training_survives_sigkill(tmp_path):
    _survives_kills(tmp_path, kills=3)


@pytest.mark.slow
def test_training_survives_many_sigkills(tmp_path):
    _survives_kills(tmp_path, kills=24)


def _disk_fills_after(monkeypatch, good_saves: int):
    real_save, calls = torch.save, {"n": 0}

    def save(obj, f, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > good_saves:
            Path(f).write_bytes(b"\0" * 100)  # a partial write, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(f))
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)


def test_disk_full_stops_clearly_and_keeps_the_last_checkpoint(monkeypatch, tmp_path, capsys):
    _disk_fills_after(monkeypatch, good_saves=2)  # step 0 and step 20 are written; step 40 fails
    assert main(ARGS + ["--steps", str(STEPS), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "No space left on device" in err and "step 20) is intact" in err, err
    run = next(tmp_path.iterdir())
    assert load_checkpoint(run)["step"] == 20
    assert not list(run.glob(".*.tmp*"))


def test_unwritable_output_folder_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main(ARGS + ["--steps", str(STEPS), "--out", str(blocker / "runs")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and str(blocker) in err, err


def test_read_only_checkpoint_folder_is_a_clear_error(monkeypatch, tmp_path, capsys):
    import tempfile

    real, calls = tempfile.mkstemp, {"n": 0}

    def mkstemp(*args, **kwargs):
        if kwargs.get("prefix", "").startswith(".checkpoint.pt"):
            calls["n"] += 1
            if calls["n"] > 1:
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    assert main(ARGS + ["--steps", str(STEPS), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "Read-only file system" in err and "step 0) is intact" in err, err
    assert load_checkpoint(next(tmp_path.iterdir()))["step"] == 0

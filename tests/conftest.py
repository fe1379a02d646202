"""Shared fixtures. Real data comes from $STYLEFORGE_DATA (default: ../shared/data beside the repo)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# Under pytest-xdist (the default: pyproject's addopts) the workers share the cores: each gets its share of
# threads, set before torch loads (and inherited by the commands the tests start), so they do not oversubscribe.
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1 and "OMP_NUM_THREADS" not in os.environ:
    os.environ["OMP_NUM_THREADS"] = str(max(1, _cores() // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))

from styleforge.runtime import choose_wait_policy  # noqa: E402  (after the thread count is set)

choose_wait_policy()  # as the CLI does: on a busy machine the suite's threads sleep instead of spinning

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("STYLEFORGE_DATA", str((REPO / ".." / "shared" / "data").resolve()))
DATA = Path(os.environ["STYLEFORGE_DATA"])


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: one worker per core, at most 4 (each loads torch and the feature networks)."""
    return max(1, min(_cores(), 4))


def require_data(relative: str) -> Path:
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"shared data absent: {path} (set STYLEFORGE_DATA)")
    return path


@pytest.fixture
def mnist_path() -> Path:
    return require_data("mnist/mnist_train.npz")


@pytest.fixture
def cifar_path() -> Path:
    return require_data("cifar10/train")


@pytest.fixture
def quiet_overrides(tmp_path) -> list[str]:
    """Overrides that keep test runs small and inside tmp_path."""
    return [f"run.output_dir={tmp_path / 'runs'}", "train.progress=false", "train.tensorboard=false"]


@pytest.fixture
def photo_dir() -> Path:
    return require_data("gan_getting_started/photo_jpg")


def write_tinted_folders(root: Path, count: int, shape=(40, 48)) -> tuple[Path, Path]:
    """root/style (reddish) and root/content (bluish) noise images: two separable tiny domains."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for name, tint in [("style", (45, 0, 0)), ("content", (0, 0, 45))]:
        (root / name).mkdir()
        for i in range(count):
            arr = np.clip(rng.integers(0, 200, (*shape, 3)) + np.array(tint), 0, 255).astype(np.uint8)
            Image.fromarray(arr).save(root / name / f"{i}.png")
    return root / "style", root / "content"


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory):
    """(folder, cases): the generated corpus of bad and odd image files (tests/bad_inputs.py)."""
    from bad_inputs import build_corpus

    folder = tmp_path_factory.mktemp("corpus") / "in"
    return folder, build_corpus(folder)

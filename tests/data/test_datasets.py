import numpy as np
import pytest
from PIL import Image

from styleforge.data import load_folder, open_source, split_holdout
from styleforge.data.datasets import list_image_files
from styleforge.errors import DataSourceMissing, StyleforgeError


def _folder_with_bad_files(root):
    (root / "sub").mkdir(parents=True)
    for i in range(3):
        Image.new("RGB", (20, 10), (i * 40, 0, 0)).save(root / f"good{i}.png")
    Image.new("RGB", (10, 10)).save(root / "sub" / "UPPER.JPG")
    (root / "empty.jpg").write_bytes(b"")
    (root / "noise.png").write_bytes(b"\x00\x01garbage")
    (root / "notes.txt").write_text("ignored: not an image extension")
    return root


def test_bad_files_are_skipped_and_reported(tmp_path):
    data = load_folder(_folder_with_bad_files(tmp_path / "imgs"), load_size=8)
    assert len(data) == 4 and data.report.kept == 4
    skipped = {p.split("/")[-1]: reason for p, reason in data.report.skipped}
    assert set(skipped) == {"empty.jpg", "noise.png"}
    assert "empty" in skipped["empty.jpg"]
    assert all(min(img.shape[:2]) == 8 for img in data.images)  # shorter side resized once, at decode
    assert "4 images kept, 2 skipped" in data.report.summary()


def test_the_summary_says_what_was_held_out_and_left_beyond_the_limit(tmp_path):
    """25 images given, 24 kept: the summary says where the 25th went (issue #22)."""
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(25):
        Image.new("RGB", (8, 8), (i * 10, 0, 0)).save(root / f"{i:02d}.png")
    data = load_folder(root, holdout_fraction=0.1)
    held = 25 - len(data)
    assert held > 0 and data.report.held_out == held
    assert f"{len(data)} images kept, 0 skipped, {held} held out for evaluation" in data.report.summary()
    limited = load_folder(root, limit=20)
    assert limited.report.beyond_limit == 5 and "5 beyond the limit" in limited.report.summary()
    assert load_folder(root, holdout_fraction=0.1, holdout=True).report.held_out == 0


def test_symlink_loop_does_not_hang(tmp_path):
    root = _folder_with_bad_files(tmp_path / "imgs")
    (root / "sub" / "loop").symlink_to(root)
    files, _ = list_image_files(root)
    assert len(files) == 6


def test_folder_without_images_is_an_error(tmp_path):
    (tmp_path / "x.png").write_bytes(b"")
    with pytest.raises(StyleforgeError, match="no readable images"):
        load_folder(tmp_path)


def test_holdout_split_is_disjoint_stable_and_near_fraction(tmp_path):
    files = [tmp_path / f"{i:04d}.jpg" for i in range(2000)]
    train = split_holdout(files, 0.2, tmp_path)
    held = split_holdout(files, 0.2, tmp_path, holdout=True)
    assert set(train).isdisjoint(held) and len(train) + len(held) == 2000
    assert 330 < len(held) < 470
    assert split_holdout(files[:1000], 0.2, tmp_path, holdout=True) == [f for f in held if f in files[:1000]]


def test_missing_named_source_says_how_to_supply_it(tmp_path, monkeypatch):
    monkeypatch.setenv("STYLEFORGE_DATA", str(tmp_path))
    monkeypatch.delenv("STYLEFORGE_MNIST", raising=False)
    with pytest.raises(DataSourceMissing, match="STYLEFORGE_MNIST") as info:
        open_source("mnist")
    assert "Nothing is downloaded" in str(info.value)


def test_unknown_source_name():
    with pytest.raises(StyleforgeError, match="neither a registered name"):
        open_source("no-such-source-or-folder")


def test_mnist_and_cifar_sources(mnist_path, cifar_path):
    mnist = open_source("mnist", limit=100)
    assert mnist.images.shape == (100, 28, 28, 1) and mnist.labels.shape == (100,)
    cifar = open_source("cifar10", limit=30)
    assert cifar.images.shape == (30, 32, 32, 3) and cifar.labels.max() == 0  # sorted: first class first
    full = open_source("cifar10")
    assert len(full) == 5000 and sorted(np.bincount(full.labels)) == [500] * 10

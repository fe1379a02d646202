"""Named data sources that resolve to local paths; nothing is ever downloaded at run time.

Resolution order for a named source: explicit `path` > its own environment variable >
`$STYLEFORGE_DATA/<relative path>` (default data root: `../shared/data`). A name that is not
registered is treated as an image folder.
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import DataSourceMissing, StyleforgeError
from ..registry import Registry
from .datasets import DataReport, ImageSet, load_folder

SOURCES = Registry("data source")
DATA_ENV = "STYLEFORGE_DATA"


def data_root() -> Path:
    """The folder named sources live under: $STYLEFORGE_DATA, else ../shared/data."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    candidates = [Path.cwd() / ".." / "shared" / "data"] + [p / ".." / "shared" / "data" for p in here.parents]
    return next((c.resolve() for c in candidates if c.is_dir()), Path("../shared/data"))


@dataclass(frozen=True)
class DataSource:
    """A named data set: where it is expected, how to read it, how to obtain it."""

    name: str
    relative_path: str
    env_var: str
    reader: Callable[..., ImageSet]
    how_to_obtain: str
    channels: int = 3

    def locate(self, path: str = "") -> Path:
        chosen = path or os.environ.get(self.env_var) or str(data_root() / self.relative_path)
        location = Path(chosen)
        if not location.exists():
            raise DataSourceMissing(
                f"data source '{self.name}' not found at {location}. {self.how_to_obtain} "
                f"Then pass --data PATH, set {self.env_var}, or set {DATA_ENV} to the folder holding "
                f"'{self.relative_path}'. Nothing is downloaded automatically.")
        return location


def _register(source: DataSource) -> DataSource:
    SOURCES.register(source.name)(source)
    return source


def _read_mnist(path: Path, limit: int = 0, **_) -> ImageSet:
    try:
        with np.load(path, allow_pickle=False) as npz:
            images, labels = npz["x_train"], npz["y_train"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise StyleforgeError(f"{path}: not a readable MNIST .npz with x_train/y_train ({exc})") from None
    if limit:
        images, labels = images[:limit], labels[:limit]
    return ImageSet(np.ascontiguousarray(images[:, :, :, None]), 1, DataReport("mnist", kept=len(images)),
                    labels=labels.astype(np.int64))


def _read_class_folders(path: Path, name: str = "cifar10", **kwargs) -> ImageSet:
    """A folder of class sub-folders; the label is the index of the sorted sub-folder name."""
    classes = sorted(p.name for p in path.iterdir() if p.is_dir())
    if not classes:
        raise StyleforgeError(f"{path}: expected one sub-folder per class, found none")
    data = load_folder(path, name=name, **kwargs)
    labels = np.array([classes.index(Path(f).relative_to(path).parts[0]) for f in data.files], dtype=np.int64)
    data.labels = labels
    if all(img.shape == data.images[0].shape for img in data.images):
        data.images = np.stack(data.images)
    return data


def _read_folder(path: Path, name: str = "", **kwargs) -> ImageSet:
    return load_folder(path, name=name or str(path), **kwargs)


def _read_shapes(path: Path, limit: int = 0, **_) -> ImageSet:
    return make_shapes(limit or 2048)


def make_shapes(n: int, size: int = 32, seed: int = 0) -> ImageSet:
    """A built-in synthetic set: one bright disc or square on a dark, tinted background (uint8 NHWC)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    images = np.empty((n, size, size, 3), np.uint8)
    labels = rng.integers(0, 2, n)
    for i in range(n):
        bg = rng.uniform(0, 60, 3)
        fg = rng.uniform(150, 255, 3)
        cy, cx = rng.uniform(size * 0.3, size * 0.7, 2)
        r = rng.uniform(size * 0.15, size * 0.3)
        mask = ((yy - cy) ** 2 + (xx - cx) ** 2 < r * r) if labels[i] == 0 else \
            (np.abs(yy - cy) < r * 0.85) & (np.abs(xx - cx) < r * 0.85)
        images[i] = np.where(mask[:, :, None], fg, bg).astype(np.uint8)
    return ImageSet(images, 3, DataReport("shapes", kept=n), labels=labels.astype(np.int64))


_GET = "It is part of the project's shared data (../shared/data); on another machine obtain it from"
_register(DataSource("mnist", "mnist/mnist_train.npz", "STYLEFORGE_MNIST", _read_mnist,
                     f"{_GET} https://yann.lecun.com/exdb/mnist/ as an .npz holding x_train (N,28,28 uint8) "
                     "and y_train.", channels=1))
_register(DataSource("cifar10", "cifar10/train", "STYLEFORGE_CIFAR10", _read_class_folders,
                     f"{_GET} https://www.cs.toronto.edu/~kriz/cifar.html and unpack it as "
                     "train/<class>/NNNN.jpg."))
_register(DataSource("monet", "gan_getting_started/monet_jpg", "STYLEFORGE_MONET", _read_folder,
                     f"{_GET} Kaggle's 'gan-getting-started' competition (monet_jpg/)."))
_register(DataSource("photo", "gan_getting_started/photo_jpg", "STYLEFORGE_PHOTO", _read_folder,
                     f"{_GET} Kaggle's 'gan-getting-started' competition (photo_jpg/)."))
_register(DataSource("shapes", ".", "STYLEFORGE_SHAPES", _read_shapes,
                     "It is generated by styleforge and needs no files."))


def open_source(name: str, path: str = "", *, grey: bool | None = None, **kwargs) -> ImageSet:
    """Load a named source or an image folder.

    kwargs: load_size, limit, holdout_fraction, holdout, max_pixels, background (for folders).
    """
    if name in SOURCES:
        source: DataSource = SOURCES.get(name)
        location = Path(".") if name == "shapes" else source.locate(path)
        reader_kwargs = dict(kwargs)
        if source.reader in (_read_folder, _read_class_folders):
            reader_kwargs.setdefault("grey", bool(grey))
            reader_kwargs["name"] = name
        return source.reader(location, **reader_kwargs)
    folder = Path(path or name).expanduser()
    if not folder.exists():
        raise StyleforgeError(f"data source '{name}' is neither a registered name "
                              f"({', '.join(SOURCES.names())}) nor an existing folder")
    if folder.is_file():
        raise StyleforgeError(f"{folder}: expected a folder of images, got a file")
    return _read_folder(folder, grey=bool(grey), **kwargs)

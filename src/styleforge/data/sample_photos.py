"""Sample photos that ship with a dependency (matplotlib's sample data), for the demo and as the built-in
content set when a user brings style images but no photos of their own."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def demo_photos(size: int = 384) -> dict[str, np.ndarray]:
    """name -> HWC uint8 RGB, each `size` px high: matplotlib's sample photo and a shaded-relief
    landscape from its DEM."""
    import matplotlib
    from matplotlib import cbook
    from matplotlib.colors import LightSource
    from PIL import Image

    photos = {}
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        photos["grace_hopper"] = np.asarray(Image.open(f).convert("RGB"))
    dem = cbook.get_sample_data("jacksboro_fault_dem.npz")
    elevation = dem["elevation"] if hasattr(dem, "__getitem__") else np.load(dem)["elevation"]
    shaded = LightSource(azdeg=315, altdeg=35).shade(elevation, cmap=matplotlib.colormaps["gist_earth"],
                                                     vert_exag=0.05, blend_mode="soft")
    photos["terrain"] = (shaded[..., :3] * 255).astype(np.uint8)
    out = {}
    for name, img in photos.items():
        pil = Image.fromarray(img)
        scale = size / pil.height
        out[name] = np.asarray(pil.resize((round(pil.width * scale), round(pil.height * scale)), Image.LANCZOS))
    return out


def write_content_crops(folder: str | os.PathLike, count: int = 24, size: int = 160, seed: int = 0) -> Path:
    """Write `count` random crops (size x size, random scale and flips) of the sample photos into `folder`:
    a small built-in content set. Returns the folder."""
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    photos = list(demo_photos(384).values())
    for i in range(count):
        img = photos[i % len(photos)]
        side = int(rng.integers(size, min(img.shape[:2]) + 1))
        y, x = (int(rng.integers(0, d - side + 1)) for d in img.shape[:2])
        crop = Image.fromarray(img[y:y + side, x:x + side]).resize((size, size), Image.Resampling.BICUBIC)
        if rng.random() < 0.5:
            crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        crop.save(folder / f"sample_{i:03d}.png")
    return folder

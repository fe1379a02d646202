"""Apply a learned style: `Stylizer.from_pretrained(path)(image)`. Imports no training code."""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ModelFileError, StyleforgeError
from ..models import load_pretrained
from ..nn.color import preserve_color
from .tiling import stylize_tiled
from .sampler import resolve_model_dir

MIN_SIDE = 16  # smaller images (down to 1x1) are padded up to this before the generator sees them
MAX_MULTIPLE = 512  # a model that needs image sides in larger steps would pad every photo to a huge size


def bundled_styles() -> dict[str, Path]:
    """Styles shipped inside the package: name -> export folder."""
    root = Path(str(resources.files("styleforge") / "assets" / "styles"))
    return {p.name: p for p in sorted(root.iterdir()) if (p / "config.json").is_file()} if root.is_dir() else {}


def resolve_style(style: str | None = None, model: str | os.PathLike | None = None) -> Path:
    if (style is None) == (model is None):
        raise StyleforgeError("give exactly one of --style NAME (a bundled style) or --model PATH")
    if model is not None:
        return resolve_model_dir(model)
    styles = bundled_styles()
    if style not in styles:
        raise StyleforgeError(f"unknown bundled style '{style}'; valid: {', '.join(styles) or '(none installed)'}")
    return styles[style]


def pad_to_multiple(x: torch.Tensor, multiple: int, minimum: int = MIN_SIDE) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, H', W'): H' and W' the next multiples of `multiple` that are >= `minimum` (the
    generator's own reflection padding needs a few pixels), padded at the bottom and right by reflection
    (by replication where the image is smaller than the padding). Crop [..., :H, :W] afterwards."""
    h, w = x.shape[-2:]
    th, tw = ((max(size, minimum) + multiple - 1) // multiple * multiple for size in (h, w))
    ph, pw = th - h, tw - w
    if not (ph or pw):
        return x
    return F.pad(x, (0, pw, 0, ph), mode="reflect" if min(h, w) > max(ph, pw) else "replicate")


class StylizerBase:
    """What every stylising backend shares: strength / colour keeping and tiled uint8 images.

    Subclasses implement `styled(images, offset) -> images`, (N, 3, H, W) in [-1, 1], any H and W; `offset`
    is the (row, column) of the images' top-left pixel in the whole picture (tiles of a large print), which
    generators with position noise read so that overlapping tiles agree."""

    #: what error messages call the model (its file or folder)
    source: str = "the model"

    def styled(self, images: torch.Tensor, offset=(0, 0)) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def __call__(self, images: torch.Tensor, strength: float = 1.0, keep_color: bool = False,
                 offset=(0, 0)) -> torch.Tensor:
        """images (N, 3, H, W) in [-1, 1] -> (N, 3, H, W): blend(original, styled, strength), optional colour keep."""
        if not 0.0 <= strength <= 1.0:
            raise StyleforgeError(f"strength must be in [0, 1], got {strength}")
        styled = self.styled(images, offset).to(images.device, images.dtype)
        self.check_output(styled)
        if keep_color:
            styled = preserve_color(styled, images)
        return (images + strength * (styled - images)).clamp(-1, 1)

    def check_output(self, styled: torch.Tensor) -> None:
        if not torch.isfinite(styled).all():
            raise ModelFileError(f"{self.source}: the model's output holds NaN or infinite values (broken weights "
                                 "or graph); nothing was written")

    def probe(self) -> "StylizerBase":
        """One small forward pass, so that a model that loads but cannot stylise (wrong output size or channels,
        NaN output, a graph that fails) is refused when it is opened, not on every use. Returns self."""
        multiple = getattr(self, "multiple", 4)
        if not 1 <= multiple <= MAX_MULTIPLE:
            raise ModelFileError(f"{self.source}: it needs image sides in multiples of {multiple} "
                                 f"(limit {MAX_MULTIPLE}); refused")
        side = max(32, multiple)
        x = torch.linspace(-1, 1, 3 * side * side).reshape(1, 3, side, side)
        try:
            out = self.styled(x)
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            raise ModelFileError(f"{self.source}: fails on a {side}x{side} test image "
                                 f"({str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__})") from None
        if tuple(out.shape) != tuple(x.shape):
            raise ModelFileError(f"{self.source}: maps a (1, 3, {side}, {side}) image to {tuple(out.shape)}; a style "
                                 "model must return an RGB image of its input's size")
        self.check_output(out)
        return self

    def stylize_array(self, image: np.ndarray, strength: float = 1.0, keep_color: bool = False,
                      tile: int = 512, overlap: int = 128, mask: np.ndarray | None = None,
                      feather_radius: int = 0) -> np.ndarray:
        """uint8 (H, W, 3) -> uint8 (H, W, 3): the one stylising path of the CLI and the web app. Images larger
        than `tile` go through overlapping tiles, so memory stays bounded by the tile size (inference.tiling);
        `mask` (H, W) in [0, 1] (1 = stylise), feathered by `feather_radius` px, blends the result back into
        the photo (inference.masks)."""
        out = stylize_tiled(lambda x, offset: self(x, strength, keep_color, offset), image, tile, overlap,
                            with_offset=True)
        if mask is None:
            return out
        from .masks import apply_mask, feather
        return apply_mask(image, out, feather(mask, feather_radius))


class Stylizer(StylizerBase):
    """Maps photos (N, 3, H, W) in [-1, 1], any H and W, to stylised images of the same size."""

    def __init__(self, generator: torch.nn.Module, device: str | torch.device = "cpu", multiple: int | None = None,
                 style_names: list[str] | None = None, channels_last: bool = False, amp: str = "off"):
        """`channels_last` converts the generator's weights in place (so only for a generator the stylizer
        owns): on the CPU 1.3-2x faster for the light generators, same numbers (ResNet-9: 1.15x slower).
        `amp`: 'auto' (bf16 autocast where the device has bf16 units and the generator is marked
        `autocast_safe`, measured within 1/255 of fp32), 'bf16' (the same, without the device check) or 'off'."""
        from ..precision import resolve_inference_amp

        self.generator, self.device = generator.eval(), torch.device(device)
        chosen = resolve_inference_amp(amp, self.device)
        self.autocast = chosen == "bf16" and getattr(generator, "autocast_safe", False)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        if channels_last:
            self.generator.to(memory_format=torch.channels_last)
        self.multiple = multiple or getattr(generator, "size_multiple", 4)
        self.style_names = style_names or []  # a multi-style model's styles (base, then adapters)

    #: the export metadata of a model opened by from_pretrained (recipe, step, whether its training finished)
    metadata: dict = {}

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, device: str = "cpu", styles: str | dict | None = None,
                        amp: str = "off") -> "Stylizer":
        """`styles`: for a multi-style model, 'NAME=W,NAME=W' (or one NAME; default: its first style); `amp`:
        see __init__ (the CLI and the web app pass 'auto')."""
        folder = resolve_model_dir(path)
        module, config = load_pretrained(folder, device=device)
        # channels-last where the network says it helps (light generators; ResNet-9 is slower that way)
        fast_layout = torch.device(device).type == "cpu" and getattr(module, "prefers_channels_last", False)
        meta = config.get("metadata", {})
        if meta.get("task") != "image":
            raise ModelFileError(f"{path}: not an image-to-image style model (use `styleforge sample` for GANs)")
        if "styles" not in meta:
            if styles:
                raise StyleforgeError(f"{path}: a single-style model; --styles applies to multi-style models")
            stylizer = cls(module, device, channels_last=fast_layout, amp=amp)
        else:
            from ..models.adapters import attach_adapters
            names = attach_adapters(module, folder, list(meta["styles"]))
            stylizer = cls(module, device, style_names=names, channels_last=fast_layout, amp=amp)
            stylizer.select(styles)
        stylizer.metadata, stylizer.source = meta, str(folder)
        return stylizer.probe()

    def select(self, styles: str | dict | None) -> None:
        """Mix of a multi-style model's styles: 'NAME=W,...', {name: w} or one NAME."""
        from .styles import style_weights
        self.generator.select(style_weights(styles, self.style_names))

    @torch.no_grad()
    def styled(self, images: torch.Tensor, offset=(0, 0)) -> torch.Tensor:
        h, w = images.shape[-2:]
        x = pad_to_multiple(images.to(self.device), self.multiple).contiguous(memory_format=self.memory_format)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            out = self.generator(x, offset=offset) if getattr(self.generator, "noise_channels", 0) else self.generator(x)
        return out[..., :h, :w].float().contiguous().cpu()


def training_note(meta: dict) -> str | None:
    """A warning for a model exported by a run that did not finish (killed or interrupted), else None."""
    if meta.get("complete", True):
        return None
    return (f"note: this model was exported at step {meta.get('step')} of {meta.get('planned_steps')} planned "
            f"(after {meta.get('trained_s', 0) / 60:.1f} minutes; the run did not finish), so its style may be weak; "
            "`styleforge train --resume RUN` continues it")

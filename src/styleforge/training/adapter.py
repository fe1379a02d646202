"""Add a personal style to a trained multi-style model: learn one new style code (an adapter of a few KB)
with every base weight frozen, so the existing styles are untouched (bit-identical files and outputs).

A fresh light PatchGAN judges the new style's images against G(photo, new code); PatchNCE keeps the content.
"""
from __future__ import annotations

import os
import time

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from ..data import Preprocess, open_source
from ..data.augment import diff_augment
from ..errors import StyleforgeError
from ..files import atomic_path
from ..models.pretrained import resolve_model_dir
from ..inference.styles import ADAPTERS, attach_adapters, check_style_name
from ..losses import PatchSampleMLP, get_adversarial_loss, layered_patch_nce
from ..models import DISCRIMINATORS, load_pretrained


def add_style(base: str | os.PathLike, name: str, images: str, content: str = "photo", steps: int = 600,
              size: int = 128, batch_size: int = 4, lr: float = 0.01, nce_weight: float = 0.3, seed: int = 0,
              log_every: int = 100) -> dict:
    """Train folder/adapters/NAME.safetensors for the multi-style model in `base`. -> summary dict."""
    folder = resolve_model_dir(base)
    check_style_name(name)
    g, config = load_pretrained(folder)
    meta = config.get("metadata", {})
    if "styles" not in meta:
        raise StyleforgeError(f"{base}: not a multi-style model (train one with `styleforge train multistyle`)")
    names = attach_adapters(g, folder, list(meta["styles"]))
    if name in names:
        raise StyleforgeError(f"{base}: it already has a style named '{name}'")
    torch.manual_seed(seed)
    g.requires_grad_(False)
    base_codes = g.codes.detach().clone()
    code = torch.nn.Parameter(base_codes.mean(0).clone())
    weights = F.one_hot(torch.tensor(len(names)), len(names) + 1).float()
    d = DISCRIMINATORS.create("patchgan", channels=3, base_channels=32, layers=2)
    f = PatchSampleMLP([h.shape[1] for h in g.features(torch.zeros(1, 3, 32, 32), g.nce_layers)])
    opt_g = torch.optim.Adam([code, *f.parameters()], lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    adversarial = get_adversarial_loss("lsgan")
    load = round(size * 1.12)
    style_set = open_source(images, "", load_size=load)
    content_set = open_source(content, "", load_size=load, holdout_fraction=0.1)
    print(style_set.report.summary())
    prep = Preprocess(size, load, "random", True)
    gen = torch.Generator().manual_seed(seed)

    def batch(images) -> torch.Tensor:
        idx = torch.randint(len(images), (batch_size,), generator=gen).tolist()
        return prep([images.images[i] for i in idx], gen)

    start, log = time.perf_counter(), []
    for step in range(1, steps + 1):
        a, b = batch(content_set), batch(style_set)
        codes = torch.cat([base_codes, code[None]])
        fake = g(a, weights, codes=codes)
        loss_d = adversarial.discriminator_loss(d(diff_augment(b, "translation,cutout")),
                                                d(diff_augment(fake.detach(), "translation,cutout")))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        adv = adversarial.generator_loss(d(diff_augment(fake, "translation,cutout")))
        nce = layered_patch_nce(lambda x: g.features(x, g.nce_layers, weights, codes), f, a, fake, 128)
        opt_g.zero_grad(set_to_none=True)
        (adv + nce_weight * nce).backward()
        opt_g.step()
        if step % log_every == 0 or step == steps:
            log.append({"step": step, "loss_G": adv.item(), "loss_nce": nce.item(), "loss_D": loss_d.item()})
            print(f"step {step}/{steps}: loss_G {adv.item():.3f} nce {nce.item():.3f} loss_D {loss_d.item():.3f}",
                  flush=True)
    if not torch.isfinite(code).all():
        raise StyleforgeError("the new style's code became non-finite; try a lower learning rate")
    path = folder / ADAPTERS / f"{name}.safetensors"
    path.parent.mkdir(exist_ok=True)
    with atomic_path(path) as tmp:
        save_file({"code": code.detach().contiguous()}, str(tmp), metadata={"style": name, "steps": str(steps)})
    return {"adapter": str(path), "bytes": path.stat().st_size, "seconds": time.perf_counter() - start,
            "styles": names + [name], "log": log}

"""train.amp=auto: bf16 autocast where this machine runs it faster, fp32 elsewhere.

On a CPU, bf16 pays only with bf16 units (AVX512-BF16, AMX); elsewhere it is emulated and slower. No
capability flag says which reliably, so a short probe decides: a small convolution stack's forward and
backward, timed in fp32 and under bf16 autocast (about a second, once per process). On CUDA, bf16 where
the device supports it.
"""
from __future__ import annotations

import functools
import time

import torch
from torch import nn

SPEEDUP_NEEDED = 1.15  # bf16 must beat fp32 by this factor to be chosen


def _best_seconds(fn, repeats: int = 3) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


@functools.lru_cache(maxsize=1)
def cpu_bf16_speedup() -> float:
    """fp32 time / bf16-autocast time of a small conv stack's training step on this CPU."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(3, 48, 3, padding=1), nn.ReLU(), nn.Conv2d(48, 48, 3, padding=1), nn.ReLU(),
                            nn.Conv2d(48, 3, 3, padding=1))
        x = torch.randn(4, 3, 96, 96)

    def step(bf16: bool):
        def run():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = net(x).float().square().mean()
            loss.backward()
        return run

    return _best_seconds(step(False)) / _best_seconds(step(True))


@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """Whether this CPU lists bf16 arithmetic units (AVX512-BF16 or AMX-BF16) in /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_inference_amp(amp: str, device: torch.device) -> str:
    """'auto' -> 'bf16' where the device has bf16 units (a cheap check, no probe: stylising one image must not
    pay a second of probing), else 'off'; 'bf16' and 'off' unchanged."""
    if amp not in ("auto", "bf16", "off"):
        raise ValueError(f"unknown precision '{amp}'; valid: auto, bf16, off")
    if amp != "auto":
        return amp
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "off"
    return "bf16" if device.type == "cpu" and cpu_has_bf16() else "off"


def resolve_amp(amp: str, device: torch.device) -> str:
    """'auto' -> 'bf16' or 'off' for this device; other values unchanged."""
    if amp != "auto":
        return amp
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "off"
    if device.type == "cpu":
        return "bf16" if cpu_bf16_speedup() >= SPEEDUP_NEEDED else "off"
    return "off"

"""Flicker of a stylised video: what changes between frames that the motion of the input does not explain.

flicker(O) = mean over reliable pixels (nn/flow.py) of |O_t - warp(O_{t-1}, f)|, f the flow of the inputs,
averaged over frames, x255 (8-bit units). Frames are float32 (H, W, 3) in [0, 1].
"""
from __future__ import annotations

import numpy as np

from ..nn.flow import flow, reliable_mask, warp


def flicker(inputs: list[np.ndarray], outputs: list[np.ndarray]) -> float:
    """Mean |O_t - warp(O_{t-1})| over reliable pixels, with flow from the inputs (x255 for 8-bit units)."""
    values = []
    for t in range(1, len(inputs)):
        back, fwd = flow(inputs[t], inputs[t - 1]), flow(inputs[t - 1], inputs[t])
        mask = reliable_mask(inputs[t], inputs[t - 1], back, fwd)
        if mask.sum() == 0:
            continue
        diff = np.abs(outputs[t] - warp(outputs[t - 1], back)).mean(2)
        values.append(float((diff * mask).sum() / mask.sum()))
    return 255.0 * float(np.mean(values)) if values else 0.0

"""Temporal consistency for video: optical-flow warping of the previous stylised frame.

For frame t (input I_t, plain stylised S_t) and the previous input I_{t-1} and output O_{t-1}:
backward flow f (I_t -> I_{t-1}) and forward flow g (I_{t-1} -> I_t), the reliable pixels (nn/flow.py), and
O_t = S_t + reliable * blend * (warp(O_{t-1}, f) - S_t). How much is left: metrics/temporal.py (flicker).
All images are float32 (H, W, 3) in [0, 1].
"""
from __future__ import annotations

import numpy as np

from ..nn.flow import flow, reliable_mask, warp


class Stabilizer:
    """Feeds frames in order; returns temporally stabilised outputs (blend in [0, 1], 0 = off)."""

    def __init__(self, blend: float = 0.7):
        self.blend, self.prev_in, self.prev_out = blend, None, None

    def __call__(self, frame: np.ndarray, styled: np.ndarray) -> np.ndarray:
        out = styled
        if self.blend > 0 and self.prev_in is not None:
            back, fwd = flow(frame, self.prev_in), flow(self.prev_in, frame)
            mask = reliable_mask(frame, self.prev_in, back, fwd)[..., None]
            out = styled + self.blend * mask * (warp(self.prev_out, back) - styled)
        self.prev_in, self.prev_out = frame, out
        return out

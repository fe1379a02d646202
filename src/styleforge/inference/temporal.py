"""Temporal consistency for video: optical-flow warping of the previous stylised frame.

For frame t (input I_t, plain stylised S_t) and the previous input I_{t-1} and output O_{t-1}:
- backward flow f (I_t -> I_{t-1}, Farnebäck) and forward flow g (I_{t-1} -> I_t);
- reliable(x) when the flows agree, |f(x) + g(x + f(x))| < 0.5 + 0.05 (|f|+|g|), and the warped input
  matches, |I_t(x) - I_{t-1}(x + f(x))| < 0.06 (both checks exclude occlusions and flow errors);
- O_t = S_t + reliable * blend * (warp(O_{t-1}, f) - S_t).
flicker(O) = mean over reliable pixels of |O_t - warp(O_{t-1})|, averaged over frames.
All images are float32 (H, W, 3) in [0, 1].
"""
from __future__ import annotations

import cv2
import numpy as np


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor((image * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)


def flow(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Dense flow (H, W, 2) such that src(x) ~ dst(x + flow(x)); inputs float (H, W, 3) in [0, 1]."""
    return cv2.calcOpticalFlowFarneback(_grey(src), _grey(dst), None, 0.5, 4, 21, 3, 5, 1.1, 0)


def warp(image: np.ndarray, f: np.ndarray) -> np.ndarray:
    """image sampled at x + f(x): (H, W, C) -> (H, W, C)."""
    h, w = f.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(image, gx + f[..., 0], gy + f[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def reliable_mask(current: np.ndarray, previous: np.ndarray, backward: np.ndarray,
                  forward: np.ndarray) -> np.ndarray:
    """(H, W) float mask of pixels whose flow is consistent and not occluded."""
    fwd_at = warp(forward, backward)
    residual = np.linalg.norm(backward + fwd_at, axis=2)
    tolerance = 0.5 + 0.05 * (np.linalg.norm(backward, axis=2) + np.linalg.norm(fwd_at, axis=2))
    photometric = np.abs(current - warp(previous, backward)).mean(2)
    h, w = backward.shape[:2]
    gx, gy = np.meshgrid(np.arange(w), np.arange(h))
    inside = ((gx + backward[..., 0] >= 0) & (gx + backward[..., 0] <= w - 1)
              & (gy + backward[..., 1] >= 0) & (gy + backward[..., 1] <= h - 1))
    return ((residual < tolerance) & (photometric < 0.06) & inside).astype(np.float32)


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

"""Dense optical flow between video frames (Farnebäck, OpenCV), warping by a flow, and the mask of pixels
whose flow can be trusted. Images are float32 (H, W, 3) in [0, 1]; flows (H, W, 2) in pixels.

reliable(x) when the flows agree, |f(x) + g(x + f(x))| < 0.5 + 0.05 (|f|+|g|), and the warped input
matches, |I_t(x) - I_{t-1}(x + f(x))| < 0.06 (both checks exclude occlusions and flow errors).
Used by the video stabiliser (inference/temporal.py) and the flicker metric (metrics/temporal.py).
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

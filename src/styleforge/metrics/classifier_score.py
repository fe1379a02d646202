"""Recognisability of generated samples, judged by a classifier trained on real labelled images.

score = fraction of samples the classifier labels with confidence >= threshold; the class histogram
of the predictions exposes mode collapse (a class missing or dominant).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .fitting import fit


class SmallClassifier(nn.Module):
    """images (N, C, S, S) in [-1, 1] -> logits (N, classes). Two conv blocks and two linear layers."""

    def __init__(self, channels: int = 1, classes: int = 10, image_size: int = 28, width: int = 32):
        super().__init__()
        flat = width * 2 * (image_size // 4) ** 2
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, width * 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(flat, 128), nn.ReLU(), nn.Linear(128, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def train_classifier(images: torch.Tensor, labels: torch.Tensor, classes: int = 10, epochs: int = 2,
                     batch_size: int = 128, seed: int = 0) -> nn.Module:
    """Fit a SmallClassifier on real images (N, C, H, W) in [-1, 1] with integer labels (N,)."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    return fit(SmallClassifier(images.shape[1], classes, images.shape[-1]), images, labels, F.cross_entropy, epochs,
               batch_size, g)


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    preds = torch.cat([model(chunk).argmax(1) for chunk in images.split(512)])
    return (preds == labels).float().mean().item()


@dataclass
class ClassifierScore:
    confident_fraction: float        # share of samples classified with confidence >= threshold
    class_fractions: list[float]     # share of samples predicted as each class

    @property
    def min_class_fraction(self) -> float:
        return min(self.class_fractions)


@torch.no_grad()
def classifier_score(model: nn.Module, samples: torch.Tensor, threshold: float = 0.9) -> ClassifierScore:
    """samples (N, C, H, W) in [-1, 1] -> ClassifierScore."""
    probs = torch.cat([model(chunk).softmax(1) for chunk in samples.split(512)])
    confidence, preds = probs.max(1)
    classes = probs.shape[1]
    counts = torch.bincount(preds, minlength=classes).float() / len(samples)
    return ClassifierScore((confidence >= threshold).float().mean().item(), counts.tolist())

"""Metrics: small, separately tested units, registered by name."""
from . import c2st, frechet, perceptual, structure, swd  # noqa: F401  (fill the metric registry)
from .classifier_score import ClassifierScore, classifier_score, train_classifier
from .image_quality import color_transfer, psnr, ssim, ycc_statistics
from .registry import METRICS
from .style_operators import STYLE_OPERATORS

__all__ = ["METRICS", "STYLE_OPERATORS", "ClassifierScore", "classifier_score", "color_transfer", "psnr", "ssim",
           "train_classifier", "ycc_statistics"]

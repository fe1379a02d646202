"""Inference: loads exported models (config.json + model.safetensors); never imports training code."""
from .sampler import NoiseSampler, resolve_model_dir
from .stylizer import Stylizer, bundled_styles, resolve_style
from .fusion import FusedStylizer, open_stylizer

__all__ = ["FusedStylizer", "NoiseSampler", "Stylizer", "bundled_styles", "open_stylizer", "resolve_model_dir",
           "resolve_style"]

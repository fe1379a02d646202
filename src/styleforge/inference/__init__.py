"""Inference: loads exported models (config.json + model.safetensors); never imports training code."""
from .sampler import NoiseSampler, resolve_model_dir
from .stylizer import Stylizer, bundled_styles, resolve_style

__all__ = ["NoiseSampler", "Stylizer", "bundled_styles", "resolve_model_dir", "resolve_style"]

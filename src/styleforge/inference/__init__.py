"""Inference: loads exported models (config.json + model.safetensors); never imports training code."""
from .sampler import NoiseSampler, resolve_model_dir

__all__ = ["NoiseSampler", "resolve_model_dir"]

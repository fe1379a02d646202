"""styleforge: learn a personal image style with GANs and transfer it onto photos and video.

Public API (everything else is internal):

    from styleforge import load_config, train, NoiseSampler
    run_dir = train(load_config("mnist", recipe="dcgan"))
"""
from .config import Config, load_config
from .errors import StyleforgeError

__version__ = "0.1.0"


def train(config, resume=None, callbacks=None):
    """Train a config in a new run folder (or resume one); see styleforge.training.train."""
    from .training import train as _train

    return _train(config, resume=resume, callbacks=callbacks)


def __getattr__(name):
    if name in ("NoiseSampler", "Stylizer"):
        from . import inference

        return getattr(inference, name)
    raise AttributeError(name)


__all__ = ["Config", "load_config", "StyleforgeError", "train", "NoiseSampler", "Stylizer", "__version__"]

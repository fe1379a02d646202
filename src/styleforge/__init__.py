"""styleforge: learn a personal image style with GANs and transfer it onto photos and video.

Public API (everything else is internal; tests/test_public_api.py locks it and the README's examples):

    from styleforge import load_config, train, NoiseSampler
    run_dir = train(load_config("mnist", recipe="dcgan"))

    from styleforge import open_stylizer, read_image, save_array
    save_array(open_stylizer(style="monet").stylize_array(read_image("photo.jpg")), "photo_monet.jpg")
"""
from .config import Config, load_config
from .errors import StyleforgeError

__version__ = "0.1.0"


def train(config, resume=None, callbacks=None):
    """Train a config in a new run folder (or resume one); see styleforge.training.train."""
    from .training import train as _train

    return _train(config, resume=resume, callbacks=callbacks)


# loaded on first use: `import styleforge` stays light (torch not loaded, so the CLI can still choose how
# OpenMP threads wait, see runtime.py)
_LAZY = {"NoiseSampler": "inference", "Stylizer": "inference", "open_stylizer": "inference",
         "read_image": "imageio", "save_array": "imageio"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'styleforge' has no attribute '{name}'")


__all__ = ["Config", "load_config", "StyleforgeError", "train", "NoiseSampler", "Stylizer", "open_stylizer",
           "read_image", "save_array", "__version__"]

from . import dcgan, mlp, patchgan  # noqa: F401  (registers the discriminators)

from . import dcgan, mlp, patchgan, projected  # noqa: F401  (registers the discriminators)

from . import dcgan, filters, light, mlp, multistyle, resnet, unet  # noqa: F401  (registers the generators)

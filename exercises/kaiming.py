"""Exercise for docs/scale-and-initialisation.md, section Initialisation: Kaiming's initialisation."""

import math  # noqa: F401  (your answer will need it)

import torch  # noqa: F401  (your answer will need it)


def kaiming_normal(fan_out, fan_in, generator=None):
    """The weights of a layer with fan_in inputs and fan_out outputs, drawn as
    torch.nn.init.kaiming_normal_ draws them for a ReLU network.

    Return a float32 tensor of shape (fan_out, fan_in), the shape of
    nn.Linear(fan_in, fan_out).weight, of independent numbers from a normal
    distribution with mean 0 and variance 2 / fan_in, drawn with `generator`
    (the same generator state, the same weights). Raise a ValueError unless
    fan_in and fan_out are integers >= 1.
    """
    raise NotImplementedError("write kaiming_normal in exercises/kaiming.py")

"""Exercise for docs/scale-and-initialisation.md, section Initialisation: Kaiming's initialisation."""

import math

import torch


def kaiming_normal(fan_out, fan_in, generator=None):
    """The weights of a layer with fan_in inputs and fan_out outputs, drawn as
    torch.nn.init.kaiming_normal_ draws them for a ReLU network.

    Return a float32 tensor of shape (fan_out, fan_in), the shape of
    nn.Linear(fan_in, fan_out).weight, of independent numbers from a normal
    distribution with mean 0 and variance 2 / fan_in, drawn with `generator`
    (the same generator state, the same weights). Raise a ValueError unless
    fan_in and fan_out are integers >= 1.
    """
    # --8<-- [start:solution]
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    std = math.sqrt(2 / fan_in)  # ReLU zeroes half: twice the variance of 1 / fan_in
    return torch.randn(fan_out, fan_in, generator=generator) * std
    # --8<-- [end:solution]

"""Exercise for docs/digits.md, section The training loop."""

import torch  # noqa: F401  (your answer will need it)


def evaluate(model, loader, loss_fn):
    """Mean loss per example and accuracy over all the loader's examples.

    `loader` yields batches (xb, yb): inputs and integer class labels.
    `loss_fn(logits, yb)` returns the MEAN loss over a batch, as
    F.cross_entropy does. Batches may differ in size (the last one often
    is smaller), and the result must be what one big batch would give:

        loss     = the mean of the loss over all examples,
        accuracy = the share of all examples whose largest logit is at
                   the true class.

    Return the two as Python floats. Measure without tracking gradients
    (under torch.no_grad()) and in evaluation mode (model.eval(), which
    turns dropout off), and leave the model in the mode it was in before
    the call. Move each batch to the device the model is on (its
    parameters'), as training does. Raise a ValueError if the loader
    yields no examples.
    """
    raise NotImplementedError("write evaluate in exercises/evaluate.py")

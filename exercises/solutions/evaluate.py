"""Exercise for docs/digits.md, section The training loop."""

import torch


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
    # --8<-- [start:solution]
    device = next(model.parameters()).device  # batches go where the model is
    was_training = model.training
    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    try:
        with torch.no_grad():
            for inputs, labels in loader:
                xb, yb = inputs.to(device), labels.to(device)
                logits = model(xb)
                total_loss += loss_fn(logits, yb).item() * len(yb)  # a sum
                correct += (logits.argmax(dim=1) == yb).sum().item()
                n += len(yb)
    finally:
        model.train(was_training)  # as we found it
    if n == 0:
        raise ValueError("the loader yielded no examples")
    return total_loss / n, correct / n
    # --8<-- [end:solution]

"""Exercise for docs/validation-set.md, section How to hold data back."""

import torch  # noqa: F401  (your answer will need it)


def standardise(x_train, x_val):
    """Scale both parts with the training part's statistics; return both.

    `x_train` and `x_val` are float tensors of shape (examples, features).
    For each feature (column), take the mean m and the standard deviation s
    of the TRAINING part only (`correction` 0 or 1, either is fine), and
    return two new tensors of the shapes given:

        (x_train - m) / s,    (x_val - m) / s

    The validation part is only transformed, never measured, so nothing
    about it reaches the training part. Do not modify the tensors given.

    Raise a ValueError if the two parts have different numbers of features,
    if the training part holds fewer than two examples (one has no spread),
    or if a feature has the same value in every training example (its
    standard deviation is 0).
    """
    raise NotImplementedError("write standardise in exercises/standardise.py")

"""A wrong answer (each part its own statistics) to the exercise for docs/validation-set.md, section How to hold data back."""


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
    or if a feature has the same value in every training example (its
    standard deviation is 0).
    """
    if x_train.shape[1:] != x_val.shape[1:]:
        raise ValueError("x_train and x_val must have the same number of features")
    if (x_train.std(dim=0) == 0).any():
        raise ValueError("a feature is constant in x_train")
    return ((x_train - x_train.mean(dim=0)) / x_train.std(dim=0),
            (x_val - x_val.mean(dim=0)) / x_val.std(dim=0))

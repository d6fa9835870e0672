"""The check for exercises/standardise.py: run `python -m pytest exercises/test_standardise.py`."""

import pytest
import torch

EXERCISE = "standardise"


def data(seed=0):
    """Three features with different means and scales; the validation part drawn a little apart."""
    g = torch.Generator().manual_seed(seed)
    centre = torch.tensor([5.0, -2.0, 0.0], dtype=torch.float64)
    scale = torch.tensor([0.1, 3.0, 40.0], dtype=torch.float64)
    x_train = centre + scale * torch.randn(40, 3, generator=g, dtype=torch.float64)
    x_val = centre + scale * (
        1.0 + 1.5 * torch.randn(15, 3, generator=g, dtype=torch.float64)
    )
    return x_train, x_val


def expected(x_train, x_val, correction):
    m, s = x_train.mean(dim=0), x_train.std(dim=0, correction=correction)
    return (x_train - m) / s, (x_val - m) / s


def test_the_training_part_has_mean_0_and_standard_deviation_1(answer):
    x_train, x_val = data()
    out_train, out_val = answer.standardise(x_train, x_val)
    assert out_train.shape == x_train.shape and out_val.shape == x_val.shape, (
        f"return two tensors of the shapes you were given, {tuple(x_train.shape)} and "
        f"{tuple(x_val.shape)}; got {tuple(out_train.shape)} and {tuple(out_val.shape)}"
    )
    assert torch.allclose(
        out_train.mean(dim=0), torch.zeros(3, dtype=torch.float64), atol=1e-12
    ), (
        f"every feature of the standardised training part should have mean 0; got "
        f"{out_train.mean(dim=0).tolist()}"
    )
    std = out_train.std(dim=0, correction=0)
    n = len(x_train)
    assert ((std > (1 - 1 / n) ** 0.5 - 1e-12) & (std < 1 + 1e-12)).all(), (
        f"every feature of the standardised training part should have standard deviation 1 "
        f"(with correction 0 or 1); got {std.tolist()}"
    )


def test_the_validation_part_is_scaled_with_the_training_statistics(answer):
    x_train, x_val = data(1)
    out_train, out_val = answer.standardise(x_train, x_val)
    assert any(
        torch.allclose(out_train, want_train, rtol=1e-10, atol=1e-12)
        and torch.allclose(out_val, want_val, rtol=1e-10, atol=1e-12)
        for want_train, want_val in (expected(x_train, x_val, c) for c in (0, 1))
    ), (
        "both parts must become (x - m) / s with the same m and s: the mean and standard deviation "
        "of each feature over the TRAINING part alone"
    )


def test_the_validation_part_does_not_change_the_training_part(answer):
    x_train, x_val = data(2)
    out_train, _ = answer.standardise(x_train, x_val)
    out_train_again, _ = answer.standardise(x_train, 100 * x_val + 7)
    assert torch.allclose(out_train, out_train_again, rtol=1e-12, atol=0), (
        "changing the validation part changed the standardised training part: its statistics are "
        "leaking into training (compute m and s from x_train only)"
    )


def test_each_validation_example_is_scaled_on_its_own(answer):
    x_train, x_val = data(3)
    _, out_val = answer.standardise(x_train, x_val)
    _, first = answer.standardise(x_train, x_val[:1])
    assert torch.allclose(first, out_val[:1], rtol=1e-12, atol=1e-12), (
        "a validation example standardised alone should come out as it does among the others; "
        "the validation part must not be scaled with its own statistics"
    )


def test_the_inputs_are_not_modified(answer):
    x_train, x_val = data(4)
    train_before, val_before = x_train.clone(), x_val.clone()
    answer.standardise(x_train, x_val)
    assert torch.equal(x_train, train_before) and torch.equal(x_val, val_before), (
        "standardise changed the tensors it was given; return new tensors instead "
        "(x = (x - m) / s makes a new one, x -= m changes the caller's)"
    )


def test_a_constant_training_feature_raises_a_value_error(answer):
    x_train, x_val = data(5)
    x_train[:, 1] = 3.0
    with pytest.raises(ValueError):  # noqa: PT011  any message: the wording is the answer's own
        answer.standardise(x_train, x_val)


def test_a_training_part_of_one_example_raises_a_value_error(answer):
    # one example has no spread: its standard deviation is 0 (correction 0) or nan (correction 1),
    # and dividing by either would hand back infinities or nans instead of an error
    x_train, x_val = data(7)
    with pytest.raises(ValueError):  # noqa: PT011  any message: the wording is the answer's own
        answer.standardise(x_train[:1], x_val)


def test_different_numbers_of_features_raise_a_value_error(answer):
    x_train, x_val = data(6)
    with pytest.raises(ValueError):  # noqa: PT011  any message: the wording is the answer's own
        answer.standardise(x_train, x_val[:, :2])

"""The argument checks every lesson shares (snippets/checks.py): each lets a good value through,
as a number of the right type, and refuses a bad one with a message naming the argument and the
value."""

import math

import pytest
import torch

from conftest import BAD, Call, table_of_bad_inputs
from snippets import checks


@pytest.mark.parametrize(
    "check, value, expected",
    [
        (lambda v: checks.check_number("x", v), 3, 3.0),
        (lambda v: checks.check_number("x", v), torch.tensor(2.5), 2.5),
        (lambda v: checks.check_positive("lr", v), 0.1, 0.1),
        (lambda v: checks.check_in_range("mu", v, 0, 1), 0.0, 0.0),
        (lambda v: checks.check_in_range("p", v, 0, 1, high_included=True), 1.0, 1.0),
        (lambda v: checks.check_count("steps", v), 0, 0),
        (lambda v: checks.check_count("batch_size", v, low=1, high=8), 8, 8),
    ],
)
def test_a_good_value_passes_and_comes_back_as_a_number(check, value, expected):
    result = check(value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("kind", ["positive", "count", "count1", "fraction"])
def test_every_bad_value_of_a_kind_is_refused_naming_the_argument_and_the_value(kind):
    check = {
        "positive": lambda v: checks.check_positive("lr", v),
        "count": lambda v: checks.check_count("lr", v),
        "count1": lambda v: checks.check_count("lr", v, low=1),
        "fraction": lambda v: checks.check_in_range("lr", v, 0, 1),
    }[kind]
    for value in BAD[kind]:
        with pytest.raises((ValueError, TypeError)) as refused:
            check(value)
        message = str(refused.value)
        assert message.startswith("lr must "), message
        assert repr(value) in message or (
            isinstance(value, float) and math.isnan(value) and "nan" in message
        )


def test_a_value_of_the_wrong_type_is_a_type_error_and_a_wrong_value_a_value_error():
    with pytest.raises(TypeError, match=r"lr must be a number, got str '0\.1'"):
        checks.check_positive("lr", "0.1")
    with pytest.raises(TypeError, match="steps must be an integer, got bool True"):
        checks.check_count("steps", True)
    with pytest.raises(
        ValueError, match=r"lr must be a positive, finite number, got nan"
    ):
        checks.check_positive("lr", float("nan"))
    with pytest.raises(
        ValueError, match=r"batch_size must be an integer from 1 to 8, got 9"
    ):
        checks.check_count("batch_size", 9, low=1, high=8)
    with pytest.raises(ValueError, match=r"mu must be in \[0, 1\), got 1.0"):
        checks.check_in_range("mu", 1.0, 0, 1)


def test_tensors_are_checked_for_type_dimensions_emptiness_and_floats():
    x = torch.zeros(3, 2)
    assert checks.check_tensor("x", x, ndim=2) is x
    with pytest.raises(TypeError, match="x must be a tensor, got list"):
        checks.check_tensor("x", [1.0])
    with pytest.raises(
        ValueError, match=r"x must have 1 dimensions, got shape \(3, 2\)"
    ):
        checks.check_tensor("x", x, ndim=1)
    with pytest.raises(ValueError, match=r"x must not be empty"):
        checks.check_tensor("x", torch.zeros(0, 2))
    with pytest.raises(
        TypeError, match=r"x must hold floating-point numbers, got torch\.int64"
    ):
        checks.check_tensor("x", torch.zeros(3, dtype=torch.long))


def test_examples_and_targets_must_be_as_many_and_shapes_must_agree():
    assert checks.check_examples(torch.zeros(4, 2), torch.zeros(4)) == 4
    with pytest.raises(
        ValueError,
        match=r"x and y must hold the same number of examples, got shapes \(4, 2\) and \(3,\)",
    ):
        checks.check_examples(torch.zeros(4, 2), torch.zeros(3))
    with pytest.raises(
        ValueError,
        match=r"y_hat and y must have the same shape, got \(3,\) and \(3, 1\)",
    ):
        checks.check_same_shape("y_hat", torch.zeros(3), "y", torch.zeros(3, 1))


def test_labels_must_be_whole_numbers_from_0_to_classes_minus_1():
    labels = torch.tensor([0, 9, 3])
    assert checks.check_labels("y", labels, 10) is labels
    with pytest.raises(
        ValueError, match=r"y must be class labels from 0 to 9, got values from 0 to 10"
    ):
        checks.check_labels("y", torch.tensor([0, 10]), 10)
    with pytest.raises(ValueError, match=r"from -1 to 3"):
        checks.check_labels("y", torch.tensor([-1, 3]), 10)
    with pytest.raises(
        TypeError, match=r"y must hold integer class labels, got torch\.float32"
    ):
        checks.check_labels("y", torch.tensor([0.0, 1.0]), 10)


def test_check_function_takes_anything_to_call_and_says_what_it_got():
    assert checks.check_function("f", abs) is abs
    assert checks.check_function("f", torch.nn.MSELoss()) is not None
    with pytest.raises(TypeError, match=r"f must be a function, got str 'x'"):
        checks.check_function("f", "x")


CALLS = [
    Call(checks.check_number, {"value": ["1", None, [1.0]]}, name="value", value=1.0),
    Call(checks.check_positive, {"value": "positive"}, name="value", value=1.0),
    Call(
        checks.check_in_range,
        {"value": "fraction"},
        name="value",
        value=0.5,
        low=0,
        high=1,
    ),
    Call(checks.check_count, {"value": "count"}, name="value", value=3),
    Call(
        checks.check_tensor,
        {"value": "tensor"},
        name="value",
        value=lambda: torch.zeros(2),
    ),
    Call(
        checks.check_examples,
        {"x": "tensor", "y": [torch.zeros(3), None]},
        x=lambda: torch.zeros(4, 2),
        y=lambda: torch.zeros(4),
    ),
    Call(
        checks.check_same_shape,
        {"b": [torch.zeros(2)]},
        name_a="a",
        a=lambda: torch.zeros(3),
        name_b="b",
        b=lambda: torch.zeros(3),
    ),
    Call(
        checks.check_labels,
        {"labels": [torch.tensor([5]), torch.tensor([0.5]), None]},
        name="labels",
        labels=lambda: torch.tensor([1, 2]),
        classes=3,
    ),
    Call(
        checks.check_function,
        {"value": [None, "f", 3.0, torch.zeros(2)]},
        name="value",
        value=lambda: abs,
    ),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_each_call_of_the_table_is_valid,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(checks, CALLS)

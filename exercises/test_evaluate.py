"""The check for exercises/evaluate.py: run `python -m pytest exercises/test_evaluate.py`."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

EXERCISE = "evaluate"


def data(n=50, seed=0):
    """n examples of 8 features in 4 classes, in float64."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 8, generator=g, dtype=torch.float64), torch.randint(
        4, (n,), generator=g
    )


def make_model(dropout=0.0, seed=0):
    """8 inputs -> 16 ReLU units (then dropout) -> 4 logits, in float64, seeded."""
    model = nn.Sequential(
        nn.Linear(8, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 4)
    ).double()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.5, 0.5, generator=g)
    return model


def loader(x, y, batch_size, seed=0):
    return DataLoader(
        TensorDataset(x, y),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )


def full_batch(model, x, y):
    """The loss and accuracy of one batch of all examples, in evaluation mode."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = model(x)
    model.train(was_training)
    return F.cross_entropy(logits, y).item(), (
        logits.argmax(dim=1) == y
    ).double().mean().item()


@pytest.mark.parametrize("batch_size", [7, 16, 50, 1])
def test_equals_one_batch_of_all_examples(answer, batch_size):
    x, y = data()
    model = make_model()
    want_loss, want_acc = full_batch(model, x, y)
    loss, acc = answer.evaluate(model, loader(x, y, batch_size), F.cross_entropy)
    assert loss == pytest.approx(want_loss, rel=1e-12), (
        f"with batches of {batch_size} of 50 examples the loss is {loss}, but one batch of all 50 "
        f"gives {want_loss}: weight each batch's mean loss by its number of examples (the mean of "
        f"the batch means counts the small last batch as much as a full one)"
    )
    assert acc == pytest.approx(want_acc, rel=1e-12), (
        f"with batches of {batch_size} of 50 examples the accuracy is {acc}, but {want_acc} of all "
        f"50 examples are right: count correct examples over all batches, then divide once"
    )


def test_returns_two_python_floats(answer):
    x, y = data()
    result = answer.evaluate(make_model(), loader(x, y, 7), F.cross_entropy)
    assert isinstance(result, tuple) and len(result) == 2, (
        "return a tuple (loss, accuracy)"
    )
    assert all(isinstance(v, float) for v in result), (
        f"return Python floats (use .item()), got {[type(v).__name__ for v in result]}"
    )


def test_leaves_the_parameters_and_their_gradients_alone(answer):
    x, y = data(seed=1)
    model = make_model(seed=1)
    before = [p.detach().clone() for p in model.parameters()]
    answer.evaluate(model, loader(x, y, 7), F.cross_entropy)
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before)), (
        "evaluate changed the model's parameters; it must only measure"
    )
    assert all(p.grad is None for p in model.parameters()), (
        "after evaluate a parameter has a .grad: measuring must not call backward()"
    )


def test_runs_the_model_without_tracking_gradients(answer):
    x, y = data(seed=2)
    model = make_model(seed=2)
    tracked = []
    model.register_forward_hook(
        lambda module, inputs, output: tracked.append(output.requires_grad)
    )
    answer.evaluate(model, loader(x, y, 7), F.cross_entropy)
    assert tracked, "evaluate never called the model"
    assert not any(tracked), (
        "the model ran with gradient tracking on, so autograd recorded a graph for nothing: "
        "call it inside `with torch.no_grad():`"
    )


def test_is_deterministic_with_dropout(answer):
    x, y = data(
        seed=3
    )  # batches of 10, all the same size, so only the mode matters here
    model = make_model(dropout=0.5, seed=3)
    model.train()
    want_loss, want_acc = full_batch(model, x, y)
    results = [
        answer.evaluate(model, loader(x, y, 10), F.cross_entropy) for _ in range(3)
    ]
    assert all(
        loss == pytest.approx(want_loss, rel=1e-12)
        and acc == pytest.approx(want_acc, rel=1e-12)
        for loss, acc in results
    ), (
        f"with a Dropout layer the results vary or differ from evaluation mode's ({results} against "
        f"{(want_loss, want_acc)}): call model.eval() before measuring, so dropout is off"
    )


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_leaves_the_model_in_the_mode_it_found(answer, mode):
    x, y = data(seed=4)
    model = make_model(dropout=0.5, seed=4)
    model.train(mode == "train")
    answer.evaluate(model, loader(x, y, 7), F.cross_entropy)
    assert all(m.training == (mode == "train") for m in model.modules()), (
        f"the model was in {mode} mode before evaluate and is not after it; remember "
        f"model.training and restore it with model.train(was_training)"
    )


def test_an_empty_loader_raises_a_value_error(answer):
    x, y = data()
    with pytest.raises(ValueError):  # noqa: PT011  any message: the wording is the answer's own
        answer.evaluate(
            make_model(),
            DataLoader(TensorDataset(x[:0], y[:0]), batch_size=7),
            F.cross_entropy,
        )

"""The claims of docs/digits.md, checked with the functions the page runs."""

import inspect
import math
import re

import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from conftest import defaults, run_program
from snippets import digits, render
from snippets import loss as loss_chapter
from snippets.validation_set import split_indices

F64 = torch.float64
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def data():
    return digits.load_all_digits()


@pytest.fixture(scope="module")
def runs():
    """The page's run (seed 0) and the two other seeds the accuracy bar is held to."""
    return {seed: digits.run(seed=seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def page(runs):
    """The page's run, with the predictions and confidences of its restored model."""
    r = runs[0]
    predicted, confidence = digits.confidence(r["model"], r["x_val"])
    return {
        **r,
        "predicted": predicted,
        "confidence": confidence,
        "matrix": digits.confusion_matrix(r["y_val"], predicted),
    }


def state_equal(a, b):
    a, b = a.state_dict(), b.state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------------------------------------
# The settings and the data


def test_defaults_are_the_settings_the_page_describes():
    # the prose: 64 hidden units, lr 0.1, momentum 0.9, batches of 32, at most 30 epochs, patience 5
    settings = {
        "hidden": 64,
        "lr": 0.1,
        "momentum": 0.9,
        "batch_size": 32,
        "epochs": 30,
        "patience": 5,
        "seed": 0,
    }
    assert defaults(digits.run) == settings
    assert defaults(digits.train) == {
        k: v for k, v in settings.items() if k != "hidden"
    }
    assert defaults(digits.make_model) == {"hidden": 64, "seed": 0}
    assert defaults(digits.run_summary) == {"epochs": 30, "patience": 5}
    # and run holds back a fifth of the images
    assert "split_indices(len(y), val_fraction=0.2, seed=seed)" in inspect.getsource(
        digits.run
    )


def test_the_data_is_1797_scans_of_8x8_pixels_with_17_grey_levels_scaled_to_0_1(data):
    x, y = data
    assert x.shape == (1797, 64) and x.dtype == torch.float32
    levels = (x * 16).unique()
    assert torch.equal(levels, torch.arange(17, dtype=torch.float32))  # 0..16, now 0..1
    assert torch.equal(y.unique(), torch.arange(10)) and y.dtype == torch.long


def test_the_ten_classes_are_nearly_balanced(data):
    counts = data[1].bincount()
    assert counts.max() / counts.min() < 1.06


def test_the_images_are_scaled_as_in_the_loss_chapter(data):
    x, y = data
    (x_train, _), (x_held_out, _) = loss_chapter.load_threes_and_sevens()
    ours = x[(y == 3) | (y == 7)].tolist()
    theirs = torch.cat([x_train, x_held_out]).tolist()
    assert sorted(ours) == sorted(theirs)  # the same images, the same pixel values


def test_the_split_holds_back_a_fifth_at_random_not_stratified(data):
    y = data[1]
    train_idx, val_idx = split_indices(len(y), val_fraction=0.2, seed=0)
    assert (len(train_idx), len(val_idx)) == (1438, 359)
    assert torch.equal(
        torch.cat([train_idx, val_idx]).sort().values, torch.arange(len(y))
    )
    share = y[val_idx].bincount() / y.bincount()
    assert not torch.allclose(
        share, torch.full_like(share, 0.2), atol=0.01
    )  # not in proportion
    table = [
        row.strip("|").split("|")
        for row in digits.class_counts_table(y, train_idx, val_idx).splitlines()[2:]
    ]
    assert [int(r[1]) for r in table] == [*y[train_idx].bincount().tolist(), 1438]
    assert [int(r[2]) for r in table] == [*y[val_idx].bincount().tolist(), 359]
    assert [r[3].strip() for r in table] == [f"{s:.0%}" for s in share.tolist()] + [
        "20%"
    ]


def test_an_epoch_is_45_batches_of_32_with_a_last_of_30(data):
    x, y = data
    train_idx, _ = split_indices(len(y), val_fraction=0.2, seed=0)
    loader = DataLoader(
        TensorDataset(x[train_idx], y[train_idx]),
        batch_size=32,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    sizes = [len(b) for _, b in loader]
    assert sizes == [32] * 44 + [30] == [32] * (1438 // 32) + [1438 % 32]


# ---------------------------------------------------------------------------------------------
# The model


@pytest.mark.parametrize("hidden", [1, 16, 64])
def test_the_model_maps_64_pixels_to_10_logits_with_64h_h_10h_10_parameters(hidden):
    model = digits.make_model(hidden=hidden)
    assert digits.parameter_count(model) == 64 * hidden + hidden + hidden * 10 + 10
    assert model(torch.zeros(3, 64)).shape == (3, 10)
    assert [type(m) for m in model] == [nn.Linear, nn.ReLU, nn.Linear]


def test_initial_weights_are_drawn_from_pytorchs_default_range():
    model = digits.make_model(hidden=64, seed=0)
    for layer in (model[0], model[2]):
        # nn.Linear's default: kaiming_uniform_ with a = sqrt(5), and that same bound for the bias
        gain = nn.init.calculate_gain("leaky_relu", math.sqrt(5))
        bound = math.sqrt(3) * gain / math.sqrt(layer.in_features)
        assert bound == pytest.approx(1 / math.sqrt(layer.in_features))
        for t in (layer.weight, layer.bias):
            assert t.abs().max() <= bound
            assert t.abs().max() > 0.8 * bound  # the whole range is used
        assert abs(layer.weight.mean()) < 0.1 * bound


def test_the_seed_alone_decides_the_initial_weights():
    torch.manual_seed(123)  # the global generator must not matter
    a = digits.make_model(seed=4)
    torch.manual_seed(456)
    b = digits.make_model(seed=4)
    assert state_equal(a, b)
    assert not state_equal(a, digits.make_model(seed=5))


# ---------------------------------------------------------------------------------------------
# Softmax and cross-entropy


def test_cross_entropy_by_hand_equals_minus_log_softmax_of_the_true_class_and_F_cross_entropy():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 10, generator=g, dtype=F64) * 3
    y = torch.randint(0, 10, (50,), generator=g)
    by_hand = digits.cross_entropy(logits, y)
    picked = -torch.log_softmax(logits, dim=1).gather(1, y[:, None]).mean()
    assert by_hand.item() == pytest.approx(picked.item(), abs=1e-12)
    assert by_hand.item() == pytest.approx(F.cross_entropy(logits, y).item(), abs=1e-12)


def test_softmax_is_positive_sums_to_one_keeps_the_order_and_ignores_a_shift():
    z = torch.tensor([0.3, -1.2, 2.0, 0.0, 1.1], dtype=F64)
    p = torch.softmax(z, dim=0)
    assert torch.all(p > 0) and p.sum().item() == pytest.approx(1.0, abs=1e-15)
    assert torch.equal(p.argsort(), z.argsort())
    assert torch.allclose(torch.softmax(z + 7.5, dim=0), p, rtol=0, atol=1e-15)


def test_two_class_cross_entropy_is_the_binary_cross_entropy():
    z = torch.linspace(-6, 6, 25, dtype=F64)
    logits = torch.stack([torch.zeros_like(z), z], dim=1)  # logits (0, z)
    for label in (0, 1):
        y = torch.full_like(z, label)
        two_class = F.cross_entropy(logits, y.long(), reduction="none")
        binary = F.binary_cross_entropy_with_logits(z, y, reduction="none")
        assert torch.allclose(two_class, binary, rtol=0, atol=1e-12)
    assert torch.allclose(
        torch.softmax(logits, dim=1)[:, 1], torch.sigmoid(z), rtol=0, atol=1e-15
    )


def test_probabilities_first_overflow_and_F_cross_entropy_does_not():
    z = torch.tensor([[90.0, 10.0, -5.0]])
    assert torch.isinf(z[0, 0].exp())  # e^90 is beyond float32
    assert math.isnan(digits.cross_entropy(z, torch.tensor([0])).item())  # inf / inf
    assert math.isinf(digits.cross_entropy(z, torch.tensor([1])).item())  # -log 0
    for k in (0, 1):
        exact = (
            torch.logsumexp(z.double(), dim=1) - z.double()[0, k]
        ).item()  # float64, the identity
        assert F.cross_entropy(z, torch.tensor([k])).item() == pytest.approx(
            exact, abs=1e-5
        )
    assert F.cross_entropy(z, torch.tensor([1])).item() == pytest.approx(80.0, abs=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_untrained_model_gives_every_class_about_a_tenth_so_the_loss_is_about_log_10(
    data, runs, seed
):
    x, _ = data
    p = torch.softmax(digits.make_model(seed=seed)(x).detach(), dim=1)
    assert p.min() > 0.05 and p.max() < 0.2
    first = runs[seed]["history"][0]
    assert abs(first["train_loss"] - math.log(10)) < 0.03
    assert abs(first["val_loss"] - math.log(10)) < 0.03


def test_softmax_table_shows_the_logits_and_their_probabilities_true_class_in_bold():
    z = torch.tensor([0.5, -0.25, 0.0])
    rows = [
        r.strip("|").split("|") for r in digits.softmax_table(z, 2).splitlines()[2:]
    ]
    assert [r[1].strip() for r in rows] == ["0.50", "−0.25", "**0.00**"]
    probs = [float(r[2].strip(" *")) for r in rows]
    assert probs == pytest.approx(torch.softmax(z, dim=0).tolist(), abs=5e-4)
    assert [r[0].strip() for r in rows] == ["0", "1", "**2**"]


# ---------------------------------------------------------------------------------------------
# The training loop and early stopping


def test_one_epoch_of_train_is_mini_batch_sgd_with_momentum_by_hand(data):
    # the same batches (a DataLoader seeded alike), with the velocity v = mu v + g written out
    x, y = data
    x_train, y_train, x_val, y_val = x[:256], y[:256], x[256:320], y[256:320]
    lr, mu = 0.1, 0.9
    model = digits.make_model(hidden=16, seed=3)
    by_hand = digits.make_model(hidden=16, seed=3)
    digits.train(
        model,
        x_train,
        y_train,
        x_val,
        y_val,
        lr=lr,
        momentum=mu,
        batch_size=32,
        epochs=1,
        seed=3,
    )
    loader = DataLoader(
        TensorDataset(x_train, y_train),
        batch_size=32,
        shuffle=True,
        generator=torch.Generator().manual_seed(3),
    )
    params = list(by_hand.parameters())
    velocity = [torch.zeros_like(p) for p in params]
    for xb, yb in loader:
        grads = torch.autograd.grad(digits.cross_entropy(by_hand(xb), yb), params)
        with torch.no_grad():
            for p, v, g in zip(params, velocity, grads):
                v.mul_(mu).add_(g)
                p.sub_(lr * v)
    for a, b in zip(model.parameters(), by_hand.parameters()):
        assert (a - b).abs().max() < 1e-6


def test_train_and_eval_mode_give_this_model_the_same_output(data):
    x, _ = data
    model = digits.make_model()
    train_out = model.train()(x[:50])
    eval_out = model.eval()(x[:50])
    assert torch.equal(train_out, eval_out)


def test_evaluate_records_no_gradients_and_agrees_with_a_direct_computation(data):
    x, y = data
    model = digits.make_model(seed=1)
    loss, accuracy = digits.evaluate(model, x[:200], y[:200])
    assert all(p.grad is None for p in model.parameters())
    logits = model(x[:200]).detach()
    assert loss == pytest.approx(
        digits.cross_entropy(logits.double(), y[:200]).item(), abs=1e-6
    )
    assert accuracy == pytest.approx(
        (logits.argmax(1) == y[:200]).double().mean().item(), abs=1e-7
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_validation_accuracy_reaches_the_bar_for_seeds_0_1_2(runs, seed):
    r = runs[seed]
    right = (r["model"](r["x_val"]).argmax(dim=1) == r["y_val"]).double().mean().item()
    assert right >= digits.ACCURACY_BAR
    assert right == pytest.approx(r["history"][r["best_epoch"]]["val_acc"], abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_training_loss_falls_and_keeps_falling_after_the_best_epoch(runs, seed):
    h, best = runs[seed]["history"], runs[seed]["best_epoch"]
    train_loss = [e["train_loss"] for e in h]
    assert train_loss[best] < train_loss[0] / 20
    assert (
        min(train_loss[best + 1 :]) < train_loss[best]
    )  # "kept falling" after the best epoch


@pytest.mark.parametrize("seed", SEEDS)
def test_the_best_epoch_has_the_lowest_validation_loss_and_training_stops_patience_epochs_later(
    runs, seed
):
    h, best = runs[seed]["history"], runs[seed]["best_epoch"]
    val = [e["val_loss"] for e in h]
    assert best == val.index(min(val))
    assert len(h) - 1 - best == 5  # stopped early: patience 5
    assert len(h) - 1 < 30


@pytest.mark.parametrize("seed", SEEDS)
def test_early_stopping_restores_the_best_epochs_weights(runs, seed):
    r = runs[seed]
    best = r["history"][r["best_epoch"]]
    assert digits.evaluate(r["model"], r["x_val"], r["y_val"]) == (
        best["val_loss"],
        best["val_acc"],
    )
    assert digits.evaluate(r["model"], r["x_train"], r["y_train"]) == (
        best["train_loss"],
        best["train_acc"],
    )
    assert (
        r["history"][-1]["val_loss"] > best["val_loss"]
    )  # the last epoch's weights were worse


def test_a_state_dict_shares_the_models_tensors_so_snapshot_clones_them():
    model = digits.make_model(hidden=8)
    shared, saved = model.state_dict(), digits.snapshot(model)
    before = model[0].weight.detach().clone()
    with torch.no_grad():
        model[0].weight += 1.0
    assert torch.equal(shared["0.weight"], model[0].weight)  # changed with the model
    assert torch.equal(saved["0.weight"], before)  # kept as it was


def test_validation_loss_is_noisy_it_dips_again_after_a_bad_epoch(page):
    val = [e["val_loss"] for e in page["history"]]
    best_before = [min(val[:e]) for e in range(1, len(val))]
    worse = [e for e in range(1, len(val)) if val[e] >= best_before[e - 1]]
    assert worse and worse[0] < page["best_epoch"]  # a bad epoch before the best one


def test_patience_1_stops_at_the_first_bad_epoch_with_a_worse_model(data, page):
    x, y = data
    train_idx, val_idx = split_indices(len(y), val_fraction=0.2, seed=0)
    model = digits.make_model(seed=0)
    h, best = digits.train(
        model, x[train_idx], y[train_idx], x[val_idx], y[val_idx], patience=1
    )
    val = [e["val_loss"] for e in h]
    assert all(val[e] < val[e - 1] for e in range(1, len(val) - 1))
    assert val[-1] >= val[-2]  # the first epoch no better than the one before: the end
    assert h[: len(h)] == page["history"][: len(h)]  # the same run up to there
    assert val[best] > page["history"][page["best_epoch"]]["val_loss"]


def test_same_seed_gives_the_same_model_and_history(data, page):
    x, y = data
    train_idx, val_idx = split_indices(len(y), val_fraction=0.2, seed=0)
    results = []
    for _ in range(2):
        model = digits.make_model(seed=0)
        h, _ = digits.train(
            model, x[train_idx], y[train_idx], x[val_idx], y[val_idx], epochs=3
        )
        results.append((model, h))
    assert state_equal(results[0][0], results[1][0])
    assert (
        results[0][1] == results[1][1] == page["history"][:4]
    )  # and the page's first epochs


def test_another_seed_gives_another_split_start_and_model(runs):
    assert not torch.equal(runs[0]["y_val"], runs[1]["y_val"])
    assert not state_equal(digits.make_model(seed=0), digits.make_model(seed=1))
    assert not state_equal(runs[0]["model"], runs[1]["model"])


def test_divergence_is_a_result_not_a_crash(data):
    x, y = data
    model = digits.make_model(hidden=16, seed=0)
    h, best = digits.train(
        model,
        x[:256],
        y[:256],
        x[256:320],
        y[256:320],
        lr=200.0,
        momentum=0.9,
        epochs=4,
        patience=2,
    )
    later = [e["val_loss"] for e in h[1:]]
    assert all(
        not v < 10 * h[0]["val_loss"] for v in later
    )  # it blew up (inf or nan count too)
    assert best == 0  # so the untrained weights are the best, and come back
    assert digits.evaluate(model, x[256:320], y[256:320])[0] == h[0]["val_loss"]


# ---------------------------------------------------------------------------------------------
# What the model gets wrong


def test_confusion_matrix_matches_scikit_learn_and_its_rows_count_each_digit(page):
    from sklearn.metrics import confusion_matrix

    y, predicted, m = page["y_val"], page["predicted"], page["matrix"]
    assert (
        m.tolist()
        == confusion_matrix(y.numpy(), predicted.numpy(), labels=range(10)).tolist()
    )
    assert torch.equal(m.sum(dim=1), y.bincount(minlength=10))
    assert m.trace() / m.sum() == pytest.approx(
        page["history"][page["best_epoch"]]["val_acc"], abs=1e-6
    )


def test_mistakes_are_exactly_the_images_whose_largest_logit_is_not_the_label(page):
    logits = page["model"](page["x_val"]).detach()
    by_loop = [i for i in range(len(logits)) if logits[i].argmax() != page["y_val"][i]]
    assert digits.mistakes(page["y_val"], page["predicted"]).tolist() == by_loop
    assert len(by_loop) == page["matrix"].sum() - page["matrix"].trace()


def test_confidence_is_the_largest_softmax_probability(page):
    p = torch.softmax(page["model"](page["x_val"]).detach().double(), dim=1)
    assert torch.equal(page["predicted"], p.argmax(dim=1))
    assert torch.allclose(
        page["confidence"].double(), p.max(dim=1).values, rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_the_model_is_less_sure_of_its_mistakes_than_of_its_right_answers(runs, seed):
    r = runs[seed]
    predicted, confidence = digits.confidence(r["model"], r["x_val"])
    wrong = predicted != r["y_val"]
    assert confidence[wrong].median() < confidence[~wrong].median() - 0.2


def test_yet_on_the_page_run_one_mistake_has_a_probability_above_0_9(page):
    wrong = page["predicted"] != page["y_val"]
    assert page["confidence"][wrong].max() > 0.9
    text = digits.confidence_summary(page["model"], page["x_val"], page["y_val"])
    k = int(torch.where(wrong, page["confidence"], torch.tensor(-1.0)).argmax())
    assert f"called the {page['y_val'][k]} a {page['predicted'][k]}" in text


def test_per_class_accuracy_is_scikit_learns_recall(page):
    from sklearn.metrics import recall_score

    ours = digits.per_class_accuracy(page["matrix"])
    theirs = recall_score(
        page["y_val"].numpy(), page["predicted"].numpy(), average=None
    )
    assert ours.tolist() == pytest.approx(theirs.tolist(), abs=1e-7)  # float32


def test_top_confusions_count_off_diagonal_pairs_most_frequent_first():
    m = torch.diag(torch.full((10,), 30))
    m[4, 9], m[7, 1], m[2, 3], m[0, 6] = 3, 1, 3, 2
    assert digits.top_confusions(m, k=3) == [(2, 3, 3), (4, 9, 3), (0, 6, 2)]
    assert digits.describe_confusions(m, k=4) == (
        "2 read as 3 (3 times), 4 read as 9 (3 times), "
        "0 read as 6 (twice), 7 read as 1 (once)"
    )


@pytest.mark.parametrize(
    "cells, expected",
    [
        (
            {(5, 8): 1, (5, 2): 1, (7, 8): 1},
            [
                "No mistake is made twice",
                "The digit misread most often is 5: 2 of its 32 images.",
                "The wrong answer given most often is 8 (twice).",
            ],
        ),
        (
            {(4, 9): 2, (0, 5): 2, (8, 5): 1},
            [
                "The most frequent mistake is a 0 read as 5 and a 4 read as 9, twice.",
                "The digits misread most often are 0 and 4, 2 images each.",
                "The wrong answer given most often is 5 (3 times).",
            ],
        ),
    ],
)
def test_confusion_summary_states_what_the_matrix_shows(cells, expected):
    m = torch.diag(torch.full((10,), 30))
    for (t, q), n in cells.items():
        m[t, q] = n
    text = digits.confusion_summary(m)
    for sentence in expected:
        assert sentence in text
    assert f"holds {300} of the {int(m.sum())} validation images" in text


def test_the_page_runs_confusions_are_all_different(page):
    # the page's paragraph says no mistake is made twice, and names the most misread digit
    m = page["matrix"]
    off = m - torch.diag(m.diag())
    assert off.max() == 1
    assert "No mistake is made twice" in digits.confusion_summary(m)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_model_does_better_on_its_training_images_than_on_new_ones(runs, seed):
    best = runs[seed]["history"][runs[seed]["best_epoch"]]
    assert best["train_loss"] < best["val_loss"]
    assert best["train_acc"] >= best["val_acc"]


def test_run_summary_tells_the_page_runs_story(page):
    h, best = page["history"], page["best_epoch"]
    text = digits.run_summary(page)
    assert f"lowest after epoch {best}, at {h[best]['val_loss']:.4f}" in text
    last = len(h) - 1
    assert (
        f"training stopped after epoch {last}, {30 - last} epochs short of the 30 allowed"
        in text
    )
    assert (
        f"**{h[best]['val_acc']:.1%} of the 359 validation images** correctly, 351 of them"
        in text
    )
    assert (
        "percentage points more" in text
    )  # seed 0: a gap in accuracy, not only in loss


def test_history_table_shows_chosen_epochs_and_bolds_the_best(page):
    h, best = page["history"], page["best_epoch"]
    rows = digits.history_table(h, best, every=5).splitlines()[2:]
    epochs = [int(r.split("|")[1].strip(" *")) for r in rows]
    last = len(h) - 1
    assert epochs == sorted({0, 1, 2, best, last, *range(0, last + 1, 5)})
    bold = [r for r in rows if r.startswith("| **")]
    assert bold == [rows[epochs.index(best)]]
    assert f"{h[best]['val_loss']:.4f}" in bold[0]


# ---------------------------------------------------------------------------------------------
# Bad input


def test_without_the_checks_pytorch_would_accept_lr_0_and_momentum_1_and_train_nothing():
    # the page: torch.optim.SGD accepts lr=0 and momentum=1, so only our checks catch them
    model = digits.make_model(hidden=4)
    before = digits.snapshot(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.0, momentum=1.0)
    digits.cross_entropy(
        model(torch.rand(8, 64)), torch.zeros(8, dtype=torch.long)
    ).backward()
    opt.step()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"batch_size": 0},
            "batch_size must be an integer from 1 to the number of training images",
        ),
        ({"batch_size": 65}, r"batch_size must be an integer from 1 .* \(64\), got 65"),
        ({"batch_size": 2.5}, "batch_size must be an integer"),
        ({"lr": 0}, "lr must be positive, got 0"),
        ({"lr": -0.1}, "lr must be positive, got -0.1"),
        ({"lr": float("nan")}, "lr must be positive, got nan"),
        ({"momentum": 1.0}, r"momentum must be in \[0, 1\), got 1.0"),
        ({"momentum": -0.5}, r"momentum must be in \[0, 1\)"),
        ({"epochs": 0}, "epochs must be an integer of at least 1, got 0"),
        ({"epochs": 2.0}, "epochs must be an integer of at least 1, got 2.0"),
        ({"patience": 0}, "patience must be an integer of at least 1, got 0"),
    ],
)
def test_bad_training_arguments_raise_a_clear_value_error(kwargs, message):
    x, y = torch.zeros(64, 64), torch.zeros(64, dtype=torch.long)
    with pytest.raises(ValueError, match=message):
        digits.train(digits.make_model(hidden=4), x, y, x, y, **kwargs)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: digits.make_model(hidden=0),
            "hidden must be an integer of at least 1, got 0",
        ),
        (
            lambda: digits.make_model(hidden=8.0),
            "hidden must be an integer of at least 1, got 8.0",
        ),
        (
            lambda: digits.train(
                digits.make_model(hidden=4),
                torch.zeros(8, 64),
                torch.zeros(7).long(),
                torch.zeros(8, 64),
                torch.zeros(8).long(),
                batch_size=4,
            ),
            r"each x needs one label per image, got 8 and 7 \(training\)",
        ),
        (
            lambda: digits.cross_entropy(torch.zeros(4, 10), torch.zeros(3).long()),
            r"logits must be \(n, classes\) and y \(n,\)",
        ),
        (
            lambda: digits.confusion_matrix(
                torch.zeros(4).long(), torch.zeros(3).long()
            ),
            "y and predicted must have the same shape",
        ),
        (
            lambda: digits.mistakes(torch.zeros(4).long(), torch.zeros(3).long()),
            "y and predicted must have the same shape",
        ),
        (
            lambda: digits.top_confusions(torch.eye(10), k=0),
            "k must be an integer of at least 1",
        ),
        (
            lambda: digits.history_table([], 0, every=0),
            "every must be an integer of at least 1",
        ),
        (
            lambda: digits.plot_samples(
                torch.zeros(10, 64), torch.arange(10), per_class=2
            ),
            "x needs at least 2 images of each digit",
        ),
        (
            lambda: digits.plot_samples(
                torch.zeros(10, 64), torch.arange(10), per_class=0
            ),
            "per_class must be an integer of at least 1",
        ),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_model_without_mistakes_has_no_mistakes_figure():
    model = digits.make_model(hidden=4)
    with torch.no_grad():  # a model that always answers 0, shown only 0s
        model[2].weight.zero_()
        model[2].bias.copy_(torch.arange(10, 0, -1).float())
    with pytest.raises(ValueError, match="there are no mistakes to draw"):
        digits.plot_mistakes(
            model, torch.rand(20, 64), torch.zeros(20, dtype=torch.long)
        )


# ---------------------------------------------------------------------------------------------
# Figures


def concrete_colours(fig):
    """Every line's colour is a concrete colour, never a "CN" name resolved after the theme ends."""
    return all(
        not re.fullmatch(r"C\d", str(line.get_color())) for line in fig.findobj(Line2D)
    )


@pytest.fixture(scope="module")
def figures(data, page):
    x, y = data
    return {
        "samples": lambda t: digits.plot_samples(x, y, theme=t),
        "curves": lambda t: digits.plot_curves(
            page["history"], page["best_epoch"], theme=t
        ),
        "confusion": lambda t: digits.plot_confusion(page["matrix"], theme=t),
        "mistakes": lambda t: digits.plot_mistakes(
            page["model"], page["x_val"], page["y_val"], theme=t
        ),
    }


@pytest.mark.parametrize("name", ["samples", "curves", "confusion", "mistakes"])
def test_every_figure_draws_in_both_themes_with_concrete_colours(figures, name):
    drawn = {theme: figures[name](theme) for theme in render.THEMES}
    for fig in drawn.values():
        assert isinstance(fig, Figure)
        assert concrete_colours(fig)
    assert drawn["light"].get_facecolor() != drawn["dark"].get_facecolor()


def test_samples_show_the_first_ten_of_each_digit_one_row_per_class(data, figures):
    x, y = data
    (image,) = figures["samples"]("dark").axes[0].get_images()
    mosaic = torch.as_tensor(image.get_array().filled(float("nan")))
    assert mosaic.shape == (10 * 10 - 2, 10 * 10 - 2)
    for d in range(10):
        for c in range(10):
            tile = mosaic[10 * d : 10 * d + 8, 10 * c : 10 * c + 8].float()
            assert torch.equal(tile, x[y == d][c].reshape(8, 8))


def test_curves_draw_both_sets_in_both_panels_and_mark_the_best_epoch(page, figures):
    fig = figures["curves"]("light")
    ax_loss, ax_acc = fig.axes
    h, best = page["history"], page["best_epoch"]
    train_line, val_line = ax_loss.get_lines()[:2]
    assert list(val_line.get_ydata()) == [e["val_loss"] for e in h]
    assert list(train_line.get_ydata()) == [e["train_loss"] for e in h]
    assert list(ax_acc.get_lines()[1].get_xdata()) == list(
        range(1, len(h))
    )  # from epoch 1
    for ax in (ax_loss, ax_acc):
        ring = ax.get_lines()[-1]
        assert list(ring.get_xdata()) == [best]
    assert ax_loss.get_yscale() == "log"


def test_confusion_figure_writes_every_nonzero_count_legibly_in_both_themes(
    page, figures
):
    m = page["matrix"]
    for theme in render.THEMES:
        fig = figures["confusion"](theme)
        ax = fig.axes[0]
        texts = {
            (round(t.get_position()[1]), round(t.get_position()[0])): t
            for t in ax.texts
        }
        assert sorted(texts) == sorted(map(tuple, m.nonzero().tolist()))
        image = ax.get_images()[0]
        for (t, q), text in texts.items():
            assert text.get_text() == str(int(m[t, q]))
            cell = image.cmap(image.norm(int(m[t, q])))
            light, dark = sorted(
                [digits._luminance(text.get_color()), digits._luminance(cell)],
                reverse=True,
            )
            assert (light + 0.05) / (dark + 0.05) >= 4.5, (
                f"{theme}: count {m[t, q]} is hard to read"
            )


def test_mistakes_figure_labels_every_mistake_true_then_answer(page, figures):
    fig = figures["mistakes"]("light")
    labels = [t.get_text() for t in fig.axes[0].texts if "→" in t.get_text()]
    wrong = digits.mistakes(page["y_val"], page["predicted"])
    assert labels == [
        f"{page['y_val'][k]} → {page['predicted'][k]}" for k in wrong.tolist()
    ]


def test_the_mistakes_figure_shows_at_most_limit_images(page):
    fig = digits.plot_mistakes(page["model"], page["x_val"], page["y_val"], limit=3)
    assert len([t for t in fig.axes[0].texts if "→" in t.get_text()]) == 3
    assert digits.mistakes_alt(
        page["model"], page["x_val"], page["y_val"], limit=3
    ).startswith("The first 3 of")


def test_alt_texts_say_what_the_figures_show_with_numbers(page):
    alts = [
        digits.curves_alt(page["history"], page["best_epoch"]),
        digits.confusion_alt(page["matrix"]),
        digits.mistakes_alt(page["model"], page["x_val"], page["y_val"]),
    ]
    for alt in alts:
        assert len(alt.split()) >= 12 and re.search(r"\d", alt)
    assert alts[2].startswith(
        f"All {len(digits.mistakes(page['y_val'], page['predicted']))} "
    )


# ---------------------------------------------------------------------------------------------
# The whole program


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(
    tmp_path, page
):
    out = run_program("digits.md", "digits.py", tmp_path)
    h = page["history"]
    assert [line.split()[1] for line in out[:-1]] == [str(e) for e in range(len(h))]
    assert out[-2].endswith(f"accuracy {h[-1]['val_acc']:.1%}")
    best = h[page["best_epoch"]]
    assert out[-1] == (
        f"best epoch {page['best_epoch']}: validation loss {best['val_loss']:.4f}, "
        f"accuracy {best['val_acc']:.1%} on 359 images"
    )
    accuracy = float(re.search(r"accuracy ([\d.]+)%", out[-1])[1]) / 100
    assert accuracy >= digits.ACCURACY_BAR

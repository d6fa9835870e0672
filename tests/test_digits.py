"""The claims of docs/digits.md, checked against independent computations (momentum SGD written
out, scikit-learn's confusion matrix and recall, log-softmax, WCAG's contrast formula), and the
page's drawings smoke-tested."""

import math
import pickle
import re
from pathlib import Path

import matplotlib.colors as mcolors
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from conftest import (
    Call,
    assert_close,
    defaults,
    run_program,
    table_of_bad_inputs,
)
from snippets import digits
from snippets import loss_functions as loss_chapter
from snippets.drawing import digits as draw
from snippets.drawing import render
from snippets.validation_set import snapshot, split_indices

F64 = torch.float64
SEEDS = (0, 1, 2)
SETTINGS = defaults(digits.run)  # the page prints them from the same place


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
    predicted, confidence = draw.confidence(r["model"], r["x_val"])
    return {
        **r,
        "predicted": predicted,
        "confidence": confidence,
        "matrix": digits.confusion_matrix(r["y_val"], predicted),
    }


def state_equal(a, b):
    a, b = a.state_dict(), b.state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# -- the data -------------------------------------------------------------------------------------


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


def test_run_holds_back_a_fifth_at_random_not_stratified(data, runs):
    x, y = data
    train_idx, val_idx = split_indices(len(y), val_fraction=0.2, seed=0)
    assert len(val_idx) == round(len(y) / 5) == 359 and len(train_idx) == 1438
    assert torch.equal(
        torch.cat([train_idx, val_idx]).sort().values, torch.arange(len(y))
    )
    assert torch.equal(runs[0]["x_val"], x[val_idx])  # the page's run uses this split
    assert torch.equal(runs[0]["y_train"], y[train_idx])
    share = y[val_idx].bincount() / y.bincount()
    assert (share - 0.2).abs().max() > 0.01  # not a fifth of every digit


# -- the model ------------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", [1, 16, 64])
def test_the_model_maps_64_pixels_to_10_logits_with_64h_h_10h_10_parameters(hidden):
    model = digits.make_model(hidden=hidden)
    assert draw.parameter_count(model) == 64 * hidden + hidden + hidden * 10 + 10
    assert model(torch.zeros(3, 64)).shape == (3, 10)
    assert [type(m) for m in model] == [nn.Linear, nn.ReLU, nn.Linear]


def test_initial_weights_are_drawn_from_pytorchs_default_range():
    model = digits.make_model(hidden=64, seed=0)
    for layer in (model[0], model[2]):
        # nn.Linear's default: kaiming_uniform_ with a = sqrt(5), and that same bound for the bias
        gain = nn.init.calculate_gain("leaky_relu", math.sqrt(5))
        bound = math.sqrt(3) * gain / math.sqrt(layer.in_features)
        assert_close(bound, 1 / math.sqrt(layer.in_features), atol=1e-12)
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


# -- softmax and cross-entropy --------------------------------------------------------------------


def test_cross_entropy_by_hand_is_minus_log_softmax_of_the_true_class():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 10, generator=g, dtype=F64) * 3
    y = torch.randint(0, 10, (50,), generator=g)
    by_hand = digits.cross_entropy(logits, y)
    picked = -torch.log_softmax(logits, dim=1).gather(1, y[:, None]).mean()
    assert_close(by_hand, picked, atol=1e-12)
    assert_close(by_hand, F.cross_entropy(logits, y), atol=1e-12)


def test_probabilities_first_overflow_in_our_cross_entropy():
    # the page: e^90 is inf in float32, so the true class gets inf / inf and the others 0
    z = torch.tensor([[90.0, 10.0, -5.0]])
    assert math.isnan(digits.cross_entropy(z, torch.tensor([0])).item())  # inf / inf
    assert math.isinf(digits.cross_entropy(z, torch.tensor([1])).item())  # -log 0


@pytest.mark.parametrize("seed", SEEDS)
def test_the_untrained_model_gives_every_class_about_a_tenth_so_the_loss_is_about_log_10(
    data, runs, seed
):
    x, _ = data
    p = torch.softmax(digits.make_model(seed=seed)(x).detach(), dim=1)
    assert p.min() > 0.05 and p.max() < 0.2
    first = runs[seed]["history"][0]
    assert_close(first["train_loss"], math.log(10), atol=0.03)
    assert_close(first["val_loss"], math.log(10), atol=0.03)


# -- the training loop and early stopping ---------------------------------------------------------


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
        logp = torch.log_softmax(by_hand(xb), dim=1)
        loss = -logp[torch.arange(len(yb)), yb].mean()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, v, g in zip(params, velocity, grads):
                v.mul_(mu).add_(g)
                p.sub_(lr * v)
    for a, b in zip(model.parameters(), by_hand.parameters()):
        assert_close(a, b, atol=1e-6)


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
    logits = model(x[:200]).detach().double()
    assert_close(
        loss, -torch.log_softmax(logits, dim=1)[range(200), y[:200]].mean(), atol=1e-6
    )
    assert_close(accuracy, (logits.argmax(1) == y[:200]).double().mean(), atol=1e-7)


@pytest.mark.parametrize("seed", SEEDS)
def test_validation_accuracy_reaches_the_bar_for_seeds_0_1_2(runs, seed):
    r = runs[seed]
    right = (r["model"](r["x_val"]).argmax(dim=1) == r["y_val"]).double().mean()
    assert right >= draw.ACCURACY_BAR
    assert_close(right, r["history"][r["best_epoch"]]["val_acc"], atol=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_training_loss_falls_and_keeps_falling_after_the_best_epoch(runs, seed):
    h, best = runs[seed]["history"], runs[seed]["best_epoch"]
    train_loss = [e["train_loss"] for e in h]
    assert train_loss[best] < train_loss[0] / 20
    assert min(train_loss[best + 1 :]) < train_loss[best]  # "kept falling"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_best_epoch_has_the_lowest_validation_loss_and_training_stops_patience_epochs_later(
    runs, seed
):
    h, best = runs[seed]["history"], runs[seed]["best_epoch"]
    val = [e["val_loss"] for e in h]
    assert best == val.index(min(val))
    assert len(h) - 1 - best == SETTINGS["patience"]  # stopped early
    assert len(h) - 1 < SETTINGS["epochs"]


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
    )  # the last weights were worse


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
    assert h == page["history"][: len(h)]  # the same run up to there
    assert val[best] > page["history"][page["best_epoch"]]["val_loss"]


def test_same_seed_gives_the_same_model_and_history(data, page):
    x, y = data
    train_idx, val_idx = split_indices(len(y), val_fraction=0.2, seed=0)
    results = []
    for _ in range(2):
        model = digits.make_model(seed=0)
        h, _ = digits.train(
            model, x[train_idx], y[train_idx], x[val_idx], y[val_idx], epochs=2
        )
        results.append((model, h))
    assert state_equal(results[0][0], results[1][0])
    assert (
        results[0][1] == results[1][1] == page["history"][:3]
    )  # the page's first epochs


def test_another_seed_gives_another_split_start_and_model(runs):
    assert not torch.equal(runs[0]["y_val"], runs[1]["y_val"])
    assert not state_equal(digits.make_model(seed=0), digits.make_model(seed=1))
    assert not state_equal(runs[0]["model"], runs[1]["model"])


@pytest.mark.parametrize("seed", SEEDS)
def test_the_model_does_better_on_its_training_images_than_on_new_ones(runs, seed):
    best = runs[seed]["history"][runs[seed]["best_epoch"]]
    assert best["train_loss"] < best["val_loss"]
    assert best["train_acc"] >= best["val_acc"]


# -- what the model gets wrong --------------------------------------------------------------------


def test_confusion_matrix_matches_scikit_learn_and_its_rows_count_each_digit(page):
    from sklearn.metrics import confusion_matrix

    y, predicted, m = page["y_val"], page["predicted"], page["matrix"]
    theirs = confusion_matrix(y.numpy(), predicted.numpy(), labels=range(10))
    assert m.tolist() == theirs.tolist()
    assert torch.equal(m.sum(dim=1), y.bincount(minlength=10))
    assert_close(
        m.trace() / m.sum(), page["history"][page["best_epoch"]]["val_acc"], atol=1e-6
    )


def test_predict_is_the_largest_logits_class(page):
    logits = page["model"](page["x_val"]).detach()
    by_loop = [int(max(range(10), key=lambda k: row[k])) for row in logits.tolist()]
    assert digits.predict(page["model"], page["x_val"]).tolist() == by_loop


def test_per_class_accuracy_is_scikit_learns_recall(page):
    from sklearn.metrics import recall_score

    ours = digits.per_class_accuracy(page["matrix"])
    theirs = recall_score(
        page["y_val"].numpy(), page["predicted"].numpy(), average=None
    )
    assert_close(ours, torch.tensor(theirs), atol=1e-7)  # float32


@pytest.mark.parametrize("seed", SEEDS)
def test_the_model_is_less_sure_of_its_mistakes_than_of_its_right_answers(runs, seed):
    r = runs[seed]
    p = torch.softmax(r["model"](r["x_val"]).detach(), dim=1)
    confidence, predicted = p.max(dim=1)
    wrong = predicted != r["y_val"]
    assert confidence[wrong].median() < confidence[~wrong].median() - 0.2


def test_yet_on_the_page_run_one_mistake_has_a_probability_above_0_9(page):
    p = torch.softmax(page["model"](page["x_val"]).detach(), dim=1)
    confidence, predicted = p.max(dim=1)
    assert confidence[predicted != page["y_val"]].max() > 0.9


def test_the_page_runs_mistakes_are_all_different_pairs(page):
    # the page's paragraph says no mistake is made twice
    pairs = [
        (t, q)
        for t, q in zip(page["y_val"].tolist(), page["predicted"].tolist())
        if t != q
    ]
    assert len(pairs) == len(set(pairs)) > 0


# -- the writers, the device, saving, the baselines -----------------------------------------------


def test_the_digits_were_written_by_13_people_out_of_ucis_43():
    # UCI's page for the data set: 43 people, 30 for its training set and a different 13 for its
    # test set, of which scikit-learn ships a copy (1797 images)
    assert draw.writers() == (13, 43)
    sentence = draw.writers_sentence(1797)
    assert "written by 13 people, about 138 digits each" in sentence
    assert round(1797 / 13) == 138
    assert "split 30 for training and 13 for testing" in sentence
    assert "ships no writer" in sentence and "cannot be made here" in sentence


def test_the_page_says_the_validation_images_share_the_training_images_writers(page):
    text = draw.run_summary(page)
    assert "images it never trained on, though by the same 13 writers" in text
    assert "never seen" not in text


def test_run_and_load_ask_for_the_gpu_when_the_machine_has_one(monkeypatch, tmp_path):
    # no GPU here: record where the model is asked to go instead of moving it
    asked, loaded = [], []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(
        nn.Module, "to", lambda self, device: asked.append(device) or self
    )
    real_load = torch.load

    def recording_load(path, **kwargs):
        loaded.append(kwargs)
        return real_load(path, **{**kwargs, "map_location": "cpu"})

    monkeypatch.setattr(torch, "load", recording_load)
    digits.run(hidden=4, epochs=1, patience=1)
    torch.save(digits.make_model(hidden=4).state_dict(), tmp_path / "w.pt")
    digits.load(tmp_path / "w.pt", hidden=4)
    assert asked == ["cuda", "cuda"]
    assert loaded == [{"map_location": "cuda", "weights_only": True}]


def test_training_and_evaluation_move_the_batches_to_the_models_device(
    data, monkeypatch
):
    # a model on a device of its own: every tensor it is given must have been moved there
    x, y = data[0][:64], data[1][:64]
    model = digits.make_model(hidden=4)
    moved = []
    real_to = torch.Tensor.to

    def recording_to(self, *args, **kwargs):
        moved.append(args[0] if args else kwargs.get("device"))
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", recording_to)
    digits.train(model, x, y, x, y, batch_size=32, epochs=1, patience=1)
    digits.predict(model, x)
    cpu = torch.device("cpu")
    # per epoch 2 batches of (images, labels); evaluate moves (x, y) for each of 2 scores
    # calls, twice (epoch 0 and epoch 1); predict moves x once
    assert moved.count(cpu) == 2 * 2 + 2 * 2 * 2 + 1


def test_the_reloaded_model_gives_the_same_predictions_and_logits(page, tmp_path):
    path = tmp_path / "digits.pt"
    digits.save(page["model"], path)
    reloaded = digits.load(path)
    assert reloaded is not page["model"]
    assert state_equal(reloaded, page["model"])
    assert torch.equal(
        digits.predict(reloaded, page["x_val"]),
        digits.predict(page["model"], page["x_val"]),
    )
    # the file holds the state_dict itself, read back by torch.load alone
    weights = torch.load(path, weights_only=True)
    assert list(weights) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert sum(t.numel() for t in weights.values()) == 64 * 64 + 64 + 64 * 10 + 10
    sentence = draw.saved_sentence(page["model"], reloaded, page["x_val"])
    assert "the 4 tensors of the `state_dict`, 4,810 numbers" in sentence
    assert "on all 359 validation images" in sentence
    # and a model that was not reloaded is refused
    with pytest.raises(ValueError, match="does not give the saved model's answers"):
        draw.saved_sentence(page["model"], digits.make_model(seed=1), page["x_val"])


class _Code:
    """An object whose unpickling would run code."""

    def __reduce__(self):
        return (print, ("this ran",))


def test_load_reads_tensors_only_and_refuses_a_file_that_would_run_code(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"0.weight": _Code()}, path)
    with pytest.raises(pickle.UnpicklingError):
        digits.load(path)


def test_nearest_neighbour_labels_as_scikit_learns_1_nearest_neighbour(page):
    from sklearn.neighbors import KNeighborsClassifier

    x_train, y_train, x_val = (
        page["x_train"].double(),
        page["y_train"],
        page["x_val"].double(),
    )
    knn = KNeighborsClassifier(n_neighbors=1).fit(x_train.numpy(), y_train.numpy())
    expected = torch.as_tensor(knn.predict(x_val.numpy()))
    ours = digits.label_by_nearest(page["x_train"], y_train, page["x_val"])
    assert torch.equal(ours, expected)


@pytest.fixture(scope="module")
def linear():
    return digits.run(hidden=0)


def test_hidden_0_is_a_linear_softmax_of_650_parameters():
    model = digits.make_model(hidden=0)
    (layer,) = model
    assert isinstance(layer, nn.Linear) and (layer.in_features, layer.out_features) == (
        64,
        10,
    )
    assert draw.parameter_count(model) == 64 * 10 + 10


def test_the_baseline_sentence_states_the_runs_numbers(page, linear):
    from sklearn.neighbors import KNeighborsClassifier

    neighbour = digits.label_by_nearest(page["x_train"], page["y_train"], page["x_val"])
    text = draw.baseline_sentence(page, linear, neighbour)
    # the linear softmax: its own restored model, measured again
    lin_loss, lin_acc = digits.evaluate(linear["model"], page["x_val"], page["y_val"])
    lin_right = int(
        (digits.predict(linear["model"], page["x_val"]) == page["y_val"]).sum()
    )
    assert f"**{lin_acc:.1%}** of the 359 validation images ({lin_right})" in text
    assert f"validation loss of {lin_loss:.4f}" in text
    net = page["history"][page["best_epoch"]]
    net_right = int((page["predicted"] == page["y_val"]).sum())
    assert (
        lin_right < net_right and lin_loss > net["val_loss"]
    )  # what the hidden layer buys
    assert f"takes that to **{net['val_acc']:.1%}** ({net_right})" in text
    # nearest neighbour, counted by scikit-learn
    knn = KNeighborsClassifier(n_neighbors=1).fit(
        page["x_train"].double().numpy(), page["y_train"].numpy()
    )
    near_right = int(
        (
            torch.as_tensor(knn.predict(page["x_val"].double().numpy()))
            == page["y_val"]
        ).sum()
    )
    assert f"({near_right} images)" in text
    assert near_right > net_right  # the page says it beats the network
    assert f"{near_right - net_right} more than the network" in text
    assert (
        f"all {1438 * 64:,} of their pixels" in text and "keeps 4,810 weights" in text
    )


def test_the_page_indexes_the_logits_by_digit_and_credits_cross_entropy_to_itself():
    page_text = (Path(__file__).parents[1] / "docs" / "digits.md").read_text()
    assert r"$z_0, \dots, z_9$" in page_text and r"\sum_{j=0}^{9}" in page_text
    assert "z_{10}" not in page_text
    loss_row = next(r for r in page_text.splitlines() if r.startswith("| loss |"))
    assert loss_row.rstrip().endswith("| this page |")
    assert "behind almost every neural network" not in page_text
    assert "Adam or AdamW" in page_text


# -- when the input is wrong ----------------------------------------------------------------------


def images(n=8):
    """n random images and the labels 0, 1, 2, ..., for the calls below."""
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 64, generator=g), torch.arange(n) % 10


def tiny_model():
    return digits.make_model(hidden=4)


def _folder():
    """A temporary folder for the table's calls of save and load, removed at exit."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp())
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _saved(hidden):
    path = _folder() / "w.pt"
    torch.save(digits.make_model(hidden=hidden).state_dict(), path)
    return str(path)


BAD_MODELS = [None, "model", torch.zeros(3)]
BAD_IMAGES = [None, "x", torch.zeros(8), torch.zeros(0, 64), torch.zeros(8, 64).long()]
BAD_LABELS = [
    None,
    torch.zeros(8),  # floats
    torch.full((8,), 10),  # no such digit
    torch.full((8,), -1),
    torch.zeros(7, dtype=torch.long),  # one too few
]
TRAINING = {  # a valid set of train's data arguments, fresh tensors for every call
    "x_train": lambda: images()[0],
    "y_train": lambda: images()[1],
    "x_val": lambda: images()[0],
    "y_val": lambda: images()[1],
}

CALLS = [
    Call(digits.load_all_digits, {"dtype": [torch.long, "float32", None]}),
    Call(digits.make_model, {"hidden": "count", "seed": "seed"}, hidden=4),
    Call(
        digits.cross_entropy,
        {
            "logits": [None, torch.zeros(8), torch.zeros(0, 10), torch.zeros(7, 10)],
            "y": [*BAD_LABELS, torch.zeros(8, 1, dtype=torch.long)],
        },
        logits=lambda: torch.zeros(8, 10),
        y=lambda: images()[1],
    ),
    Call(
        digits.check_images,
        {"x": BAD_IMAGES, "y": BAD_LABELS},
        name_x="x",
        x=lambda: images()[0],
        name_y="y",
        y=lambda: images()[1],
    ),
    Call(
        digits.check_training,
        {
            **dict.fromkeys(("x_train", "x_val"), BAD_IMAGES),
            **dict.fromkeys(("y_train", "y_val"), BAD_LABELS),
            "lr": "positive",
            "momentum": "fraction",
            "batch_size": [*[0, -1, 2.5, "3", None], 9],  # 9: more than the 8 images
            "epochs": "count1",
            "patience": "count1",
            "seed": "seed",
        },
        **TRAINING,
        lr=0.1,
        momentum=0.9,
        batch_size=4,
        epochs=1,
        patience=1,
        seed=0,
    ),
    Call(
        digits.evaluate,
        {"model": BAD_MODELS, "x": BAD_IMAGES, "y": BAD_LABELS},
        model=tiny_model,
        x=lambda: images()[0],
        y=lambda: images()[1],
    ),
    Call(
        digits.scores,
        {
            "model": BAD_MODELS,
            **dict.fromkeys(("x_train", "x_val"), BAD_IMAGES),
            **dict.fromkeys(("y_train", "y_val"), BAD_LABELS),
        },
        model=tiny_model,
        **TRAINING,
    ),
    Call(
        digits.train,
        {
            "model": BAD_MODELS,
            "x_train": [torch.zeros(8)],
            "y_val": [torch.full((8,), 10)],
            "lr": "positive",
            "momentum": "fraction",
            "batch_size": [0, 9, 2.5],
            "epochs": "count1",
            "patience": "count1",
            "seed": "seed",
        },
        model=tiny_model,
        **TRAINING,
        batch_size=4,
        epochs=1,
    ),
    Call(  # run forwards its settings to make_model and train, checked in full above
        digits.run,
        {
            "hidden": [-1],
            "lr": [0],
            "momentum": [1.0],
            "batch_size": [0, 1439],  # 1439: more than the 1438 training images
            "epochs": [0],
            "patience": [0],
            "seed": "seed",
        },
        hidden=4,
        epochs=1,
        patience=1,
    ),
    Call(
        digits.check_path, {"path": [None, 3, b"weights.pt"]}, name="path", path="w.pt"
    ),
    Call(
        digits.save,
        {"model": BAD_MODELS, "path": [None, 3]},
        model=tiny_model,
        path=lambda: str(_folder() / "w.pt"),
    ),
    Call(
        digits.load,
        {"path": [None, 3], "hidden": "count"},
        path=lambda: _saved(hidden=4),
        hidden=4,
    ),
    Call(
        digits.label_by_nearest,
        {
            "x_train": BAD_IMAGES,
            "y_train": BAD_LABELS,
            "x": [None, torch.zeros(8), torch.zeros(0, 64)],
        },
        x_train=lambda: images()[0],
        y_train=lambda: images()[1],
        x=lambda: images()[0],
    ),
    Call(
        digits.predict,
        {"model": BAD_MODELS, "x": BAD_IMAGES},
        model=tiny_model,
        x=lambda: images()[0],
    ),
    Call(
        digits.confusion_matrix,
        {
            "y": [*BAD_LABELS, torch.zeros(2, 4, dtype=torch.long)],
            "predicted": [*BAD_LABELS, torch.zeros(2, 4, dtype=torch.long)],
            "classes": "count1",
        },
        y=lambda: images()[1],
        predicted=lambda: images()[1].flip(0),
    ),
    Call(
        digits.per_class_accuracy,
        {"matrix": [None, torch.zeros(10), torch.zeros(3, 4), torch.zeros(0, 0)]},
        matrix=lambda: torch.eye(10, dtype=torch.long),
    ),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_each_call_of_the_table_is_valid,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(digits, CALLS)


def test_confusion_matrix_refuses_a_label_out_of_range_instead_of_counting_it_elsewhere():
    # a 0 read as 10 is pair number 10 * 0 + 10 = 10, the cell of a 1 read as 0: it used to be
    # counted there, silently
    with pytest.raises(ValueError, match="predicted must be class labels from 0 to 9"):
        digits.confusion_matrix(torch.tensor([0, 3]), torch.tensor([10, 3]))
    with pytest.raises(ValueError, match="y must be class labels from 0 to 9"):
        digits.confusion_matrix(torch.tensor([12, 3]), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="y and predicted must have the same shape"):
        digits.confusion_matrix(torch.tensor([0, 3]), torch.tensor([0]))


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
    assert all(not v < 10 * h[0]["val_loss"] for v in later)  # blew up (inf, nan count)
    assert best == 0  # so the untrained weights are the best, and come back
    assert len(h) == 3  # after patience epochs
    assert digits.evaluate(model, x[256:320], y[256:320])[0] == h[0]["val_loss"]


# -- what PyTorch and scikit-learn do, which the page relies on -----------------------------------


def test_pytorch_softmax_is_positive_sums_to_one_keeps_the_order_and_ignores_a_shift():
    z = torch.tensor([0.3, -1.2, 2.0, 0.0, 1.1], dtype=F64)
    p = torch.softmax(z, dim=0)
    assert torch.all(p > 0)
    assert_close(p.sum(), 1.0, atol=1e-15)
    assert torch.equal(p.argsort(), z.argsort())
    assert_close(torch.softmax(z + 7.5, dim=0), p, atol=1e-15)


def test_pytorch_two_class_cross_entropy_is_the_binary_cross_entropy():
    z = torch.linspace(-6, 6, 25, dtype=F64)
    logits = torch.stack([torch.zeros_like(z), z], dim=1)  # logits (0, z)
    for label in (0, 1):
        y = torch.full_like(z, label)
        two_class = F.cross_entropy(logits, y.long(), reduction="none")
        binary = F.binary_cross_entropy_with_logits(z, y, reduction="none")
        assert_close(two_class, binary, atol=1e-12)
    assert_close(torch.softmax(logits, dim=1)[:, 1], torch.sigmoid(z), atol=1e-15)


def test_pytorch_cross_entropy_from_the_logits_does_not_overflow():
    z = torch.tensor([[90.0, 10.0, -5.0]])
    assert torch.isinf(z[0, 0].exp())  # e^90 is beyond float32
    for k in (0, 1):
        exact = torch.logsumexp(z.double(), dim=1)[0] - z.double()[0, k]  # the identity
        assert_close(F.cross_entropy(z, torch.tensor([k])), exact, atol=1e-5)
    assert_close(F.cross_entropy(z, torch.tensor([1])), 80.0, atol=1e-5)  # 90 - 10


def test_pytorch_a_data_loader_deals_out_full_batches_and_a_smaller_last_one(data):
    # the page: one epoch of 1438 images is 44 batches of 32 and a last one of 30
    x, y = data
    loader = DataLoader(
        TensorDataset(x[:1438], y[:1438]),
        batch_size=32,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    sizes = [len(b) for _, b in loader]
    assert sizes == [32] * (1438 // 32) + [1438 % 32] == [32] * 44 + [30]


def test_pytorch_a_state_dict_shares_the_models_tensors_so_snapshot_clones_them():
    model = digits.make_model(hidden=8)
    shared, saved = model.state_dict(), snapshot(model)
    before = model[0].weight.detach().clone()
    with torch.no_grad():
        model[0].weight += 1.0
    assert torch.equal(shared["0.weight"], model[0].weight)  # changed with the model
    assert torch.equal(saved["0.weight"], before)  # kept as it was


def test_pytorch_sgd_accepts_lr_0_and_momentum_1_and_trains_nothing():
    # the page: torch.optim.SGD accepts them, so only our checks catch them
    model = digits.make_model(hidden=4)
    before = snapshot(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.0, momentum=1.0)
    F.cross_entropy(
        model(torch.rand(8, 64)), torch.zeros(8, dtype=torch.long)
    ).backward()
    opt.step()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_pytorch_bincount_counts_any_number_so_a_class_10_lands_in_another_cell():
    # why confusion_matrix must check its labels: 10 * 0 + 10 is the number of the pair (1, 0)
    pairs = torch.tensor([0, 3]) * 10 + torch.tensor([10, 3])
    assert torch.bincount(pairs, minlength=100).reshape(10, 10)[1, 0] == 1


# -- the whole program ----------------------------------------------------------------------------


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(
    tmp_path, page
):
    out = run_program("digits.md", "digits.py", tmp_path)
    h = page["history"]
    assert [line.split()[1] for line in out[:-2]] == [str(e) for e in range(len(h))]
    assert out[-3].endswith(f"accuracy {h[-1]['val_acc']:.1%}")
    best = h[page["best_epoch"]]
    assert out[-2] == (
        f"best epoch {page['best_epoch']}: validation loss {best['val_loss']:.4f}, "
        f"accuracy {best['val_acc']:.1%} on 359 images"
    )
    assert out[-1] == (
        "saved to digits.pt and reloaded: the same answers on every image: True"
    )


# -- the drawing ----------------------------------------------------------------------------------


def test_the_settings_sentence_states_runs_own_defaults():
    sentence = draw.settings_sentence()
    for name in ("hidden", "lr", "momentum", "batch_size", "epochs", "patience"):
        assert str(SETTINGS[name]) in sentence, name
    assert draw.settings() == SETTINGS


def test_the_error_table_shows_one_refusal_per_wrong_call():
    rows = draw.error_table(digits).splitlines()[2:]
    assert len(rows) == 8
    assert all("| ValueError: " in row or "| TypeError: " in row for row in rows)
    assert "predicted must be class labels" in rows[-1]


def test_the_class_counts_table_counts_each_side_of_the_split(data):
    y = data[1]
    train_idx, val_idx = split_indices(len(y), val_fraction=0.2, seed=0)
    table = [
        row.strip("|").split("|")
        for row in draw.class_counts_table(y, train_idx, val_idx).splitlines()[2:]
    ]
    share = y[val_idx].bincount() / y.bincount()
    assert [int(r[1]) for r in table] == [*y[train_idx].bincount().tolist(), 1438]
    assert [int(r[2]) for r in table] == [*y[val_idx].bincount().tolist(), 359]
    assert [r[3].strip() for r in table] == [f"{s:.0%}" for s in share.tolist()] + [
        "20%"
    ]


def test_softmax_table_shows_the_logits_and_their_probabilities_true_class_in_bold():
    z = torch.tensor([0.5, -0.25, 0.0])
    rows = [r.strip("|").split("|") for r in draw.softmax_table(z, 2).splitlines()[2:]]
    assert [r[1].strip() for r in rows] == ["0.50", "−0.25", "**0.00**"]
    probs = torch.tensor([float(r[2].strip(" *")) for r in rows])
    assert_close(probs, z.exp() / z.exp().sum(), atol=5e-4)
    assert [r[0].strip() for r in rows] == ["0", "1", "**2**"]


def test_history_table_shows_chosen_epochs_and_bolds_the_best(page):
    h, best = page["history"], page["best_epoch"]
    rows = draw.history_table(h, best, every=5).splitlines()[2:]
    epochs = [int(r.split("|")[1].strip(" *")) for r in rows]
    last = len(h) - 1
    assert epochs == sorted({0, 1, 2, best, last, *range(0, last + 1, 5)})
    bold = [r for r in rows if r.startswith("| **")]
    assert bold == [rows[epochs.index(best)]]
    assert f"{h[best]['val_loss']:.4f}" in bold[0]


def test_run_summary_tells_the_page_runs_story(page):
    h, best = page["history"], page["best_epoch"]
    text = draw.run_summary(page)
    assert f"lowest after epoch {best}, at {h[best]['val_loss']:.4f}" in text
    last, epochs = len(h) - 1, SETTINGS["epochs"]
    assert (
        f"training stopped after epoch {last}, {epochs - last} epochs short of the "
        f"{epochs} allowed" in text
    )
    right = int((page["predicted"] == page["y_val"]).sum())
    assert (
        f"**{h[best]['val_acc']:.1%} of the 359 validation images** correctly, "
        f"{right} of them" in text
    )
    assert (
        "percentage points more" in text
    )  # seed 0: a gap in accuracy, not only in loss
    assert "**generalisation gap**" in text


def test_run_summary_quotes_the_training_loss_the_table_shows(page):
    # it once said "kept falling, to 0.0134", the lowest loss after the best epoch, which the
    # table does not show (epoch 14): every loss the sentence names is in the table, and the
    # last is the last epoch's
    h, best = page["history"], page["best_epoch"]
    last = len(h) - 1
    text = draw.run_summary(page)
    table = draw.history_table(h, best, every=5)
    falling = re.search(
        r"Meanwhile the training loss went on falling.*?\.(?=\s)", text
    )[0]
    for number in re.findall(r"\d\.\d{4}", falling):
        assert number in table, number
    assert f"to {h[last]['train_loss']:.4f} at epoch {last}" in falling
    assert f"from {h[best]['train_loss']:.4f} at epoch {best}" in falling
    assert h[last]["train_loss"] < h[best]["train_loss"]
    rising = any(h[e + 1]["train_loss"] > h[e]["train_loss"] for e in range(best, last))
    assert ("if not at every epoch" in falling) == rising
    assert f"{min(e['train_loss'] for e in h[best + 1 : last]):.4f}" not in text


def test_mistakes_are_exactly_the_images_whose_largest_logit_is_not_the_label(page):
    logits = page["model"](page["x_val"]).detach()
    by_loop = [i for i in range(len(logits)) if logits[i].argmax() != page["y_val"][i]]
    assert draw.mistakes(page["y_val"], page["predicted"]).tolist() == by_loop
    assert len(by_loop) == page["matrix"].sum() - page["matrix"].trace()


def test_confidence_is_the_largest_softmax_probability(page):
    p = torch.softmax(page["model"](page["x_val"]).detach().double(), dim=1)
    assert torch.equal(page["predicted"], p.argmax(dim=1))
    assert_close(page["confidence"], p.max(dim=1).values, atol=1e-6)


def test_the_confidence_summary_names_the_surest_mistake(page):
    wrong = page["predicted"] != page["y_val"]
    text = draw.confidence_summary(page["model"], page["x_val"], page["y_val"])
    k = int(torch.where(wrong, page["confidence"], torch.tensor(-1.0)).argmax())
    assert f"called the {page['y_val'][k]} a {page['predicted'][k]}" in text


def test_top_confusions_count_off_diagonal_pairs_most_frequent_first():
    m = torch.diag(torch.full((10,), 30))
    m[4, 9], m[7, 1], m[2, 3], m[0, 6] = 3, 1, 3, 2
    assert draw.top_confusions(m, k=3) == [(2, 3, 3), (4, 9, 3), (0, 6, 2)]
    assert draw.describe_confusions(m, k=4) == (
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
    text = draw.confusion_summary(m)
    for sentence in expected:
        assert sentence in text
    assert f"holds {300} of the {int(m.sum())} validation images" in text


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: draw.top_confusions(torch.eye(10), k=0), "k must be an integer"),
        (lambda: draw.history_table([], 0, every=0), "every must be an integer"),
        (
            lambda: draw.plot_samples(
                torch.zeros(10, 64), torch.arange(10), per_class=2
            ),
            "x needs at least 2 images of each digit",
        ),
        (
            lambda: draw.plot_samples(
                torch.zeros(10, 64), torch.arange(10), per_class=0
            ),
            "per_class must be an integer",
        ),
        (
            lambda: draw.mistakes(torch.zeros(4).long(), torch.zeros(3).long()),
            "y and predicted must have the same shape",
        ),
    ],
)
def test_the_drawing_refuses_what_it_cannot_draw(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_model_without_mistakes_has_no_mistakes_figure():
    model = digits.make_model(hidden=4)
    with torch.no_grad():  # a model that always answers 0, shown only 0s
        model[2].weight.zero_()
        model[2].bias.copy_(torch.arange(10, 0, -1).float())
    with pytest.raises(ValueError, match="there are no mistakes to draw"):
        draw.plot_mistakes(model, torch.rand(20, 64), torch.zeros(20, dtype=torch.long))


def concrete_colours(fig):
    """Every line's colour is a concrete colour, never a "CN" name resolved after the theme ends."""
    return all(
        not re.fullmatch(r"C\d", str(line.get_color())) for line in fig.findobj(Line2D)
    )


@pytest.fixture(scope="module")
def figures(data, page):
    x, y = data
    return {
        "samples": lambda t: draw.plot_samples(x, y, theme=t),
        "curves": lambda t: draw.plot_curves(
            page["history"], page["best_epoch"], theme=t
        ),
        "confusion": lambda t: draw.plot_confusion(page["matrix"], theme=t),
        "mistakes": lambda t: draw.plot_mistakes(
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
    assert list(ax_acc.get_lines()[1].get_xdata()) == list(range(1, len(h)))  # from 1
    for ax in (ax_loss, ax_acc):
        ring = ax.get_lines()[-1]
        assert list(ring.get_xdata()) == [best]
    assert ax_loss.get_yscale() == "log"


def wcag_contrast(a, b):
    """The contrast ratio of two colours, as WCAG 2 defines it: (L1 + 0.05) / (L2 + 0.05) of
    their relative luminances, the lighter first."""
    weights = torch.tensor([0.2126, 0.7152, 0.0722], dtype=F64)

    def luminance(colour):
        c = torch.tensor(mcolors.to_rgb(colour), dtype=F64)
        linear = torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(weights @ linear)

    light, dark = sorted([luminance(a), luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_wcag_contrast_gives_the_published_ratios():
    # WCAG: black on white is 21:1, and #767676 is the lightest grey that passes 4.5:1 on white
    assert_close(wcag_contrast("#000000", "#ffffff"), 21.0, atol=1e-9)
    assert (
        wcag_contrast("#767676", "#ffffff") >= 4.5 > wcag_contrast("#777777", "#ffffff")
    )


def test_confusion_figure_writes_every_nonzero_count_legibly_in_both_themes(
    page, figures
):
    m = page["matrix"]
    for theme in render.THEMES:
        ax = figures["confusion"](theme).axes[0]
        texts = {
            (round(t.get_position()[1]), round(t.get_position()[0])): t
            for t in ax.texts
        }
        assert sorted(texts) == sorted(map(tuple, m.nonzero().tolist()))
        cells = ax.get_images()[0].get_array()
        for (t, q), text in texts.items():
            assert text.get_text() == str(int(m[t, q]))
            assert wcag_contrast(text.get_color(), cells[t, q]) >= 4.5, (
                f"{theme}: count {m[t, q]} is hard to read"
            )


def test_confusion_figure_colours_the_mistakes_on_their_own_scale_so_one_stands_out(
    page, figures
):
    # the diagonal is grey; a single mistake is coloured as clearly as the largest diagonal
    # count used to be, in the colour of a misread digit, and more mistakes are darker
    m = page["matrix"]
    off = m - torch.diag(m.diag())
    for theme in render.THEMES:
        p = render.PALETTES[theme]
        cells = figures["confusion"](theme).axes[0].get_images()[0].get_array()
        for d in range(10):
            assert mcolors.to_hex(cells[d, d]) == p["grid"]
        for t, q in off.nonzero().tolist():
            assert wcag_contrast(cells[t, q], p["bg"]) >= 1.5, (theme, t, q)
        zero = (
            (off == 0)
            .logical_and(~torch.eye(10, dtype=torch.bool))
            .nonzero()[0]
            .tolist()
        )
        assert mcolors.to_hex(cells[zero[0], zero[1]]) == p["bg"]
    strength = draw.plot_confusion(torch.tensor([[5, 1], [2, 5]]), theme="light")
    cells = strength.axes[0].get_images()[0].get_array()
    data = render.PALETTES["light"]["role"]["data"]
    assert mcolors.to_hex(cells[1, 0]) == data  # the largest mistake in full colour
    assert wcag_contrast(cells[0, 1], "#ffffff") < wcag_contrast(cells[1, 0], "#ffffff")


def test_figures_take_their_colours_from_the_books_roles(page, figures):
    for theme in render.THEMES:
        role = render.PALETTES[theme]["role"]
        train_line, val_line = figures["curves"](theme).axes[0].get_lines()[:2]
        assert (train_line.get_color(), val_line.get_color()) == (
            role["path"],
            role["wrong"],
        )
        (frames,) = figures["mistakes"](theme).axes[0].get_lines()
        assert (
            frames.get_color() == role["data"]
        )  # the colour of the confusion's mistakes


def test_mistakes_figure_labels_every_mistake_true_then_answer(page, figures):
    fig = figures["mistakes"]("light")
    labels = [t.get_text() for t in fig.axes[0].texts if "→" in t.get_text()]
    wrong = (page["predicted"] != page["y_val"]).nonzero().squeeze(1)
    assert labels == [
        f"{page['y_val'][k]} → {page['predicted'][k]}" for k in wrong.tolist()
    ]
    # the confidences are as large as the labels and in the text colour, not small and grey
    probs = [t for t in fig.axes[0].texts if t.get_text().startswith("p = ")]
    assert len(probs) == len(labels)
    fg = render.PALETTES["light"]["fg"]
    assert all(t.get_fontsize() >= 10 and t.get_color() == fg for t in probs)


def test_the_mistakes_figure_shows_at_most_limit_images(page):
    fig = draw.plot_mistakes(page["model"], page["x_val"], page["y_val"], limit=3)
    assert len([t for t in fig.axes[0].texts if "→" in t.get_text()]) == 3
    assert draw.mistakes_alt(
        page["model"], page["x_val"], page["y_val"], limit=3
    ).startswith("The first 3 of")


def test_alt_texts_say_what_the_figures_show_with_numbers(page):
    alts = [
        draw.curves_alt(page["history"], page["best_epoch"]),
        draw.confusion_alt(page["matrix"]),
        draw.mistakes_alt(page["model"], page["x_val"], page["y_val"]),
    ]
    for alt in alts:
        assert len(alt.split()) >= 12 and re.search(r"\d", alt)
    wrong = int((page["predicted"] != page["y_val"]).sum())
    assert alts[2].startswith(f"All {wrong} ")

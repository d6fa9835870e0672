"""The drawing of the Putting it together page: the sample images, the training curves, the
confusion matrix and the misread images; the tables and sentences the page prints from the run;
and the page's chosen settings.

Tested in tests/test_digits.py (with the lesson it draws).
"""

import inspect
import re

import matplotlib.colors as mcolors
import matplotlib.patches as mpatches
import matplotlib.ticker as mticker
import numpy as np
import torch

from snippets import digits
from snippets.drawing import render
from snippets.drawing.tables import refusals

CLASSES = 10  # the digits 0 to 9
ACCURACY_BAR = 0.96  # the validation accuracy the tests demand of seeds 0, 1 and 2


def settings():
    """The settings of the page's run: `digits.run`'s own defaults, by name."""
    return {k: v.default for k, v in inspect.signature(digits.run).parameters.items()}


def settings_sentence():
    """How the page's run is set up, from run's own defaults."""
    s = settings()
    return (
        f"With {s['hidden']} hidden units, learning rate {s['lr']}, momentum {s['momentum']}, "
        f"batches of {s['batch_size']}, at most {s['epochs']} epochs and a patience of "
        f"{s['patience']}:"
    )


def writers():
    """How many people wrote scikit-learn's digits, and how many wrote UCI's whole set, as
    scikit-learn's own description of the data set says."""
    from sklearn.datasets import load_digits

    text = " ".join(load_digits().DESCR.split())
    found = re.search(
        r"From a total of (\d+) people, (\d+) contributed to the training set and "
        r"different (\d+) to the test set",
        text,
    )
    if found is None or "This is a copy of the test set" not in text:
        raise ValueError(
            "scikit-learn's description of the digits no longer names the writers"
        )
    total, _, ours = map(int, found.groups())
    return ours, total


def writers_sentence(n_images):
    """What the split cannot do: keep each writer on one side."""
    ours, total = writers()
    return (
        f"The {n_images} images were written by {ours} people, about {round(n_images / ours)} "
        f"digits each: scikit-learn's copy is the test set of UCI's collection, whose {total} "
        f"writers were split {total - ours} for training and {ours} for testing. It ships no "
        # a block prints this: MkDocs never sees the link, so it is the built address, checked by
        # tests/test_site.py's link check
        f"writer of any image, so the group split of [The validation set]"
        f"(../validation-set/#when-a-random-split-is-wrong) cannot be made here: a random "
        f"split puts digits by the same writers on both sides. The validation images are new "
        f"images, not new handwriting, and on a writer it has never seen a model should be "
        f"expected to do worse than its validation accuracy says."
    )


# ---------------------------------------------------------------------------------------------
# What the page reads off the model, without showing the code


def parameter_count(model):
    """The number of numbers training adjusts in `model`."""
    return sum(p.numel() for p in model.parameters())


def mistakes(y, predicted):
    """The indices of the images read wrongly, in order."""
    if y.shape != predicted.shape:
        raise ValueError(
            f"y and predicted must have the same shape, got "
            f"{tuple(y.shape)} and {tuple(predicted.shape)}"
        )
    return (predicted != y).nonzero().squeeze(1)


def confidence(model, x):
    """The model's answer for each image and the softmax probability it gives that answer."""
    model.eval()
    with torch.no_grad():
        p = torch.softmax(model(x), dim=1)
    prob, predicted = p.max(dim=1)
    return predicted, prob


def top_confusions(matrix, k=3):
    """The k most frequent mistakes as (true, predicted, count), most frequent first."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an integer of at least 1, got {k!r}")
    off = matrix.clone()
    off.fill_diagonal_(0)
    pairs = [
        (t, q, int(off[t, q]))
        for t in range(len(off))
        for q in range(len(off))
        if off[t, q]
    ]
    return sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))[:k]


# ---------------------------------------------------------------------------------------------
# Tables and text for the page


def class_counts_table(y, train_idx, val_idx):
    """Return a Markdown table of how many images of each digit each side of the split holds."""
    train, val = (
        torch.bincount(y[idx], minlength=CLASSES) for idx in (train_idx, val_idx)
    )
    rows = [
        "| digit | training | validation | share held back |",
        "|---:|---:|---:|---:|",
    ]
    for d in range(CLASSES):
        rows.append(
            f"| {d} | {train[d]} | {val[d]} | {val[d] / (train[d] + val[d]):.0%} |"
        )
    rows.append(
        f"| all | {len(train_idx)} | {len(val_idx)} | "
        f"{len(val_idx) / (len(train_idx) + len(val_idx)):.0%} |"
    )
    return "\n".join(rows)


def softmax_table(logits, label):
    """Return a Markdown table of one image's ten logits and their softmax probabilities."""
    p = torch.softmax(logits, dim=0)
    rows = ["| digit | logit $z$ | probability $p$ |", "|---:|---:|---:|"]
    for d, (z, q) in enumerate(zip(logits.tolist(), p.tolist())):
        cells = [str(d), f"{z:.2f}".replace("-", "−"), f"{q:.3f}"]
        if d == label:
            cells = [f"**{c}**" for c in cells]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def history_table(history, best_epoch, every=5):
    """Return a Markdown table of the losses and accuracies at some epochs; the best one in bold."""
    if not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be an integer of at least 1, got {every!r}")
    last = len(history) - 1
    shown = sorted({0, 1, 2, best_epoch, last, *range(0, last + 1, every)})
    rows = [
        "| epoch | training loss | validation loss | training accuracy | validation accuracy |",
        "|---:|---:|---:|---:|---:|",
    ]
    for e in shown:
        h = history[e]
        cells = [
            str(e),
            f"{h['train_loss']:.4f}",
            f"{h['val_loss']:.4f}",
            f"{h['train_acc']:.1%}",
            f"{h['val_acc']:.1%}",
        ]
        if e == best_epoch:
            cells = [f"**{c}**" for c in cells]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _times(n):
    """A count as a reader would say it: "once", "twice", "3 times"."""
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def describe_confusions(matrix, k=3):
    """The k most frequent mistakes in words, e.g. "9 read as 5 (twice)"."""
    return ", ".join(
        f"{t} read as {q} ({_times(n)})" for t, q, n in top_confusions(matrix, k)
    )


def _listing(items):
    """Join words as a reader would: "5", "5 and 8", "3, 5 and 8"."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def run_summary(result):
    """A paragraph on how a run of `digits.run()`, with its default settings, went."""
    epochs, patience = settings()["epochs"], settings()["patience"]
    h, best = result["history"], result["best_epoch"]
    last = len(h) - 1
    n_val, n_train = len(result["y_val"]), len(result["y_train"])
    if last - best >= patience:
        how = (
            f"The {last - best} epochs after it did not beat it, so training stopped after "
            f"epoch {last}, {epochs - last} epochs short of the {epochs} allowed, and went back "
            f"to the weights of epoch {best}."
        )
    else:
        how = f"Training ran all {epochs} epochs and went back to the weights of epoch {best}."
    falling = ""
    if h[last]["train_loss"] < h[best]["train_loss"]:
        steady = all(
            h[e + 1]["train_loss"] < h[e]["train_loss"] for e in range(best, last)
        )
        falling = (
            f" Meanwhile the training loss went on falling{'' if steady else ', if not at every epoch'}: "
            f"from {h[best]['train_loss']:.4f} at epoch {best} to {h[last]['train_loss']:.4f} at "
            f"epoch {last}, while the validation loss rose from {h[best]['val_loss']:.4f} to "
            f"{h[last]['val_loss']:.4f}. The model went on fitting its training images better "
            f"without reading new ones better."
        )
    val_acc, train_acc = h[best]["val_acc"], h[best]["train_acc"]
    val_loss, train_loss = h[best]["val_loss"], h[best]["train_loss"]
    if train_acc > val_acc:
        gap = (
            f"On its {n_train} training images it scores {train_acc:.1%}, "
            f"{100 * (train_acc - val_acc):.1f} percentage points more, and its loss is "
            f"{train_loss:.4f} against {val_loss:.4f}."
        )
    else:
        gap = (
            f"On its {n_train} training images it scores {train_acc:.1%}, no more, but its loss "
            f"there is lower, {train_loss:.4f} against {val_loss:.4f}."
        )
    return (
        f"The validation loss was lowest after epoch {best}, at {val_loss:.4f}. "
        f"{how}{falling}\n\nWith the restored weights the model reads **{val_acc:.1%} of the "
        f"{n_val} validation images** correctly, {round(val_acc * n_val)} of them: images it "
        f"never trained on, though by the same {writers()[0]} writers as those it did. {gap} "
        f"The difference is the **generalisation gap**: the model does better on the images it "
        f"learned from than on new ones, and only new ones count."
    )


def saved_sentence(model, reloaded, x):
    """What saving and reloading the weights kept, checked on the images `x`."""
    same = torch.equal(digits.predict(model, x), digits.predict(reloaded, x))
    with torch.no_grad():
        logits = torch.equal(model(x), reloaded(x))
    if not (same and logits):
        raise ValueError("the reloaded model does not give the saved model's answers")
    n = sum(t.numel() for t in reloaded.state_dict().values())
    return (
        f"The file holds the {len(reloaded.state_dict())} tensors of the `state_dict`, "
        f"{n:,} numbers. The reloaded model gives the same answer as the trained one on all "
        f"{len(x)} validation images, from logits equal to the last bit."
    )


def baseline_sentence(result, linear, neighbour):
    """The network against two baselines: the linear softmax (`run(hidden=0)`) and the
    nearest neighbour's labels for the validation images."""
    y_val, n = result["y_val"], len(result["y_val"])
    net = result["history"][result["best_epoch"]]
    lin = linear["history"][linear["best_epoch"]]
    near = (neighbour == y_val).double().mean().item()
    n_pixels = result["x_train"].numel()
    n_weights = sum(t.numel() for t in result["model"].parameters())
    near_right, net_right = round(near * n), round(net["val_acc"] * n)
    if near_right > net_right:
        than = f"{near_right - net_right} more than the network"
    elif near_right == net_right:
        than = "as many as the network"
    else:
        than = f"{net_right - near_right} fewer than the network"
    verdict = (
        f"Nearest neighbour, which learns nothing, reads **{near:.1%}** ({near_right} images), "
        f"{than}"
        + (
            ": on small, clean images like these it is a strong baseline, and a network has to "
            "earn its place against it."
            if near_right >= net_right
            else "."
        )
    )
    if not (net["val_acc"] > lin["val_acc"] and net["val_loss"] < lin["val_loss"]):
        raise ValueError(
            "the network does no better than the linear softmax: rewrite the page"
        )
    return (
        f"The linear softmax, trained the same way, kept the weights of epoch "
        f"{linear['best_epoch']}, with a validation loss of {lin['val_loss']:.4f}, and reads "
        f"**{lin['val_acc']:.1%}** of the {n} validation images ({round(lin['val_acc'] * n)}). "
        f"The hidden layer takes that to **{net['val_acc']:.1%}** ({round(net['val_acc'] * n)}) "
        f"and the loss down to {net['val_loss']:.4f}. {verdict} What it costs: to label one "
        f"image it measures the distance to all {len(result['y_train'])} training images, and it keeps all "
        f"{n_pixels:,} of their pixels, where the network keeps {n_weights:,} weights and "
        f"biases."
    )


def curves_alt(history, best_epoch):
    """Alt text for plot_curves, with the run's numbers."""
    h, last = history, len(history) - 1
    return (
        f"Two line charts over {last} epochs. Left, on a log scale, the training loss falls from "
        f"{h[0]['train_loss']:.2f} to {h[last]['train_loss']:.3f}, while the validation loss "
        f"reaches its lowest, {h[best_epoch]['val_loss']:.3f}, at epoch {best_epoch}, marked "
        f"with a ring, and then goes up and down above it. Right, at the best epoch the training "
        f"accuracy is {h[best_epoch]['train_acc']:.1%} and the validation accuracy "
        f"{h[best_epoch]['val_acc']:.1%}."
    )


def confusion_summary(matrix):
    """A paragraph on the mistakes a confusion matrix shows, from its numbers."""
    total, right = int(matrix.sum()), int(matrix.trace())
    off = matrix - torch.diag(matrix.diag())
    top = top_confusions(matrix, k=CLASSES * CLASSES)
    if not top:
        return f"All {total} validation images are on the diagonal: no mistakes at all."
    most = [pair for pair in top if pair[2] == top[0][2]]
    if most[0][2] > 1:
        pairs = _listing(f"a {t} read as {q}" for t, q, _ in most)
        repeat = f"The most frequent mistake is {pairs}, {_times(most[0][2])}."
    else:
        repeat = "No mistake is made twice: each misread image is a different pair of digits."
    by_true, by_answer = off.sum(dim=1), off.sum(dim=0)
    hard = [d for d in range(len(matrix)) if by_true[d] == by_true.max()]
    lure = [d for d in range(len(matrix)) if by_answer[d] == by_answer.max()]
    if len(hard) == 1:
        hardest = (
            f"The digit misread most often is {hard[0]}: {int(by_true[hard[0]])} of its "
            f"{int(matrix[hard[0]].sum())} images."
        )
    else:
        hardest = f"The digits misread most often are {_listing(hard)}, {int(by_true.max())} images each."
    lured = (
        f"The wrong answer given most often is {_listing(lure)} "
        f"({_times(int(by_answer.max()))}{' each' if len(lure) > 1 else ''})."
    )
    return (
        f"The diagonal holds {right} of the {total} validation images; the other "
        f"{total - right} are mistakes. {repeat} {hardest} {lured}"
    )


def confusion_alt(matrix):
    """Alt text for plot_confusion, with the run's numbers."""
    total, right = int(matrix.sum()), int(matrix.trace())
    diag = matrix.diag()
    return (
        f"A 10 by 10 grid of counts, true digit by row and predicted digit by column. The "
        f"diagonal holds {right} of the {total} validation images, from {int(diag.min())} to "
        f"{int(diag.max())} per digit; the {total - right} mistakes are scattered off it: "
        f"{describe_confusions(matrix, k=CLASSES * CLASSES)}."
    )


def mistakes_alt(model, x, y, limit=24):
    """Alt text for plot_mistakes, with the run's numbers."""
    predicted, prob = confidence(model, x)
    wrong = mistakes(y, predicted)
    shown = wrong[:limit]
    which = (
        f"All {len(wrong)}"
        if len(shown) == len(wrong)
        else f"The first {len(shown)} of {len(wrong)}"
    )
    pairs = ", ".join(
        f"{t} as {q}" for t, q in zip(y[shown].tolist(), predicted[shown].tolist())
    )
    return (
        f"{which} misread images, 8 by 8 pixels each, labelled with the true digit and the "
        f"model's answer: {pairs}. The model gave these wrong answers probabilities from "
        f"{prob[shown].min():.2f} to {prob[shown].max():.2f}."
    )


def confidence_summary(model, x, y):
    """A paragraph comparing the model's confidence in its right and its wrong answers."""
    predicted, prob = confidence(model, x)
    wrong = predicted != y
    if not wrong.any():
        return "The model reads every validation image correctly."
    sure, unsure = prob[~wrong].median(), prob[wrong].median()
    worst = int(prob.masked_fill(~wrong, -1).argmax())
    text = (
        f"The model is less sure of its mistakes than of its correct answers: the median "
        f"probability it gave a wrong answer is {unsure:.2f}, against {sure:.4f} for a right "
        f"one."
    )
    if prob[worst] >= 0.9:
        text += (
            f" But a probability is not a guarantee: it called the {y[worst]} a "
            f"{predicted[worst]} with probability {prob[worst]:.2f}."
        )
    return text


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    x, y = torch.zeros(64, 64), torch.zeros(64, dtype=torch.long)
    return refusals(
        [
            (
                "train(make_model(), x, y, x, y, lr=0)",
                lambda: lesson.train(lesson.make_model(), x, y, x, y, lr=0),
            ),
            (
                "train(make_model(), x, y, x, y, momentum=1.0)",
                lambda: lesson.train(lesson.make_model(), x, y, x, y, momentum=1.0),
            ),
            (
                "train(make_model(), x, y, x, y, batch_size=0)",
                lambda: lesson.train(lesson.make_model(), x, y, x, y, batch_size=0),
            ),
            (
                "train(make_model(), x, y, x, y, epochs=0)",
                lambda: lesson.train(lesson.make_model(), x, y, x, y, epochs=0),
            ),
            (
                "train(make_model(), x, y[:-1], x, y)",
                lambda: lesson.train(lesson.make_model(), x, y[:-1], x, y),
            ),
            (
                "train(make_model(), x, y + 10, x, y)",
                lambda: lesson.train(lesson.make_model(), x, y + 10, x, y),
            ),
            ("make_model(hidden=-1)", lambda: lesson.make_model(hidden=-1)),
            (
                "confusion_matrix(torch.tensor([0]), torch.tensor([10]))",
                lambda: lesson.confusion_matrix(torch.tensor([0]), torch.tensor([10])),
            ),
        ]
    )


# ---------------------------------------------------------------------------------------------
# Figures


def _tiles(ax, rows, p, gap=2, frame=None):
    """Draw rows of 64-pixel images as ink on the page, each in a thin frame (muted unless
    `frame` names a colour)."""
    mosaic = render.digit_mosaic(rows, gap=gap)
    ax.imshow(
        mosaic,
        cmap=render.ink(p).with_extremes(bad=p["bg"]),
        vmin=0,
        vmax=1,
        interpolation="nearest",
    )
    step = 8 + gap
    # every frame in one line, broken by NaNs: one artist draws far faster than a hundred
    corners = np.array([[0, 0], [8, 0], [8, 8], [0, 8], [0, 0], [np.nan, np.nan]]) - 0.5
    frames = np.concatenate(
        [
            corners + np.array([c * step, r * step])
            for r, images in enumerate(rows)
            for c in range(len(images))
        ]
    )
    ax.plot(
        frames[:, 0],
        frames[:, 1],
        color=frame or p["muted"],
        lw=0.7 if frame is None else 1.4,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    return step


def plot_samples(x, y, per_class=10, theme="light"):
    """Return a Figure: the first `per_class` images of each digit, one row per digit."""
    if not isinstance(per_class, int) or per_class < 1:
        raise ValueError(
            f"per_class must be an integer of at least 1, got {per_class!r}"
        )
    rows = [x[y == d][:per_class] for d in range(CLASSES)]
    if min(len(r) for r in rows) < per_class:
        raise ValueError(f"x needs at least {per_class} images of each digit")
    with render.themed(theme) as p:
        fig = render.new_figure(0.5 * per_class + 0.6, 5.2)
        ax = fig.add_subplot()
        step = _tiles(ax, rows, p)
        ax.set_yticks(
            [d * step + 3.5 for d in range(CLASSES)],
            labels=[str(d) for d in range(CLASSES)],
        )
        ax.tick_params(axis="y", length=0)
        ax.set_ylabel("digit")
    return fig


def plot_curves(history, best_epoch, theme="light"):
    """Return a Figure: loss (left, log scale) and accuracy (right) per epoch, both sets, the best marked."""
    epochs = np.arange(len(history))
    last = len(history) - 1
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.6)
        ax_loss, ax_acc = fig.subplots(1, 2)
        for name, color, label in [
            ("train", p["role"]["path"], "training"),
            ("val", p["role"]["wrong"], "validation"),
        ]:
            losses = np.array([h[f"{name}_loss"] for h in history])
            accs = 100 * np.array([h[f"{name}_acc"] for h in history])
            ax_loss.plot(epochs, losses, "-o", color=color, ms=3, lw=1.8, label=label)
            ax_acc.plot(
                epochs[1:], accs[1:], "-o", color=color, ms=3, lw=1.8, label=label
            )
        best = history[best_epoch]
        for ax, value in [(ax_loss, best["val_loss"]), (ax_acc, 100 * best["val_acc"])]:
            if last > best_epoch:  # the epochs of patience after the best
                ax.axvspan(best_epoch, last, color=p["grid"], zorder=0, lw=0)
            ax.axvline(best_epoch, color=p["fg"], ls="--", lw=1.2, zorder=1)
            ax.plot(
                [best_epoch],
                [value],
                "o",
                ms=9,
                mfc="none",
                mec=p["fg"],
                mew=1.6,
                zorder=5,
            )
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
        ax_loss.set_yscale("log")
        ax_loss.set_yticks(
            [
                t
                for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2)
                if min(h["train_loss"] for h in history) / 1.5
                < t
                < 1.5 * max(h["val_loss"] for h in history)
            ]
        )
        ax_loss.yaxis.set_major_formatter(lambda v, _: f"{v:g}")
        ax_loss.yaxis.set_minor_locator(mticker.NullLocator())
        ax_loss.set_ylabel("cross-entropy loss (log scale)")
        ax_acc.set_ylabel("accuracy (%)")
        ax_loss.set_xlim(-0.3, last + 0.3)
        ax_acc.set_xlim(0.7, last + 0.3)
        handles, labels = ax_loss.get_legend_handles_labels()
        handles.append(ax_loss.lines[-1])
        labels.append(f"best epoch, {best_epoch}")
        if last > best_epoch:
            handles.append(mpatches.Rectangle((0, 0), 1, 1, color=p["grid"]))
            labels.append(
                f"patience: {last - best_epoch} epochs without a better validation loss"
            )
        fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9)
    return fig


def _luminance(colour):
    """The relative luminance of a colour, 0 for black to 1 for white (WCAG's definition)."""
    r, g, b = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in mcolors.to_rgb(colour)
    )
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _text_colour(cell, p):
    """The page's text or background colour, whichever stands out more on `cell`."""

    def contrast(text):
        light, dark = sorted([_luminance(text), _luminance(cell)], reverse=True)
        return (light + 0.05) / (dark + 0.05)

    return max((p["fg"], p["bg"]), key=contrast)


def plot_confusion(matrix, theme="light"):
    """Return a Figure: the confusion matrix as a grid of counts. The diagonal, the correct
    answers, is grey; the mistakes are in the colour of a misread digit, darker for more, on
    their own scale (one mistake would be all but white on the diagonal's)."""
    matrix = matrix.numpy()
    classes = len(matrix)
    off = matrix * (1 - np.eye(classes, dtype=matrix.dtype))
    with render.themed(theme) as p:
        fig = render.new_figure(5.2, 4.8)
        ax = fig.add_subplot()
        mistake = mcolors.to_rgb(p["role"]["data"])
        cells = np.empty((classes, classes, 3))
        cells[:] = mcolors.to_rgb(p["bg"])
        strength = off / max(off.max(), 1)
        for t, q in zip(*np.nonzero(off), strict=True):
            share = 0.45 + 0.55 * strength[t, q]  # one mistake is clearly coloured
            cells[t, q] = share * np.array(mistake) + (1 - share) * cells[t, q]
        for d in range(classes):
            cells[d, d] = mcolors.to_rgb(p["grid"])
        ax.imshow(cells, interpolation="nearest")
        for t in range(classes):
            for q in range(classes):
                if matrix[t, q]:
                    ax.text(
                        q,
                        t,
                        str(matrix[t, q]),
                        ha="center",
                        va="center",
                        fontsize=10,
                        color=_text_colour(cells[t, q], p),
                        fontweight="bold" if t != q else "normal",
                    )
        ax.set_xticks(range(classes))
        ax.set_yticks(range(classes))
        ax.set_xlabel("predicted digit")
        ax.set_ylabel("true digit")
        ax.xaxis.set_label_position("top")
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        ax.grid(False)
        for side in ax.spines.values():
            side.set_visible(False)
        # thin lines between the cells
        ax.set_xticks(np.arange(-0.5, classes), minor=True)
        ax.set_yticks(np.arange(-0.5, classes), minor=True)
        ax.grid(which="minor", color=p["grid"], lw=0.8)
        ax.tick_params(which="minor", length=0)
        fig.legend(
            [
                mpatches.Patch(color=p["grid"]),
                mpatches.Patch(color=p["role"]["data"]),
            ],
            ["correct answers", "mistakes (the stronger, the more)"],
            loc="outside lower center",
            ncols=2,
            fontsize=10,
        )
    return fig


def plot_mistakes(model, x, y, limit=24, per_row=4, theme="light"):
    """Return a Figure: the first `limit` images read wrongly, "true → answer" and the confidence in it."""
    predicted, prob = confidence(model, x)
    wrong = mistakes(y, predicted)[:limit]
    if len(wrong) == 0:
        raise ValueError(
            "the model reads every image correctly: there are no mistakes to draw"
        )
    per_row = min(per_row, len(wrong))
    rows = []
    for i in range(0, len(wrong), per_row):
        rows += [
            x[wrong[i : i + per_row]],
            [],
        ]  # a row of images, then an empty row for labels
    rows = rows[:-1]
    step = 10  # an 8-pixel image and a gap of 2
    width = 0.85 * per_row + 0.3
    height = width * ((len(rows) - 1) * step + 12.5) / (per_row * step - 2)
    with render.themed(theme) as p:
        fig = render.new_figure(width, height)
        ax = fig.add_subplot()
        _tiles(ax, rows, p, frame=p["role"]["data"])  # a misread digit's colour
        for i, k in enumerate(wrong.tolist()):
            r, c = divmod(i, per_row)
            top = 2 * r * step + 8
            ax.text(
                c * step + 3.5,
                top + 0.6,
                f"{y[k]} → {predicted[k]}",
                ha="center",
                va="top",
                fontsize=10,
                color=p["fg"],
            )
            ax.text(
                c * step + 3.5,
                top + 2.8,
                f"p = {prob[k]:.2f}",
                ha="center",
                va="top",
                fontsize=10,
                color=p["fg"],
            )
        ax.set_ylim((len(rows) - 1) * step + 12, -0.5)
        ax.set_xlim(-0.5, per_row * step - 2.5)
    return fig

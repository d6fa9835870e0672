"""The claims of docs/hard-landscapes.md, checked against independent computations (autograd and
central differences for every gradient, Hessians by differences of the gradient and numpy's
eigenvalues, published coordinates of Himmelblau's stationary points, hand-written loops for the
optimisers and torch.optim driven by backward(), the closed form (1 + lr)^t of the saddle's
escape), every argument's checks, and the page's drawings smoke-tested."""

import io
import math

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from conftest import BAD, Call, assert_close, run_program, table_of_bad_inputs
from snippets import hard_landscapes as hl
from snippets.drawing import hard_landscapes as draw
from snippets.drawing import render

F64 = torch.float64
SURFACES = [
    (hl.saddle, hl.saddle_gradient),
    (hl.plateau, hl.plateau_gradient),
    (hl.rosenbrock, hl.rosenbrock_gradient),
    (hl.himmelblau, hl.himmelblau_gradient),
]
IDS = ["saddle", "plateau", "rosenbrock", "himmelblau"]
# Himmelblau's stationary points as published (Himmelblau 1972; the maximum's value 181.617)
PUBLISHED_MINIMA = [
    (3.0, 2.0),
    (-2.805118, 3.131312),
    (-3.779310, -3.283186),
    (3.584428, -1.848126),
]
PUBLISHED_MAXIMUM = (-0.270845, -0.923039)


def seeded(count=300, seed=7, lim=4.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(count, 2, generator=g, dtype=F64) * 2 - 1) * lim


def autograd_gradient(f, p):
    p = p.detach().clone().requires_grad_()
    (g,) = torch.autograd.grad(f(p), p)
    return g


def central_difference(f, p, delta=1e-5):
    e = torch.eye(2, dtype=F64) * delta
    return torch.stack([(f(p + e[i]) - f(p - e[i])) / (2 * delta) for i in range(2)])


def hessian_by_differences(gradient, p, delta=1e-5):
    """Columns: central differences of the closed-form gradient (a different route from autograd)."""
    e = torch.eye(2, dtype=F64) * delta
    h = torch.stack(
        [(gradient(p + e[i]) - gradient(p - e[i])) / (2 * delta) for i in range(2)]
    )
    return (h + h.T) / 2


@pytest.fixture(scope="module")
def stationary():
    return draw.himmelblau_points()


@pytest.fixture(scope="module")
def races():
    return draw.races()


# ---------------------------------------------------------------------------------------------
# Gradients and Hessians


@pytest.mark.parametrize("f,gradient", SURFACES, ids=IDS)
def test_each_closed_form_gradient_equals_autograd_and_central_differences(f, gradient):
    for p in seeded():
        mine = gradient(p)
        by_autograd = autograd_gradient(f, p)
        scale = 1 + by_autograd.abs().max().item()
        assert_close(mine, by_autograd, atol=1e-12 * scale)
        assert_close(mine, central_difference(f, p), atol=1e-6 * scale)


@pytest.mark.parametrize("f,gradient", SURFACES, ids=IDS)
def test_each_surface_and_gradient_work_on_a_whole_grid_at_once(f, gradient):
    points = seeded(12).T.reshape(2, 3, 4)
    values, grads = f(points), gradient(points)
    assert values.shape == (3, 4) and grads.shape == (2, 3, 4)
    for i in range(3):
        for j in range(4):
            assert_close(values[i, j], f(points[:, i, j]), rtol=1e-15)
            assert_close(grads[:, i, j], gradient(points[:, i, j]), rtol=1e-15)


def test_gradient_errors_is_tiny_for_the_right_gradients_and_catches_a_wrong_one():
    points = draw.check_points()
    for f, gradient in SURFACES:
        auto, diff = hl.gradient_errors(f, gradient, points)
        assert auto < 1e-14 and diff < 1e-8

    # the wrong McCormick gradient of one explorer's code, in spirit: a sign flipped
    def wrong(p):
        return hl.rosenbrock_gradient(p) * torch.tensor([[1.0], [-1.0]], dtype=F64)

    auto, diff = hl.gradient_errors(hl.rosenbrock, wrong, points)
    assert auto > 0.1 and diff > 0.1


@pytest.mark.parametrize("f,gradient", SURFACES, ids=IDS)
def test_the_hessian_by_autograd_equals_differences_of_the_gradient(f, gradient):
    for p in seeded(20):
        H = hl.hessian(f, p)
        assert_close(
            H,
            hessian_by_differences(gradient, p),
            atol=1e-5 * (1 + H.abs().max().item()),
        )
        assert_close(H, H.T, atol=1e-12)


def test_rosenbrock_at_its_minimum_has_the_hessian_and_condition_number_of_the_closed_form():
    p = torch.tensor([1.0, 1.0], dtype=F64)
    assert hl.rosenbrock(p) == 0 and hl.rosenbrock_gradient(p).abs().max() == 0
    H = torch.tensor(
        [[802.0, -400.0], [-400.0, 200.0]], dtype=F64
    )  # by hand at x = y = 1
    assert_close(hl.hessian(hl.rosenbrock, p), H, atol=1e-10)
    root = math.sqrt(501**2 - 400)  # eigenvalues of H: 501 ± sqrt(501² - det H)
    low, high, kappa = draw.rosenbrock_minimum()
    assert_close(low, 501 - root, rtol=1e-10)
    assert_close(high, 501 + root, rtol=1e-12)
    assert_close(
        kappa,
        np.linalg.eigvalsh(H.numpy())[1] / np.linalg.eigvalsh(H.numpy())[0],
        rtol=1e-9,
    )
    assert hl.kind(hl.rosenbrock, p) == "minimum"


def test_kind_reads_the_signs_of_the_eigenvalues():
    zero = torch.zeros(2, dtype=F64)
    assert hl.kind(hl.saddle, zero) == "saddle"
    assert hl.kind(hl.plateau, zero) == "minimum"
    assert hl.kind(lambda p: -hl.plateau(p), zero) == "maximum"
    assert hl.kind(lambda p: p[0] ** 4 + p[1] ** 2, zero) == "flat"  # H = diag(0, 2)
    assert_close(
        torch.linalg.eigvalsh(hl.hessian(hl.saddle, zero)),
        torch.tensor([-1.0, 1.0], dtype=F64),
    )


# ---------------------------------------------------------------------------------------------
# Himmelblau's stationary points


def test_newton_finds_himmelblaus_nine_stationary_points_as_published(stationary):
    kinds = [what for _, what in stationary]
    assert (kinds.count("minimum"), kinds.count("saddle"), kinds.count("maximum")) == (
        4,
        4,
        1,
    )
    minima = [p for p, what in stationary if what == "minimum"]
    for published in PUBLISHED_MINIMA:
        gaps = [(p - torch.tensor(published, dtype=F64)).norm().item() for p in minima]
        assert min(gaps) < 1e-5
    (top,) = [p for p, what in stationary if what == "maximum"]
    assert_close(top, torch.tensor(PUBLISHED_MAXIMUM, dtype=F64), atol=1e-5)
    assert round(hl.himmelblau(top).item(), 3) == 181.617
    assert any((p - torch.tensor([3.0, 2.0], dtype=F64)).norm() < 1e-12 for p in minima)


def test_each_stationary_point_has_a_zero_gradient_and_the_kind_its_hessian_says(
    stationary,
):
    for p, what in stationary:
        assert hl.himmelblau_gradient(p).norm() < 1e-9
        assert autograd_gradient(hl.himmelblau, p).norm() < 1e-9
        values = np.linalg.eigvalsh(
            hessian_by_differences(hl.himmelblau_gradient, p).numpy()
        )
        expected = (
            "minimum" if values[0] > 0 else "maximum" if values[1] < 0 else "saddle"
        )
        assert what == expected and min(abs(values)) > 1  # far from a flat direction
        if what == "minimum":
            assert (
                hl.himmelblau(p) < 1e-20
            )  # a sum of two squares: 0 is the least it can be


def test_the_stationary_table_has_one_row_per_point_with_its_eigenvalues(stationary):
    rows = draw.stationary_table(stationary).splitlines()[2:]
    assert len(rows) == 9 and sum("| minimum |" in r for r in rows) == 4


# ---------------------------------------------------------------------------------------------
# The optimisers


def test_descend_gd_and_momentum_are_the_hand_written_updates():
    g, start, lr, mu = hl.rosenbrock_gradient, (-1.2, 1.0), 0.0005, 0.9
    p = torch.tensor(start, dtype=F64)
    q, v = p.clone(), torch.zeros(2, dtype=F64)
    gd, mom = [p], [q]
    for _ in range(50):
        p = p - lr * g(p)
        v = mu * v + g(q)
        q = q - lr * v
        gd.append(p)
        mom.append(q)
    assert_close(hl.descend(g, start, "GD", lr, 50), torch.stack(gd), rtol=1e-13)
    assert_close(hl.descend(g, start, "momentum", lr, 50), torch.stack(mom), rtol=1e-12)


def test_setting_the_gradient_by_hand_is_what_backward_gives_torch_optim_adam():
    p = torch.tensor([-0.3, -0.9], dtype=F64, requires_grad=True)
    opt, path = torch.optim.Adam([p], lr=0.1), [p.detach().clone()]
    for _ in range(60):
        opt.zero_grad()
        hl.himmelblau(p).backward()
        opt.step()
        path.append(p.detach().clone())
    mine = hl.descend(hl.himmelblau_gradient, (-0.3, -0.9), "Adam", 0.1, 60)
    assert_close(mine, torch.stack(path), atol=1e-12)


def test_sgd_with_noise_adds_seeded_gaussian_noise_to_the_gradient():
    lr, noise, seed = 0.1, 0.3, 5
    gen = torch.Generator().manual_seed(seed)
    p, path = torch.tensor([1.0, 0.5], dtype=F64), []
    path.append(p)
    for _ in range(30):
        p = p - lr * (
            hl.saddle_gradient(p) + noise * torch.randn(2, generator=gen, dtype=F64)
        )
        path.append(p)
    mine = hl.descend(
        hl.saddle_gradient, (1.0, 0.5), "GD", lr, 30, noise=noise, seed=seed
    )
    assert_close(mine, torch.stack(path), rtol=1e-13)
    assert torch.equal(
        mine, hl.descend(hl.saddle_gradient, (1.0, 0.5), "GD", lr, 30, noise, seed)
    )
    assert not torch.equal(
        mine, hl.descend(hl.saddle_gradient, (1.0, 0.5), "GD", lr, 30, noise, 6)
    )


def test_divergence_is_a_result_not_a_crash():
    path = hl.descend(hl.rosenbrock_gradient, (-1.2, 1.0), "GD", 0.01, 40)
    assert len(path) == 41 and not torch.isfinite(path[-1]).all()


# ---------------------------------------------------------------------------------------------
# The saddle


def test_on_the_stable_line_no_optimiser_leaves_it_and_gd_converges_to_the_saddle():
    for name in ("GD", "momentum", "Adam"):
        path = hl.descend(hl.saddle_gradient, (2.0, 0.0), name, 0.1, 200)
        assert (path[:, 1] == 0).all()
    path = hl.descend(hl.saddle_gradient, (2.0, 0.0), "GD", 0.1, 200)
    assert_close(path[-1, 0], 2.0 * 0.9**200, rtol=1e-10)  # x shrinks by 1 - lr
    assert hl.kind(hl.saddle, path[-1]) == "saddle"


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.3])
@pytest.mark.parametrize("offset", [1e-2, 1e-5, 1e-9, 1e-12])
def test_the_escape_step_is_log_d_over_eps_over_log_of_one_minus_lr_times_the_eigenvalue(
    lr, offset
):
    h = torch.linalg.eigvalsh(hl.hessian(hl.saddle, torch.zeros(2, dtype=F64)))[
        0
    ].item()  # -1
    steps = math.ceil(math.log(1.0 / offset) / math.log(1 - lr * h))
    path = hl.descend(hl.saddle_gradient, (2.0, offset), "GD", lr, steps + 3)
    assert_close(
        path[:, 1], offset * (1 + lr) ** torch.arange(steps + 4, dtype=F64), rtol=1e-12
    )
    assert hl.escape_step(path, 1.0) == steps == hl.predicted_escape(offset, 1.0, lr, h)


def test_a_steeper_saddle_escapes_as_its_more_negative_eigenvalue_says():
    def steep(p):
        return (p[0] ** 2 - 4 * p[1] ** 2) / 2

    def steep_gradient(p):
        return torch.stack([p[0], -4 * p[1]])

    h = torch.linalg.eigvalsh(hl.hessian(steep, torch.zeros(2, dtype=F64)))[0].item()
    assert_close(h, -4.0, atol=1e-12)
    path = hl.descend(steep_gradient, (2.0, 1e-6), "GD", 0.1, 60)
    by_hand = math.ceil(
        math.log(1e6) / math.log(1 + 0.1 * 4)
    )  # the factor 1 + lr λ, λ = 4
    assert (
        hl.escape_step(path, 1.0) == hl.predicted_escape(1e-6, 1.0, 0.1, h) == by_hand
    )


def test_noise_escapes_the_stable_line_about_when_its_typical_offset_says():
    firsts = draw.noisy_escapes()
    assert (firsts > 0).all()  # every seed escapes within 100 steps
    lr, sigma = draw.ESCAPE_LR, draw.ESCAPE_NOISE
    # y_t / (1 + lr)^t tends to a normal number of variance lr² σ² / ((1 + lr)² - 1)
    typical = 0.674490 * lr * sigma / math.sqrt((1 + lr) ** 2 - 1)  # its median size
    predicted = math.log(1 / typical) / math.log(1 + lr)
    assert abs(firsts.double().median().item() - predicted) <= 2
    # and the lesson's own noisy descent escapes from the line too
    path = hl.descend(
        hl.saddle_gradient, (2.0, 0.0), "GD", lr, 100, noise=sigma, seed=0
    )
    assert hl.escape_step(path, 1.0) is not None


def test_escape_step_is_none_when_the_path_never_gets_there():
    path = torch.zeros(5, 2, dtype=F64)
    assert hl.escape_step(path, 1.0) is None


# ---------------------------------------------------------------------------------------------
# The race, as the page tells it


def test_the_race_on_the_saddle(races):
    race = races["saddle"]
    for name in ("GD", "momentum", "Adam"):
        assert (race[name][:, 1] == 0).all() and race[name][-1].norm() < 0.05
    assert race["SGD with noise"][-1, 1].abs() > 1


def test_the_race_on_the_plateau(races):
    race, f = races["plateau"], hl.plateau
    assert (race["GD"][-1] - race["GD"][0]).norm() < 0.1 and f(race["GD"][-1]) > 0.999
    assert f(race["SGD with noise"][-1]) > 0.99
    assert f(race["Adam"][-1]) < 1e-3 and f(race["momentum"][-1]) < f(race["GD"][-1])
    assert race["momentum"][-1, 0] < 0  # overshot the well at the origin


def test_the_race_in_rosenbrocks_valley(races):
    race, f = races["Rosenbrock"], hl.rosenbrock
    ends = {name: f(path[-1]).item() for name, path in race.items()}
    assert ends["Adam"] < ends["momentum"] < ends["SGD with noise"] < ends["GD"]
    one = torch.ones(2, dtype=F64)
    assert all((path[-1] - one).norm() > 0.1 for path in race.values())
    start = torch.tensor(hl.LANDSCAPES["Rosenbrock"].start, dtype=F64)
    h_max = np.linalg.eigvalsh(
        hessian_by_differences(hl.rosenbrock_gradient, start).numpy()
    )[1]
    assert (
        2 / h_max < hl.LANDSCAPES["Rosenbrock"].lrs["GD"]
    )  # "a little more" than the limit
    assert torch.isfinite(torch.stack(list(race.values()))).all()


def test_the_race_on_himmelblau_ends_in_three_different_minima(races, stationary):
    minima = torch.stack([p for p, what in stationary if what == "minimum"])
    which = {
        name: (minima - path[-1]).norm(dim=1).argmin().item()
        for name, path in races["Himmelblau"].items()
    }
    assert which["GD"] == which["momentum"]
    assert len({which["GD"], which["Adam"], which["SGD with noise"]}) == 3
    for name in ("GD", "momentum", "Adam"):
        assert hl.himmelblau(races["Himmelblau"][name][-1]) < 0.01


# ---------------------------------------------------------------------------------------------
# Basins


@pytest.fixture(scope="module")
def basin(stationary):
    return draw.basin_map(stationary)


def test_every_start_of_the_grid_ends_at_a_minimum_and_every_minimum_has_a_basin(basin):
    _xs, _minima, index, distance = basin
    assert distance.max() < 1e-8
    assert set(index.unique().tolist()) == {0, 1, 2, 3}
    assert all(0.2 < share < 0.3 for share in draw.basin_shares(index))


def test_the_grid_agrees_with_gradient_descent_from_single_starts(basin):
    xs, minima, index, _ = basin
    g = torch.Generator().manual_seed(3)
    for _ in range(15):
        i, j = torch.randint(len(xs), (2,), generator=g).tolist()
        start = (xs[j].item(), xs[i].item())  # row i is y, column j is x
        path = hl.descend(
            hl.himmelblau_gradient, start, "GD", draw.BASIN_LR, draw.BASIN_STEPS
        )
        assert (minima - path[-1]).norm(dim=1).argmin().item() == index[i, j].item()


def test_for_some_starts_the_minimum_reached_is_not_the_nearest(basin):
    xs, minima, index, _ = basin
    grid = np.stack(np.meshgrid(xs.numpy(), xs.numpy()), axis=-1)  # (y, x, 2)
    nearest = np.linalg.norm(grid[:, :, None, :] - minima.numpy(), axis=-1).argmin(
        axis=-1
    )
    share = (nearest != index.numpy()).mean()
    assert share > 0.005
    assert_close(draw.not_nearest(xs, minima, index), float(share), atol=1e-15)


def test_the_basins_meet_at_the_saddles_and_the_maximum(basin, stationary):
    xs, _, index, _ = basin
    for p, what in stationary:
        if what == "minimum":
            continue
        near = ((xs[None, :] - p[0]) ** 2 + (xs[:, None] - p[1]) ** 2).sqrt() < 0.3
        assert len(index[near].unique()) >= 2, (
            f"the {what} at {p.tolist()} is inside one basin"
        )


# ---------------------------------------------------------------------------------------------
# The whole program, the figures


def test_the_whole_program_prints_the_race_and_the_stationary_points(
    tmp_path, races, stationary
):
    lines = run_program("hard-landscapes.md", "hard_landscapes.py", tmp_path)
    ends = [line for line in lines if " ends at " in line]
    assert len(ends) == 16
    first = races["saddle"]["GD"][-1]
    assert f"({first[0]:.4f}, {first[1]:.4f})" in ends[0]
    found = [line for line in lines if line.startswith("Himmelblau: a ")]
    assert len(found) == 9 and sum("minimum" in line for line in found) == 4


def test_the_race_animation_has_few_small_frames_in_both_themes(races, stationary):
    for theme in render.THEMES:
        frames = draw.animate_race(races, stationary, theme=theme)
        assert len(frames) == draw.FRAMES <= 60
        assert frames[0].shape == (450, 800, 3)
        assert len(render.gif_bytes(frames)) < 300_000
    assert len(draw.race_labels()) == draw.FRAMES


def test_the_figures_draw_in_both_themes(races, stationary, basin):
    xs, _minima, index, _ = basin
    runs = draw.escape_runs()
    for theme in render.THEMES:
        escape = draw.plot_escape(runs, theme=theme)
        values = draw.plot_race_values(races, theme=theme)
        basins = draw.plot_basins(xs, index, stationary, theme=theme)
        assert all(isinstance(fig, Figure) for fig in (escape, values, basins))
        assert sum(len(ax.lines) for ax in values.axes) == 16
        png = render.figure_bytes(basins, "png")
        assert Image.open(io.BytesIO(png)).size[0] > 0


def test_the_sentences_quote_the_run(races, stationary):
    text = " ".join(draw.race_sentences(races, stationary).values())
    assert "(−3.78, −3.28)" in text and "(−2.81, 3.13)" in text
    runs = draw.escape_runs()
    sentence = draw.escape_sentence()
    for _offset, (_, step) in runs.items():
        assert f"{step} steps (the formula says {step})" in sentence
    assert "y is still 0" in sentence


# ---------------------------------------------------------------------------------------------
# Bad inputs

P = lambda: torch.tensor([1.0, 2.0], dtype=F64)  # noqa: E731
POINT = {"p": BAD["tensor"] + [torch.zeros(3, dtype=F64), torch.tensor([1, 2])]}
START = [None, 1.0, (1.0,), (1.0, math.nan), (1.0, "2"), (1.0, math.inf)]
LAND = hl.LANDSCAPES["saddle"]

CALLS = [
    Call(hl.check_point, {"p": POINT["p"]}, name="p", p=P),
    Call(hl.check_start, {"start": START}, name="start", start=(1.0, 2.0)),
    *[Call(fn, POINT, p=P) for pair in SURFACES for fn in pair],
    Call(
        hl.gradient_errors,
        {
            "f": [None, 1.0],
            "gradient": [None, "g"],
            "points": POINT["p"],
            "delta": "positive",
        },
        f=lambda: hl.saddle,
        gradient=lambda: hl.saddle_gradient,
        points=lambda: torch.ones(2, 3, dtype=F64),
    ),
    Call(hl.hessian, {"f": [None, 1.0], **POINT}, f=lambda: hl.saddle, p=P),
    Call(
        hl.kind,
        {"f": [None, 1.0], **POINT, "tol": "positive"},
        f=lambda: hl.saddle,
        p=P,
    ),
    Call(
        hl.newton,
        {"gradient": [None, 1.0], "start": START, "steps": "count"},
        f=lambda: hl.saddle,
        gradient=lambda: hl.saddle_gradient,
        start=(1.0, 2.0),
    ),
    Call(
        hl.stationary_points,
        {"starts": [None, 1.0, [(1.0,)]], "tol": "positive"},
        f=lambda: hl.saddle,
        gradient=lambda: hl.saddle_gradient,
        starts=[(1.0, 2.0)],
    ),
    Call(
        hl.make_optimiser,
        {"name": ["adam", None, "SGD"], "lr": "positive"},
        name="GD",
        params=lambda: [torch.zeros(2, requires_grad=True)],
        lr=0.1,
    ),
    Call(
        hl.descend,
        {
            "gradient": [None, 1.0],
            "start": START,
            "name": ["adam", None],
            "lr": "positive",
            "steps": "count",
            "noise": [-1.0, math.nan, math.inf, "0.1", None],
            "seed": BAD["seed"],
        },
        gradient=lambda: hl.saddle_gradient,
        start=(1.0, 0.5),
        name="GD",
        lr=0.1,
        steps=3,
    ),
    # a record of settings, not a computation: it has no argument to refuse
    Call(
        hl.Landscape,
        {},
        f=lambda: hl.saddle,
        gradient=lambda: hl.saddle_gradient,
        start=(1.0, 0.0),
        steps=3,
        lrs={"GD": 0.1},
        noise=0.0,
    ),
    Call(
        hl.race, {"landscape": [None, (1.0, 2.0)], "seed": BAD["seed"]}, landscape=LAND
    ),
    Call(
        hl.escape_step,
        {"path": BAD["tensor"] + [torch.zeros(3)], "distance": "positive"},
        path=lambda: torch.zeros(3, 2),
        distance=1.0,
    ),
    Call(
        hl.predicted_escape,
        {
            "offset": "positive",
            "distance": "positive",
            "lr": "positive",
            "h": [0.0, 1.0, "-1", None, math.nan],
        },
        offset=1e-3,
        distance=1.0,
        lr=0.1,
        h=-1.0,
    ),
    Call(
        hl.basins,
        {
            "gradient": [None, 1.0],
            "minima": BAD["tensor"],
            "xs": BAD["tensor"],
            "ys": BAD["tensor"],
            "lr": "positive",
            "steps": "count",
        },
        gradient=lambda: hl.himmelblau_gradient,
        minima=lambda: torch.tensor([[3.0, 2.0]], dtype=F64),
        xs=lambda: torch.linspace(0, 1, 3, dtype=F64),
        ys=lambda: torch.linspace(0, 1, 3, dtype=F64),
        lr=0.005,
        steps=3,
    ),
]

test_table_covers_the_module, test_table_calls_run, test_bad_arguments_are_refused = (
    table_of_bad_inputs(hl, CALLS)
)


def test_the_error_table_shows_every_refusal():
    rows = draw.error_table(hl).splitlines()[2:]
    assert len(rows) == 8 and all("Error:" in row for row in rows)


def test_on_the_plateau_the_noise_outweighs_the_gradient_and_adam_steps_lr_per_coordinate():
    land = hl.LANDSCAPES["plateau"]
    start = torch.tensor(land.start, dtype=F64)
    assert land.gradient(start).norm() < land.noise / 10
    path = hl.descend(land.gradient, land.start, "Adam", land.lrs["Adam"], 1)
    # Adam's first step, bias-corrected: lr g / (|g| + eps), eps = 1e-8: lr per coordinate
    g = land.gradient(start).abs()
    expected = land.lrs["Adam"] * g / (g + 1e-8)
    assert_close((path[0] - path[1]).abs(), expected, rtol=1e-12)
    assert_close(expected, torch.full((2,), land.lrs["Adam"], dtype=F64), rtol=1e-4)


def test_in_the_valley_gd_ends_where_its_learning_rate_is_stable(races):
    land = hl.LANDSCAPES["Rosenbrock"]
    end = races["Rosenbrock"]["GD"][-1]
    h_max = np.linalg.eigvalsh(
        hessian_by_differences(hl.rosenbrock_gradient, end).numpy()
    )[1]
    assert land.lrs["GD"] < 2 / h_max


# ---------------------------------------------------------------------------------------------
# The explorable: an optimiser and a start of the reader's choice


def optim_by_backward(f, start, name, lr, steps):
    """A run of torch.optim driven by backward() on f itself (autograd, not the hand-written
    gradient): the reference for every run of the explorable."""
    p = torch.tensor(start, dtype=F64, requires_grad=True)
    opt = {
        "GD": lambda: torch.optim.SGD([p], lr=lr),
        "momentum": lambda: torch.optim.SGD([p], lr=lr, momentum=0.9),
        "Adam": lambda: torch.optim.Adam([p], lr=lr),
    }[name]()
    path = [p.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        f(p).backward()
        opt.step()
        path.append(p.detach().clone())
    return torch.stack(path)


@pytest.fixture(scope="module")
def explore():
    runs = draw.explore_runs()
    points = {name: draw.explore_points(name) for name in draw.EXPLORE_SURFACES}
    return runs, points


@pytest.fixture(scope="module")
def by_backward():
    """Every run of the explorable again, by the reference, with the race's settings."""
    runs = {}
    for name in draw.EXPLORE_SURFACES:
        land = hl.LANDSCAPES[name]
        for opt in draw.EXPLORE_OPTIMISERS:
            for i, start in enumerate(draw.explore_starts(name)):
                runs[name, opt, i] = optim_by_backward(
                    land.f, start, opt, land.lrs[opt], land.steps
                )
    return runs


def published_nearest(q):
    gaps = [math.dist(q.tolist(), m) for m in PUBLISHED_MINIMA]
    k = min(range(4), key=gaps.__getitem__)
    return PUBLISHED_MINIMA[k], gaps[k]


def test_the_explorable_runs_the_race_settings_from_nine_starts_on_a_grid(explore):
    runs, _ = explore
    assert len(runs) == 3 * 3 * 9 <= 300  # frames a palette
    for name in draw.EXPLORE_SURFACES:
        starts = draw.explore_starts(name)
        (x0, x1), (y0, y1) = draw.EXPLORE_WINDOW[name]
        assert x1 - x0 == y1 - y0  # square windows: one grid lies alike on all
        assert len(set(starts)) == 9
        assert all(x0 < x < x1 and y0 < y < y1 for x, y in starts)
        for opt in draw.EXPLORE_OPTIMISERS:
            for i, start in enumerate(starts):
                path = runs[name, opt, i]
                assert len(path) == hl.LANDSCAPES[name].steps + 1
                assert path[0].tolist() == list(start)


def test_every_run_of_the_explorable_is_torch_optim_driven_by_backward(
    explore, by_backward
):
    runs, _ = explore
    for key, path in runs.items():
        ref = by_backward[key]
        if key[0] == "saddle":  # they grow to 10⁶: compare relative to their size
            assert_close(path, ref, rtol=1e-9, atol=1e-9)
        else:
            assert_close(path, ref, atol=1e-8)


def test_the_explorables_marks_are_the_stationary_points_and_kinds_of_each_surface(
    explore,
):
    _, points = explore
    (q,) = points["saddle"]
    assert q[1] == "saddle" and q[0].abs().max() < 1e-12
    (q,) = points["Rosenbrock"]
    assert q[1] == "minimum" and (q[0] - 1).abs().max() < 1e-9
    kinds = [what for _, what in points["Himmelblau"]]
    assert (kinds.count("minimum"), kinds.count("saddle"), kinds.count("maximum")) == (
        4,
        4,
        1,
    )
    for p, what in points[
        "Himmelblau"
    ]:  # each kind from numpy's eigenvalues of differences
        values = np.linalg.eigvalsh(
            hessian_by_differences(hl.himmelblau_gradient, p).numpy()
        )
        expected = {2: "minimum", 0: "maximum", 1: "saddle"}[int((values > 0).sum())]
        assert what == expected


def test_on_himmelblau_each_start_ends_in_the_minimum_the_explorable_says(
    explore, by_backward
):
    runs, points = explore
    newton_minima = [q for q, what in points["Himmelblau"] if what == "minimum"]
    for opt in draw.EXPLORE_OPTIMISERS:
        for i in range(9):
            end = by_backward["Himmelblau", opt, i][-1]
            where, gap = published_nearest(end)
            assert (
                gap < draw.EXPLORE_NEAR
            )  # the reference run ends at a published minimum
            k = draw.explore_minimum(runs["Himmelblau", opt, i], points["Himmelblau"])
            assert_close(newton_minima[k], torch.tensor(where, dtype=F64), atol=1e-6)
            status = draw.explore_status(
                {"surface": "Himmelblau", "optimiser": opt, "start": i}, runs, points
            )
            assert (
                f"ends at the minimum {draw.point_text(newton_minima[k], 2)}" in status
            )


def test_on_himmelblau_adam_agrees_with_gd_and_momentum_differs_where_the_page_says(
    explore, by_backward
):
    runs, points = explore
    ends = {
        opt: [
            published_nearest(by_backward["Himmelblau", opt, i][-1])[0]
            for i in range(9)
        ]
        for opt in draw.EXPLORE_OPTIMISERS
    }
    assert ends["Adam"] == ends["GD"]
    moved = [
        draw.EXPLORE_PLACES[i] for i in range(9) if ends["momentum"][i] != ends["GD"][i]
    ]
    assert 0 < len(moved) < 9
    text = draw.explore_sentences(runs, points)["Himmelblau"]
    assert "all 27 runs end at a minimum" in text
    assert "same one as GD from all 9 starts" in text
    listed = ", ".join(moved[:-1]) + " and " * (len(moved) > 1) + moved[-1]
    assert f"another from {len(moved)}: the {listed}." in text
    # from the left GD goes down to the minimum below; momentum overshoots to the one above
    assert (
        ends["GD"][3] == PUBLISHED_MINIMA[2]
        and ends["momentum"][3] == PUBLISHED_MINIMA[1]
    )


def test_on_the_saddle_the_stable_line_holds_every_optimiser_and_the_rest_escape(
    explore,
):
    runs, points = explore
    lr = hl.LANDSCAPES["saddle"].lrs["GD"]
    t = torch.arange(hl.LANDSCAPES["saddle"].steps + 1, dtype=F64)
    for i, (x0, y0) in enumerate(draw.explore_starts("saddle")):
        gd = runs["saddle", "GD", i]  # closed form: x (1 - lr)^t, y (1 + lr)^t
        assert_close(gd[:, 0], x0 * (1 - lr) ** t, rtol=1e-10, atol=1e-300)
        assert_close(gd[:, 1], y0 * (1 + lr) ** t, rtol=1e-10, atol=1e-300)
        for opt in draw.EXPLORE_OPTIMISERS:
            path = runs["saddle", opt, i]
            if y0 == 0:
                assert (path[:, 1] == 0).all() and path[-1].norm() < draw.EXPLORE_NEAR
                assert hl.kind(hl.saddle, path[-1]) == "saddle"
            else:
                assert path[-1, 1].abs() > draw.EXPLORE_WINDOW["saddle"][1][1]
    assert sum(y == 0 for _, y in draw.explore_starts("saddle")) == 3
    middle = draw.EXPLORE_PLACES.index("middle")
    for opt in draw.EXPLORE_OPTIMISERS:  # from the saddle point itself nothing moves
        assert (runs["saddle", opt, middle] == 0).all()
    state = {"surface": "saddle", "optimiser": "Adam", "start": middle}
    assert "stays at the saddle point" in draw.explore_status(state, runs, points)
    text = draw.explore_sentences(runs, points)["saddle"]
    assert "no optimiser ever leaves it, and every run ends at the saddle point" in text
    smallest = min(
        runs["saddle", o, i][-1, 1].abs().item()
        for o in draw.EXPLORE_OPTIMISERS
        for i in range(9)
        if i not in (3, 4, 5)
    )
    assert f"|y| = {smallest:.3g} or more" in text


def test_in_rosenbrocks_valley_no_run_reaches_the_minimum_and_the_closest_is_named(
    explore, by_backward
):
    runs, points = explore
    gaps = {
        key: (path[-1] - 1).norm().item()
        for key, path in by_backward.items()
        if key[0] == "Rosenbrock"
    }
    assert len(gaps) == 27 and min(gaps.values()) > draw.EXPLORE_NEAR
    best = min(gaps, key=gaps.get)
    text = draw.explore_sentences(runs, points)["Rosenbrock"]
    assert "none of the 27 runs ends within" in text
    assert (
        f"the closest, {best[1]} from the {draw.EXPLORE_PLACES[best[2]]}, ends {gaps[best]:.2f}"
        in text
    )


def test_explore_end_names_what_the_run_did():
    points = [(torch.zeros(2, dtype=F64), "saddle")]
    path = torch.tensor([[2.0, 0.0], [0.01, 0.0]], dtype=F64)
    assert draw.explore_end("saddle", path, points).startswith(
        "ends at the saddle point (0.00, 0.00)"
    )
    path = torch.tensor([[2.0, 1.0], [1.0, 1.5]], dtype=F64)
    assert draw.explore_end("saddle", path, points) == (
        "ends at (1.00, 1.50), f = −0.625, 1.80 from the saddle point"
    )
    path = torch.tensor([[2.0, 1.0], [0.0, 4096.8]], dtype=F64)
    assert draw.explore_end("saddle", path, points).startswith(
        "leaves the window and ends at (0, 4.1 × 10³)"
    )
    path = torch.tensor([[2.0, 1.0], [math.inf, math.nan]], dtype=F64)
    assert draw.explore_end("saddle", path, points).startswith("diverges")
    path = torch.zeros(3, 2, dtype=F64)
    assert draw.explore_end("saddle", path, points).startswith(
        "stays at the saddle point"
    )


def test_the_explorables_alt_texts_carry_each_states_numbers(explore, by_backward):
    runs, points = explore
    alt = draw.explore_alt(runs, points)
    for name, opt, i in [
        ("Himmelblau", "momentum", 3),
        ("Rosenbrock", "GD", 0),
        ("saddle", "Adam", 8),
    ]:
        text = alt({"surface": name, "optimiser": opt, "start": i})
        land = hl.LANDSCAPES[name]
        x, y = draw.explore_starts(name)[i]
        assert f"{opt}, lr = {land.lrs[opt]:g}, {land.steps} steps from " in text
        assert draw.minus(f"({x:g}, {y:g})") in text
        end = by_backward[name, opt, i][-1]
        if name == "Himmelblau":
            where = torch.tensor(published_nearest(end)[0], dtype=F64)
            assert f"ends at the minimum {draw.point_text(where, 2)}" in text
            assert "4 minima, 4 saddle points and 1 maximum marked" in text
        elif name == "Rosenbrock":
            assert f"ends at {draw.point_text(end, 2)}" in text
            assert f"{(end - 1).norm().item():.2f} from the minimum" in text
        else:
            assert (
                "leaves the window" in text
                and draw.minus(f"{end[1].item():.3g}") in text
            )
            assert "its 1 saddle point marked" in text
    assert (
        len({alt(dict(zip(("surface", "optimiser", "start"), key))) for key in runs})
        == 81
    )


def test_the_explorable_draws_its_states_in_both_themes_and_clicks_find_the_starts(
    explore,
):
    runs, points = explore
    states = [
        {"surface": s, "optimiser": "momentum", "start": 3}
        for s in draw.EXPLORE_SURFACES
    ]
    for theme in render.THEMES:
        fig, artists, update = draw.explore_scene(runs, points, theme=theme)
        frames = render.blit_frames(fig, artists, update, states + states[:1])
        assert frames[0].shape == (680, 600, 3)
        assert not np.array_equal(
            frames[0], frames[1]
        )  # another surface, another picture
        assert np.array_equal(frames[0], frames[3])  # a state is drawn alike every time
        # one grid of starts: start i is the same pixel on every surface's axes, so the
        # knob's points (in the first axes' data coordinates) pick the right start on each
        knob = {k.key: k for k in draw.explore_knobs()}["start"]
        at = fig.axes[knob.axes].transData.transform(np.array(knob.points))
        for ax, name in zip(fig.axes, draw.EXPLORE_SURFACES):
            assert ax.get_title(loc="left") == draw.SURFACE_TITLES[name]
            mine = ax.transData.transform(np.array(draw.explore_starts(name)))
            assert np.abs(mine - at).max() < 0.5  # pixels

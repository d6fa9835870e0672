"""The claims of docs/adaptive-step-sizes.md, checked against independent computations
(torch.optim's optimizers and their state, closed forms, torch.autograd's Hessian), the checks of
every lesson function, the whole program run as a fresh file, and the page's drawings
smoke-tested."""

import math

import pytest
import torch
from matplotlib.figure import Figure

from conftest import INF, NAN, Call, assert_close, run_program, table_of_bad_inputs
from snippets import adaptive_step_sizes as ad
from snippets import learning_rate as lr_mod
from snippets.drawing import adaptive_step_sizes as draw
from snippets.drawing import render

PAGE = "adaptive-step-sizes.md"
F64 = torch.float64
TWINS = {
    ad.AdaGrad: torch.optim.Adagrad,
    ad.RMSprop: torch.optim.RMSprop,
    ad.Adam: torch.optim.Adam,
    ad.AdamW: torch.optim.AdamW,
}
# several settings each, weight decay among them; runs that stay clear of the bouncing at the
# bottom where two orders of rounding part (see the page)
SETTINGS = {
    ad.AdaGrad: [
        {"lr": 0.1},
        {"lr": 0.3, "eps": 1e-6},
        {"lr": 0.05, "weight_decay": 0.3},
    ],
    ad.RMSprop: [
        {"lr": 0.003},
        {"lr": 0.001, "alpha": 0.9},
        {"lr": 0.002, "weight_decay": 0.2},
    ],
    ad.Adam: [
        {"lr": 0.05},
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6},
        {"lr": 0.02, "weight_decay": 0.3},
        {"lr": 0.01, "betas": (0.0, 0.5)},
    ],
    ad.AdamW: [
        {"lr": 0.05},
        {"lr": 0.02, "weight_decay": 0.3},
        {"lr": 0.01, "weight_decay": 2.0},
    ],
}
CASES = [(ours, s) for ours, settings in SETTINGS.items() for s in settings]


def noisy_problem(seed=3, n=40):
    """A seeded least-squares problem, different from the drawing's: inputs on three scales,
    a weight matrix and a bias, and a fresh batch of 8 rows at every step (noisy gradients)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g, dtype=F64) * torch.tensor(
        [0.1, 1.0, 30.0], dtype=F64
    )
    y = torch.randn(n, 2, generator=g, dtype=F64)
    w0 = torch.randn(3, 2, generator=g, dtype=F64)
    batches = [torch.randint(n, (8,), generator=g) for _ in range(200)]

    def loss(step, w, b):
        idx = batches[step]
        return ((x[idx] @ w + b - y[idx]) ** 2).mean()

    def start():
        return [
            w0.clone().requires_grad_(),
            torch.zeros(2, dtype=F64, requires_grad=True),
        ]

    return loss, start


@pytest.mark.parametrize(
    "ours,settings", CASES, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_each_optimizer_equals_torch_optim_over_200_steps_in_float64(ours, settings):
    loss, start = noisy_problem()
    mine, theirs = start(), start()
    opt_a, opt_b = ours(mine, **settings), TWINS[ours](theirs, **settings)
    for step in range(200):
        for opt, params in ((opt_a, mine), (opt_b, theirs)):
            opt.zero_grad()
            loss(step, *params).backward()
            opt.step()
        for p, q in zip(mine, theirs):
            assert_close(p, q, atol=1e-12 * q.abs().max().item(), rtol=0)


def test_the_drawings_equality_table_is_within_round_off():
    # the page's own runs, each against torch.optim, the same bound
    for name, (ours, theirs, settings) in draw.EQUAL.items():
        for s in settings:
            assert draw.side_by_side(ours, theirs, s) < 1e-12, (name, s)


def test_adams_averages_are_torch_optims_exp_avg_and_exp_avg_sq():
    loss, start = noisy_problem()
    mine, theirs = start(), start()
    opt_a = ad.Adam(mine, lr=0.01, betas=(0.8, 0.99))
    opt_b = torch.optim.Adam(theirs, lr=0.01, betas=(0.8, 0.99))
    for step in range(30):
        for opt, params in ((opt_a, mine), (opt_b, theirs)):
            opt.zero_grad()
            loss(step, *params).backward()
            opt.step()
    for k, q in enumerate(theirs):
        assert_close(opt_a.m[k], opt_b.state[q]["exp_avg"], rtol=1e-12)
        assert_close(opt_a.v[k], opt_b.state[q]["exp_avg_sq"], rtol=1e-12)
        assert opt_b.state[q]["step"].item() == opt_a.t == 30


def test_our_adam_trains_the_digits_network_as_torch_optim_does():
    x, y, *_ = draw.digits_data()
    x = x[:256].double()
    mine = ad.train_digits(x, y[:256], ad.Adam, epochs=3, lr=0.01)[1]
    theirs = ad.train_digits(x, y[:256], torch.optim.Adam, epochs=3, lr=0.01)[1]
    assert_close(mine, theirs, rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# One learning rate for two parameters


def test_scaling_the_input_by_10_multiplies_the_slopes_curvature_by_100():
    x1, y1 = ad.scaled_line(1.0)
    x, y = ad.scaled_line(10.0)
    a = torch.tensor([0.5, 1.0], dtype=F64)
    h1 = torch.autograd.functional.hessian(ad.line_loss(x1, y1), a)
    h = torch.autograd.functional.hessian(ad.line_loss(x, y), a)
    assert_close(h[0, 0], 100 * h1[0, 0], rtol=1e-12)
    assert_close(h[1, 1], h1[1, 1], rtol=1e-12)
    assert_close(h[0, 1], 10 * h1[0, 1], rtol=1e-12)
    # the cliff 2 / h_max of Learning rate, from the autograd Hessian's eigenvalues
    assert_close(lr_mod.cliff(x), 2 / torch.linalg.eigvalsh(h)[-1], rtol=1e-10)


def test_above_the_cliff_sgd_diverges_on_the_scaled_line_and_below_it_converges():
    x, _, f, _, floor = draw.problem()
    cliff = lr_mod.cliff(x)
    above = ad.optimize(f, draw.A0, torch.optim.SGD, 100, lr=1.05 * cliff)
    below = ad.optimize(f, draw.A0, torch.optim.SGD, 400, lr=0.95 * cliff)
    assert f(above[-1]).item() > 1e6
    assert f(below[-1]).item() - floor < 1e-6


def test_each_race_learning_rate_is_the_best_of_the_grid():
    f = draw.problem()[2]
    for name in draw.OPTIMIZERS:
        ends = {lr: draw.final_loss(f, draw.race_run(name, lr)) for lr in draw.GRID}
        assert min(ends, key=ends.get) == draw.OPTIMIZERS[name][2], (name, ends)


def test_in_the_race_every_adaptive_method_beats_sgd_and_momentum():
    *_, f, _, floor = draw.problem()
    above = {
        name: draw.final_loss(f, path) - floor
        for name, (_, path) in draw.race_runs().items()
    }
    one_rate = min(above["SGD"], above["momentum"])
    for name in ("AdaGrad", "RMSprop", "Adam"):
        assert above[name] < one_rate / 2, above
    # AdaGrad and RMSprop settle to round-off of the loss; Adam still swings
    assert above["AdaGrad"] < 1e-12 and above["RMSprop"] < 1e-12
    assert above["Adam"] > 1e-6


def test_adagrads_and_rmsprops_first_steps_are_lr_and_lr_over_root_one_minus_alpha():
    # to within eps next to |g|, which moves the sixth digit at most here
    paths = {name: draw.race_run(name, steps=1) for name in ("AdaGrad", "RMSprop")}
    start = torch.tensor(draw.A0, dtype=F64)
    lrs = {name: draw.OPTIMIZERS[name][2] for name in paths}
    assert_close(
        (paths["AdaGrad"][1] - start).abs(), torch.full((2,), lrs["AdaGrad"]), rtol=1e-6
    )
    expected = lrs["RMSprop"] / math.sqrt(1 - 0.99)
    assert_close(
        (paths["RMSprop"][1] - start).abs(), torch.full((2,), expected), rtol=1e-6
    )
    assert_close(
        paths["AdaGrad"][1], paths["RMSprop"][1], atol=1e-7
    )  # the race's: the same


def test_adams_step_sizes_differ_by_parameter_as_the_gradients_do():
    lr, state = draw.state_run()
    size = state["size"]
    assert torch.all(
        size[:, 0] < size[:, 1] / 5
    )  # the steep slope gets the small step size
    # the step size is lr / (sqrt(v_hat) + eps), from torch.optim.Adam's own exp_avg_sq
    f = draw.problem()[2]
    a = torch.tensor(draw.A0, dtype=F64, requires_grad=True)
    opt = torch.optim.Adam([a], lr=lr)
    for t in range(1, len(size) + 1):
        opt.zero_grad()
        f(a).backward()
        opt.step()
        v_hat = opt.state[a]["exp_avg_sq"] / (1 - 0.999**t)
        assert_close(size[t - 1], lr / (v_hat.sqrt() + 1e-8), rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# Bias correction


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.9, 0.9), (0.5, 0.99)])
@pytest.mark.parametrize("t", [1, 2, 10, 100])
def test_without_correction_a_steady_step_is_off_by_the_closed_form_factor(betas, t):
    measured = draw.measured_bias_factor(t, betas)
    assert_close(
        measured, (1 - betas[0] ** t) / math.sqrt(1 - betas[1] ** t), rtol=1e-6
    )


def test_with_the_default_betas_uncorrected_first_steps_are_several_times_too_large():
    assert draw.measured_bias_factor(1) > 3  # sqrt(1000) / 10 = 3.16
    assert max(draw.bias_factor(t) for t in range(1, 100)) > 6
    assert draw.bias_factor(1000) > 1.2  # still 26 % off after a thousand steps
    assert (
        draw.measured_bias_factor(1, (0.9, 0.9)) < 0.4
    )  # with a small beta2, too small


def test_without_correction_adam_is_not_torch_optims_adam():
    f = ad.line_loss(*ad.scaled_line())
    ours = ad.optimize(f, draw.A0, ad.Adam, 5, lr=0.01, bias_correction=False)
    theirs = ad.optimize(f, draw.A0, torch.optim.Adam, 5, lr=0.01)
    assert (ours[1] - ours[0]).abs().min() > 3 * (theirs[1] - theirs[0]).abs().max()


# ---------------------------------------------------------------------------------------------
# A step of about lr, whatever the gradient's scale


@pytest.mark.parametrize("scale", [1e-6, 1e-3, 1.0, 1e3, 1e6])
def test_adams_first_step_is_exactly_lr_g_over_g_plus_eps(scale):
    p = torch.zeros(3, dtype=F64, requires_grad=True)
    g = scale * torch.tensor([1.0, -0.5, 3.0], dtype=F64)
    p.grad = g.clone()
    ad.Adam([p], lr=0.01).step()
    assert_close(-p.detach(), 0.01 * g / (g.abs() + 1e-8), rtol=1e-14)
    assert p.detach().abs().max() < 0.01


def test_adams_step_stays_about_lr_at_every_gradient_scale_while_sgds_grows():
    steps = {scale: draw.largest_steps(scale) for scale in draw.BOUND["scales"]}
    adam = [a for a, _ in steps.values()]
    assert max(adam) <= 1.2  # "about lr": up to a fifth more, here
    assert min(adam) > 1.0
    # the same at every scale where eps is negligible (1e-8 next to 1e-3: 1e-5 of the gradient)
    big = [steps[s][0] for s in draw.BOUND["scales"] if s >= 1e-3]
    assert max(big) - min(big) < 1e-4
    # SGD's step is the gradient times lr: it grows with the scale, exactly
    sgd = {scale: s for scale, (_, s) in steps.items()}
    assert_close(sgd[1e6] / sgd[1e-6], 1e12, rtol=1e-9)


def test_a_large_gradient_after_a_long_calm_steps_up_to_the_worst_case_bound():
    measured, formula, limit = draw.worst_case()
    assert_close(measured, formula, rtol=1e-6)
    assert 2.4 < measured < limit
    assert_close(limit, 0.1 / math.sqrt(0.001), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# AdamW against L2 inside Adam


def test_l2_inside_adam_decays_a_weight_without_gradient_the_same_for_every_decay():
    ends = [draw.decay_runs(decay)[0] for decay in (1e-3, 1e-2, 1e-1, 1.0)]
    # lambda cancels: it is divided by its own size, but for eps = 1e-8 next to lambda w
    assert max(ends) - min(ends) < 1e-5
    assert abs(ends[0] - 1) > 0.5  # and it has moved a long way, at lambda = 0.001 too


@pytest.mark.parametrize("decay", [0.01, 0.1, 1.0])
def test_adamw_decays_a_weight_without_gradient_by_exactly_one_minus_lr_lambda(decay):
    _, w = draw.decay_runs(decay)
    assert_close(w, (1 - draw.DECAY["lr"] * decay) ** draw.DECAY["steps"], rtol=1e-12)


def test_next_to_a_large_gradient_l2s_decay_is_divided_away_and_adamws_is_not():
    decay, noise = 1.0, 100.0
    (free_l2, free_w), (l2, w) = (
        draw.decay_runs(0.0, noise),
        draw.decay_runs(decay, noise),
    )
    assert free_l2 == free_w  # with no decay the two are the same optimizer
    assert abs(w - free_w) > 20 * abs(l2 - free_l2)
    assert abs(w - free_w) > 0.5  # AdamW's decay, 1 - 0.99^100 = 0.63, is felt in full


def test_adamw_with_no_decay_is_adam():
    f = ad.line_loss(*ad.scaled_line())
    a = ad.optimize(f, draw.A0, ad.Adam, 50, lr=0.05)
    w = ad.optimize(f, draw.A0, ad.AdamW, 50, lr=0.05, weight_decay=0.0)
    assert torch.equal(a, w)


# ---------------------------------------------------------------------------------------------
# The digits network


@pytest.fixture(scope="module")
def digits():
    return draw.digits_runs()


def test_on_the_digits_adam_and_tuned_momentum_train_about_equally_well(digits):
    (slow_m, fast_m, slow_a, fast_a) = (digits[key] for key in draw.DIGITS["runs"])
    assert fast_m[1] > 0.95 and fast_a[1] > 0.95
    assert abs(fast_m[1] - fast_a[1]) < 0.03
    # at learning rates ten times smaller, both are still far from there after 10 epochs
    assert slow_m[0][-1] > 4 * fast_m[0][-1] and slow_a[0][-1] > 4 * fast_a[0][-1]


def test_the_digits_network_is_seeded():
    a, b = ad.digits_network(0), ad.digits_network(0)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    assert not torch.equal(ad.digits_network(1)[0].weight, a[0].weight)


# ---------------------------------------------------------------------------------------------
# The whole program and the drawings


def test_the_whole_program_runs_and_matches_torch_optim(tmp_path):
    lines = run_program(PAGE, "adaptive_step_sizes.py", tmp_path)
    assert [line.split()[0] for line in lines] == [
        "AdaGrad",
        "RMSprop",
        "Adam",
        "AdamW",
    ]
    *_, floor = draw.problem()
    for line in lines:
        assert float(line.split("gap to torch.optim ")[1]) < 1e-12
        assert float(line.split("loss ")[1].split()[0]) < floor + 1e-3


def test_the_race_animation_has_a_frame_per_step_in_both_themes():
    runs = draw.race_runs()
    for theme in render.THEMES:
        frames = draw.animate_race(runs, theme=theme)
        assert len(frames) == draw.STEPS + 1
        h, w, _ = frames[0].shape
        assert w <= render.MAX_GIF_SIZE[0] and h <= render.MAX_GIF_SIZE[1]
        assert not (frames[0] == frames[-1]).all()


def test_the_state_and_digits_figures_draw_in_both_themes(digits):
    lr, state = draw.state_run()
    for theme in render.THEMES:
        fig = draw.plot_state(lr, state, theme=theme)
        assert isinstance(fig, Figure) and len(fig.axes) == 3
        assert (
            len(fig.axes[0].lines) == 5
        )  # raw and corrected m for two parameters, and zero
        fig = draw.plot_digits(digits, theme=theme)
        assert len(fig.axes[0].lines) == len(draw.DIGITS["runs"])


def test_the_error_table_shows_every_call_refused():
    table = draw.error_table()
    assert table.count("\n| `") == 7 and "was accepted" not in table


# ---------------------------------------------------------------------------------------------
# Bad input


def leaf():
    return [torch.zeros(2, dtype=F64, requires_grad=True)]


PARAMS = [
    None,
    torch.zeros(2, requires_grad=True),
    [],
    [torch.zeros(2)],
    [torch.zeros(2).requires_grad_() * 2],
    ["a"],
]
DECAYS = [-0.1, NAN, INF, "0.1", None]
BETAS = [(0.9, 1.0), (1.0, 0.9), (-0.1, 0.9), 0.9, None, (0.9,)]
x8 = torch.rand(8, 64, generator=torch.Generator().manual_seed(0))
y8 = torch.arange(8)

CALLS = [
    Call(ad.check_params, {"params": PARAMS}, params=leaf),
    Call(
        ad.check_settings,
        {"lr": "positive", "eps": "positive", "weight_decay": DECAYS},
        lr=0.1,
        eps=1e-8,
        weight_decay=0.0,
    ),
    Call(ad.check_betas, {"betas": BETAS}, betas=(0.9, 0.999)),
    Call(
        ad.scaled_line,
        {"scale": "positive", "n": [1, 2.5, None], "seed": "seed"},
        scale=10.0,
    ),
    Call(
        ad.line_loss,
        {"x": [None, torch.zeros(3)], "y": [None, torch.zeros(2, 2)]},
        x=lambda: ad.scaled_line()[0],
        y=lambda: ad.scaled_line()[1],
    ),
    Call(
        ad.optimize,
        {
            "f": [None, 3],
            "p0": [None, "x", (1.0, "a"), (NAN, 1.0), (), INF],
            "optimizer": [None, "Adam"],
            "steps": "count",
        },
        f=lambda: lambda p: (p**2).sum(),
        p0=(1.0, 2.0),
        optimizer=ad.Adam,
        steps=2,
    ),
    Call(
        ad.AdaGrad,
        {"params": PARAMS, "lr": "positive", "eps": "positive", "weight_decay": DECAYS},
        params=leaf,
    ),
    Call(
        ad.RMSprop,
        {
            "params": PARAMS,
            "lr": "positive",
            "alpha": "fraction",
            "eps": "positive",
            "weight_decay": DECAYS,
        },
        params=leaf,
    ),
    *[
        Call(
            cls,
            {
                "params": PARAMS,
                "lr": "positive",
                "betas": BETAS,
                "eps": "positive",
                "weight_decay": DECAYS,
            },
            params=leaf,
        )
        for cls in (ad.Adam, ad.AdamW)
    ],
    Call(ad.digits_network, {"seed": "seed"}),
    Call(
        ad.train_digits,
        {
            "x": [None, torch.zeros(8), torch.zeros(8, 3), torch.zeros(7, 64)],
            "y": [None, torch.zeros(8, 2, dtype=torch.long), torch.full((8,), 10)],
            "optimizer": [None, 1],
            "epochs": [0, -1, 2.5],
            "batch_size": [0, 9, 2.5],
        },
        x=x8,
        y=y8,
        optimizer=ad.Adam,
        epochs=1,
        batch_size=4,
    ),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_every_good_call_of_the_table_runs,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(ad, CALLS)


# ---------------------------------------------------------------------------------------------
# The explorable: one update, stepped through


@pytest.fixture(scope="module")
def updates():
    return draw.update_runs()


def torch_twin(name):
    """torch.optim's optimizer for each of the explorable's, on a fresh parameter at the start,
    with the race's settings."""
    optimizer, fixed, lr = draw.OPTIMIZERS[name]
    twin = {ad.RMSprop: torch.optim.RMSprop, ad.Adam: torch.optim.Adam}.get(
        optimizer, optimizer
    )
    a = torch.tensor(draw.A0, dtype=F64, requires_grad=True)
    return a, twin([a], lr=lr, **fixed)


@pytest.mark.parametrize("name", draw.EXPLORE)
def test_the_drawn_state_is_torch_optims_state_after_every_step(updates, name):
    x, y, f, *_ = draw.problem()
    a, opt = torch_twin(name)
    keys = {
        "momentum": ("momentum_buffer", None),
        "RMSprop": (None, "square_avg"),
        "Adam": ("exp_avg", "exp_avg_sq"),
        "SGD": (None, None),
    }[name]
    for drawn in updates[name]:
        before = a.detach().clone()
        opt.zero_grad()
        f(a).backward()
        assert_close(drawn["a"], before, atol=1e-12 * before.abs().max().item())
        # the gradient, from its formula 2/n X^T (X a - y), not autograd
        assert_close(
            drawn["g"], 2 / len(y) * x.T @ (x @ before - y), rtol=1e-12, atol=1e-12
        )
        opt.step()
        for row, key in zip(("m", "v"), keys):
            if key is None:
                assert drawn[row] is None
            else:
                kept = opt.state[a][key]
                assert_close(drawn[row], kept, atol=1e-12 * kept.abs().max().item())
        # the step drawn is the parameters' change in torch.optim's run
        change = a.detach() - before
        assert_close(drawn["step"], change, atol=1e-12 * before.abs().max().item())


@pytest.mark.parametrize("name", draw.EXPLORE)
def test_the_drawn_step_follows_from_the_drawn_state_by_the_optimizers_rule(
    updates, name
):
    *_, lr = draw.OPTIMIZERS[name]
    beta1, beta2 = 0.9, 0.999  # Adam's defaults, which the race keeps
    for t, u in enumerate(updates[name], 1):
        if name == "SGD":
            rule = -lr * u["g"]
        elif name == "momentum":
            rule = -lr * u["m"]
            # the velocity itself, from scratch: mu times the last one, plus the gradient
            last = updates[name][t - 2]["m"] if t > 1 else torch.zeros(2, dtype=F64)
            assert_close(u["m"], draw.MU * last + u["g"], rtol=1e-12, atol=1e-12)
        elif name == "RMSprop":
            rule = -lr * u["g"] / (u["v"].sqrt() + 1e-8)
        else:
            m_hat, v_hat = u["m"] / (1 - beta1**t), u["v"] / (1 - beta2**t)
            rule = -lr * m_hat / (v_hat.sqrt() + 1e-8)
        # a change of the parameters carries their rounding: to 1e-12 of their size
        assert_close(u["step"], rule, atol=1e-12 * u["a"].abs().max().item())


def test_momentums_drawn_path_is_mini_batches_momentum_descent(updates):
    from snippets import mini_batches

    _, fixed, lr = draw.OPTIMIZERS["momentum"]
    f = draw.problem()[2]
    path = mini_batches.momentum_descent(
        f, draw.A0, lr=lr, mu=fixed["momentum"], steps=draw.EXPLORE_STEPS
    )
    drawn = torch.stack(
        [u["a"] for u in updates["momentum"]]
        + [updates["momentum"][-1]["a"] + updates["momentum"][-1]["step"]]
    )
    assert_close(drawn, path, atol=1e-12)


def test_the_explorables_sentence_holds_on_the_runs(updates):
    said = draw.update_sentence(updates)
    sgd, rms, adam = (updates[n][0] for n in ("SGD", "RMSprop", "Adam"))
    ratio = (sgd["g"][0] / sgd["g"][1]).abs().item()
    assert ratio > 10 and f"{ratio:.0f} times the intercept's" in said
    # the first adaptive steps, from their closed forms: Adam's lr g / (|g| + eps), RMSprop's
    # lr g / (sqrt(1 - alpha) |g| + eps) with torch's default alpha 0.99
    lr = draw.OPTIMIZERS["Adam"][2]
    assert_close(
        adam["step"].abs(), lr * sgd["g"].abs() / (sgd["g"].abs() + 1e-8), rtol=1e-12
    )
    lr = draw.OPTIMIZERS["RMSprop"][2]
    first = lr * sgd["g"].abs() / (math.sqrt(0.01) * sgd["g"].abs() + 1e-8)
    assert_close(rms["step"].abs(), first, rtol=1e-12)
    assert f"RMSprop steps {first[0]:.3f} and {first[1]:.3f}" in said
    late = updates["momentum"][9]
    cos = (late["step"] @ -late["g"]) / (late["step"].norm() * late["g"].norm())
    degrees = math.degrees(math.acos(cos.item()))
    assert degrees > 5 and f"{degrees:.0f}° away from −g" in said


def test_the_explorables_alt_texts_carry_the_updates_numbers(updates):
    alt = draw.update_alt(updates)
    for name, t in [("SGD", 1), ("momentum", 10), ("RMSprop", 3), ("Adam", 30)]:
        u = updates[name][t - 1]
        said = alt({"opt": name, "step": t})
        assert said.startswith(f"{name} on the line") and f"update {t} of" in said
        for row in ("g", "step"):
            assert f"{u[row][0].item():.3g}".replace("-", "−") in said
        if u["v"] is not None:
            assert f"√v = ({u['v'][0].sqrt().item():.3g}".replace("-", "−") in said
        if u["m"] is not None:
            assert f"m = ({u['m'][0].item():.3g}".replace("-", "−") in said


def test_the_explorable_has_a_frame_per_optimizer_and_update_in_both_themes(updates):
    knobs = draw.update_knobs()
    assert [k.values for k in knobs] == [
        draw.EXPLORE,
        tuple(range(1, draw.EXPLORE_STEPS + 1)),
    ]
    assert len(draw.EXPLORE) * draw.EXPLORE_STEPS <= 300
    for theme in render.THEMES:
        fig, artists, update = draw.update_scene(updates, theme=theme)
        assert fig.get_size_inches()[0] <= 7 and len(fig.axes) == 2
        states = [
            {"opt": "SGD", "step": 1},
            {"opt": "Adam", "step": 1},
            {"opt": "Adam", "step": 30},
        ]
        frames = render.blit_frames(fig, artists, update, states)
        assert not (frames[0] == frames[1]).all() and not (frames[1] == frames[2]).all()


@pytest.mark.parametrize("name", draw.EXPLORE)
def test_the_explorable_steps_through_the_races_own_runs(updates, name):
    run = updates[name]
    drawn = torch.stack([u["a"] for u in run] + [run[-1]["a"] + run[-1]["step"]])
    race = draw.race_run(name)[: draw.EXPLORE_STEPS + 1]
    assert_close(drawn, race, atol=1e-12)

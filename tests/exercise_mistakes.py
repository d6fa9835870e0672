"""Wrong answers a learner might write to the exercises, each as edits to our solution.

tests/test_exercises.py applies each one to exercises/solutions/<exercise>.py and checks that the
exercise's check fails it. Every edit's old text must occur exactly once in the solution, so an
edit that no longer applies after the solution changes fails loudly instead of quietly testing our
own answer again."""

MISTAKES = {
    "directional_check": {
        "directions_not_unit": (
            "random directions that are never divided by their norm.",
            [
                ("        d = d / d.norm()\n", ""),
            ],
        ),
        "dot_product": (
            "torch.dot, which takes only vectors, for the predicted slope.",
            [
                (
                    "        predicted = (d * g).sum()  # d·∇f, for a tensor of any shape\n",
                    "        predicted = torch.dot(d, g)\n",
                ),
            ],
        ),
        "every_entry": (
            "a central difference for every entry of a (2 calls of f each), compared along directions.",
            [
                (
                    "    gen = torch.Generator().manual_seed(seed)\n",
                    (
                        "    gen = torch.Generator().manual_seed(seed)\n"
                        "    numeric = torch.zeros_like(a)\n"
                        "    for i in range(a.numel()):  # 2 calls of f per entry of a\n"
                        "        e = torch.zeros_like(a)\n"
                        "        e.view(-1)[i] = h\n"
                        "        numeric.view(-1)[i] = (f(a + e) - f(a - e)) / (2 * h)\n"
                    ),
                ),
                (
                    (
                        "        measured = (f(a + h * d) - f(a - h * d)) / (2 * h)  # new tensors\n"
                        "        predicted = (d * g).sum()  # d·∇f, for a tensor of any shape\n"
                        "        worst = max(worst, abs(float(measured - predicted)))\n"
                    ),
                    "        worst = max(worst, abs(float((d * numeric).sum() - (d * g).sum())))\n",
                ),
            ],
        ),
        "forward_difference": (
            "a forward difference, whose error shrinks only like h.",
            [
                (
                    "        measured = (f(a + h * d) - f(a - h * d)) / (2 * h)  # new tensors\n",
                    "        measured = (f(a + h * d) - f(a)) / h\n",
                ),
            ],
        ),
        "moves_a_in_place": (
            "perturbs a in place and never moves it back.",
            [
                (
                    "        measured = (f(a + h * d) - f(a - h * d)) / (2 * h)  # new tensors\n",
                    (
                        "        a += h * d\n"
                        "        plus = f(a)\n"
                        "        a -= 2 * h * d\n"
                        "        minus = f(a)  # a is left at a - h d\n"
                        "        measured = (plus - minus) / (2 * h)\n"
                    ),
                ),
            ],
        ),
    },
    "evaluate": {
        "accuracy_per_batch": (
            "accuracy per batch",
            [
                (
                    (
                        "    total_loss, correct, n = 0.0, 0, 0\n"
                        "    try:\n"
                        "        with torch.no_grad():\n"
                        "            for xb, yb in loader:\n"
                        "                logits = model(xb)\n"
                        "                total_loss += loss_fn(logits, yb).item() * len(yb)  # a sum\n"
                        "                correct += (logits.argmax(dim=1) == yb).sum().item()\n"
                        "                n += len(yb)\n"
                        "    finally:\n"
                        "        model.train(was_training)  # as we found it\n"
                    ),
                    (
                        "    total_loss, accuracies, n = 0.0, [], 0\n"
                        "    with torch.no_grad():\n"
                        "        for xb, yb in loader:\n"
                        "            logits = model(xb)\n"
                        "            total_loss += loss_fn(logits, yb).item() * len(yb)\n"
                        "            accuracies.append((logits.argmax(dim=1) == yb).double().mean().item())\n"
                        "            n += len(yb)\n"
                        "    model.train(was_training)\n"
                    ),
                ),
                (
                    "    return total_loss / n, correct / n\n",
                    "    return total_loss / n, sum(accuracies) / len(accuracies)\n",
                ),
            ],
        ),
        "forgot_eval_mode": (
            "forgot model.eval",
            [
                ("    was_training = model.training\n    model.eval()\n", ""),
                (
                    (
                        "    try:\n"
                        "        with torch.no_grad():\n"
                        "            for xb, yb in loader:\n"
                        "                logits = model(xb)\n"
                        "                total_loss += loss_fn(logits, yb).item() * len(yb)  # a sum\n"
                        "                correct += (logits.argmax(dim=1) == yb).sum().item()\n"
                        "                n += len(yb)\n"
                        "    finally:\n"
                        "        model.train(was_training)  # as we found it\n"
                    ),
                    (
                        "    with torch.no_grad():  # but dropout stays on\n"
                        "        for xb, yb in loader:\n"
                        "            logits = model(xb)\n"
                        "            total_loss += loss_fn(logits, yb).item() * len(yb)\n"
                        "            correct += (logits.argmax(dim=1) == yb).sum().item()\n"
                        "            n += len(yb)\n"
                    ),
                ),
            ],
        ),
        "forgot_no_grad": (
            "forgot torch.no_grad",
            [
                (
                    (
                        '"""Exercise for docs/digits.md, section The training loop."""\n'
                        "\n"
                        "import torch\n"
                    ),
                    (
                        '"""A wrong answer (forgot torch.no_grad) to the exercise for docs/digits.md, '
                        'section The training loop."""\n'
                    ),
                ),
                (
                    (
                        "    try:\n"
                        "        with torch.no_grad():\n"
                        "            for xb, yb in loader:\n"
                        "                logits = model(xb)\n"
                        "                total_loss += loss_fn(logits, yb).item() * len(yb)  # a sum\n"
                        "                correct += (logits.argmax(dim=1) == yb).sum().item()\n"
                        "                n += len(yb)\n"
                        "    finally:\n"
                        "        model.train(was_training)  # as we found it\n"
                    ),
                    (
                        "    for xb, yb in loader:  # autograd records every batch\n"
                        "        logits = model(xb)\n"
                        "        total_loss += loss_fn(logits, yb).item() * len(yb)\n"
                        "        correct += (logits.argmax(dim=1) == yb).sum().item()\n"
                        "        n += len(yb)\n"
                        "    model.train(was_training)\n"
                    ),
                ),
            ],
        ),
        "mean_of_batch_means": (
            "mean of batch means",
            [
                (
                    (
                        "    total_loss, correct, n = 0.0, 0, 0\n"
                        "    try:\n"
                        "        with torch.no_grad():\n"
                        "            for xb, yb in loader:\n"
                        "                logits = model(xb)\n"
                        "                total_loss += loss_fn(logits, yb).item() * len(yb)  # a sum\n"
                        "                correct += (logits.argmax(dim=1) == yb).sum().item()\n"
                        "                n += len(yb)\n"
                        "    finally:\n"
                        "        model.train(was_training)  # as we found it\n"
                        "    if n == 0:\n"
                    ),
                    (
                        "    losses, accuracies = [], []\n"
                        "    with torch.no_grad():\n"
                        "        for xb, yb in loader:\n"
                        "            logits = model(xb)\n"
                        "            # the small last batch counts as much\n"
                        "            losses.append(loss_fn(logits, yb).item())\n"
                        "            accuracies.append((logits.argmax(dim=1) == yb).double().mean().item())\n"
                        "    model.train(was_training)\n"
                        "    if not losses:\n"
                    ),
                ),
                (
                    "    return total_loss / n, correct / n\n",
                    "    return sum(losses) / len(losses), sum(accuracies) / len(accuracies)\n",
                ),
            ],
        ),
        "mode_not_restored": (
            "mode not restored",
            [
                (
                    "    was_training = model.training\n    model.eval()\n",
                    "    model.eval()  # and left that way\n",
                ),
                (
                    (
                        "    try:\n"
                        "        with torch.no_grad():\n"
                        "            for xb, yb in loader:\n"
                        "                logits = model(xb)\n"
                        "                total_loss += loss_fn(logits, yb).item() * len(yb)  # a sum\n"
                        "                correct += (logits.argmax(dim=1) == yb).sum().item()\n"
                        "                n += len(yb)\n"
                        "    finally:\n"
                        "        model.train(was_training)  # as we found it\n"
                    ),
                    (
                        "    with torch.no_grad():\n"
                        "        for xb, yb in loader:\n"
                        "            logits = model(xb)\n"
                        "            total_loss += loss_fn(logits, yb).item() * len(yb)\n"
                        "            correct += (logits.argmax(dim=1) == yb).sum().item()\n"
                        "            n += len(yb)\n"
                    ),
                ),
            ],
        ),
    },
    "gradient_by_hand": {
        "gradient_without_the_two": (
            "the gradient lacks the factor 2 (so it steps half as far, and still converges).",
            [
                (
                    (
                        "        gradient = 2 / len(y) * x.T @ (x @ a - y)\n"
                        "        a = a - lr * gradient  # a new tensor: a0 and the path stay as they are\n"
                    ),
                    (
                        "        gradient = x.T @ (x @ a - y) / len(y)\n"
                        "        a = a - lr * gradient\n"
                    ),
                ),
            ],
        ),
        "steps_uphill": (
            "the step adds the gradient, so it climbs the loss.",
            [
                (
                    "        a = a - lr * gradient  # a new tensor: a0 and the path stay as they are\n",
                    "        a = a + lr * gradient\n",
                ),
            ],
        ),
        "updates_a0_in_place": (
            "steps in place, so a tensor a0 passed in is changed too.",
            [
                ("    path = [a]\n", "    path = [a.clone()]\n"),
                (
                    (
                        "        a = a - lr * gradient  # a new tensor: a0 and the path stay as they are\n"
                        "        path.append(a)\n"
                    ),
                    "        a -= lr * gradient\n        path.append(a.clone())\n",
                ),
            ],
        ),
        "uses_autograd": (
            "the page's autograd loop, which cannot run with autograd switched off.",
            [
                (
                    "    a = torch.as_tensor(a0, dtype=x.dtype)\n    path = [a]\n",
                    (
                        "    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)\n"
                        "    path = [a.detach().clone()]\n"
                    ),
                ),
                (
                    (
                        "        gradient = 2 / len(y) * x.T @ (x @ a - y)\n"
                        "        a = a - lr * gradient  # a new tensor: a0 and the path stay as they are\n"
                        "        path.append(a)\n"
                    ),
                    (
                        "        loss = ((x @ a - y) ** 2).mean()\n"
                        "        loss.backward()\n"
                        "        with torch.no_grad():\n"
                        "            a -= lr * a.grad\n"
                        "            a.grad.zero_()\n"
                        "        path.append(a.detach().clone())\n"
                    ),
                ),
            ],
        ),
    },
    "nesterov": {
        "old_velocity_in_lookahead": (
            "looks ahead with the velocity from before this step's update.",
            [
                (
                    (
                        "            v.mul_(mu).add_(p.grad)  # in place: the caller's buffer keeps it\n"
                        "            p.sub_(lr * (p.grad + mu * v))"
                        "  # the new v: step from where v is taking us\n"
                    ),
                    (
                        "            # wrong: looks ahead with the velocity of the last step\n"
                        "            p.sub_(lr * (p.grad + mu * v))\n"
                        "            v.mul_(mu).add_(p.grad)\n"
                    ),
                ),
            ],
        ),
        "plain_momentum": (
            "steps along v alone, plain momentum, without the look-ahead.",
            [
                (
                    (
                        "            v.mul_(mu).add_(p.grad)  # in place: the caller's buffer keeps it\n"
                        "            p.sub_(lr * (p.grad + mu * v))"
                        "  # the new v: step from where v is taking us\n"
                    ),
                    (
                        "            v.mul_(mu).add_(p.grad)\n"
                        "            p.sub_(lr * v)  # wrong: steps along v, no look-ahead\n"
                    ),
                ),
            ],
        ),
        "rebinds_parameters": (
            "puts new tensors in the list instead of updating the caller's parameters.",
            [
                (
                    (
                        "    with torch.no_grad():  # an update, not part of the graph\n"
                        "        for p, v in zip(params, velocities):\n"
                        "            v.mul_(mu).add_(p.grad)  # in place: the caller's buffer keeps it\n"
                        "            p.sub_(lr * (p.grad + mu * v))"
                        "  # the new v: step from where v is taking us\n"
                    ),
                    (
                        "    with torch.no_grad():\n"
                        "        for i, (p, v) in enumerate(zip(params, velocities)):\n"
                        "            v.mul_(mu).add_(p.grad)\n"
                        "            # wrong: a new tensor; the caller's p never moves\n"
                        "            params[i] = p - lr * (p.grad + mu * v)\n"
                    ),
                ),
            ],
        ),
        "rebinds_velocity": (
            "v = mu * v + g makes a new tensor, so the caller's velocity stays zero.",
            [
                (
                    (
                        "            v.mul_(mu).add_(p.grad)  # in place: the caller's buffer keeps it\n"
                        "            p.sub_(lr * (p.grad + mu * v))"
                        "  # the new v: step from where v is taking us\n"
                    ),
                    (
                        "            # wrong: a new tensor; the caller's buffer stays zero\n"
                        "            v = mu * v + p.grad\n"
                        "            p.sub_(lr * (p.grad + mu * v))\n"
                    ),
                ),
            ],
        ),
    },
    "power_iteration": {
        "forgot_the_two": (
            "1 / L_max, the step that lands on the bottom along the steepest direction, not the cliff.",
            [
                ("    return 2 / l_max.item()\n", "    return 1 / l_max.item()\n"),
            ],
        ),
        "gradient_not_difference": (
            "takes grad(v) for H v, forgetting to subtract a gradient.",
            [
                ("    g0 = grad(a)\n", ""),
                (
                    "        hv = grad(a + v) - g0  # H v, from two gradients\n",
                    "        hv = grad(v)\n",
                ),
                (
                    "    l_max = (grad(a + v) - g0).norm()\n",
                    "    l_max = grad(v).norm()\n",
                ),
            ],
        ),
        "not_normalised": (
            "never divides v by its length, so v overflows on a steep loss.",
            [
                (
                    (
                        "        v = hv / hv.norm()  # keep the direction, or v overflows\n"
                        "    l_max = (grad(a + v) - g0).norm()\n"
                    ),
                    (
                        "        v = hv\n"
                        "    l_max = (grad(a + v) - g0).norm() / v.norm()\n"
                    ),
                ),
            ],
        ),
        "starts_from_the_gradient": (
            "starts from the gradient, which is zero at the minimum.",
            [
                (
                    (
                        '"""Exercise for docs/learning-rate.md, section The cliff on the line problem."""\n'
                        "\n"
                        "import torch\n"
                    ),
                    (
                        '"""A wrong answer to exercises/power_iteration.py: starts from the gradient, '
                        'which is zero at the minimum."""\n'
                    ),
                ),
                (
                    (
                        "    gen = torch.Generator().manual_seed(seed)\n"
                        "    v = torch.randn(a.shape, generator=gen, dtype=a.dtype)\n"
                        "    v = v / v.norm()\n"
                    ),
                    "",
                ),
                (
                    "    g0 = grad(a)\n",
                    (
                        "    g0 = grad(a)\n"
                        "    v = g0 / g0.norm()  # nan where the gradient is zero\n"
                    ),
                ),
            ],
        ),
    },
    "relu_by_hand": {
        "forgot_output_bias": (
            "leaves the output bias at its random start, so the curve is shifted.",
            [
                (
                    "        net[2].bias[0] = y[0]  # every unit is zero at x_0\n",
                    "",
                ),
            ],
        ),
        "left_unit_wrong_sign": (
            "gives the unit left of the first knot +slope, so the curve bends the wrong way there.",
            [
                (
                    "            -slopes[0],\n",
                    "            slopes[0],\n",
                ),
            ],
        ),
        "requires_grad_off": (
            "switches requires_grad off to set the weights, so the network can no longer train.",
            [
                (
                    "    with torch.no_grad():\n",
                    (
                        "    for p in net.parameters():\n"
                        "        p.requires_grad_(False)\n"
                        "    if True:\n"
                    ),
                ),
            ],
        ),
        "right_side_only": (
            "only units switched on to the right, so the curve is flat left of the first knot.",
            [
                (
                    (
                        "        # unit 0: relu(x_0 - x), on to the left of the first knot, "
                        "carries the first slope there\n"
                        "        net[0].weight[0, 0], net[0].bias[0], net[2].weight[0, 0] = (\n"
                        "            -1.0,\n"
                        "            x[0],\n"
                        "            -slopes[0],\n"
                        "        )\n"
                    ),
                    (
                        "        # unit 0 unused\n"
                        "        net[0].weight[0, 0], net[0].bias[0], net[2].weight[0, 0] = 0.0, 0.0, 0.0\n"
                    ),
                ),
            ],
        ),
        "slopes_not_turns": (
            "gives each unit the slope of its piece instead of the change in slope.",
            [
                (
                    (
                        "    # the slope added at each knot but the last\n"
                        "    turns = torch.cat([slopes[:1], slopes.diff()])\n"
                    ),
                    "",
                ),
                (
                    "            turns,\n",
                    "            slopes,  # wrong: the slope, not its change\n",
                ),
            ],
        ),
    },
    "stable_bce": {
        "clamp_kink_at_zero": (
            (
                "max(z, 0) as z.clamp(min=0), whose slope at 0 is 1 while that of -|z| is 0, "
                "so the gradient at z = 0 is 1 - y, not 1/2 - y."
            ),
            [
                (
                    (
                        "        raise ValueError(\n"
                        '            f"z and y must have the same shape, got "\n'
                        '            f"{tuple(z.shape)} and {tuple(y.shape)}"\n'
                        "        )\n"
                        "    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), and e^-|z| is never above 1.\n"
                        "    # max(z, 0) is written (z + |z|) / 2 so that autograd's slope at z = 0 is 1/2.\n"
                        "    softplus = (z + z.abs()) / 2 + torch.log1p(torch.exp(-z.abs()))\n"
                    ),
                    (
                        "        raise ValueError(\n"
                        '            f"z and y differ in shape: {tuple(z.shape)}, {tuple(y.shape)}"\n'
                        "        )\n"
                        "    softplus = z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))\n"
                    ),
                ),
            ],
        ),
        "probabilities_first": (
            "sigmoid first, then the logs, so a large logit gives log(0).",
            [
                (
                    (
                        "        raise ValueError(\n"
                        '            f"z and y must have the same shape, got "\n'
                        '            f"{tuple(z.shape)} and {tuple(y.shape)}"\n'
                        "        )\n"
                        "    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), and e^-|z| is never above 1.\n"
                        "    # max(z, 0) is written (z + |z|) / 2 so that autograd's slope at z = 0 is 1/2.\n"
                        "    softplus = (z + z.abs()) / 2 + torch.log1p(torch.exp(-z.abs()))\n"
                        "    return (softplus - y * z).mean()\n"
                    ),
                    (
                        "        raise ValueError(\n"
                        '            f"z and y differ in shape: {tuple(z.shape)}, {tuple(y.shape)}"\n'
                        "        )\n"
                        "    p = 1 / (1 + torch.exp(-z))\n"
                        "    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()\n"
                    ),
                ),
            ],
        ),
        "sum_not_mean": (
            "adds the losses up instead of averaging them.",
            [
                (
                    (
                        "        raise ValueError(\n"
                        '            f"z and y must have the same shape, got "\n'
                        '            f"{tuple(z.shape)} and {tuple(y.shape)}"\n'
                        "        )\n"
                        "    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), and e^-|z| is never above 1.\n"
                        "    # max(z, 0) is written (z + |z|) / 2 so that autograd's slope at z = 0 is 1/2.\n"
                    ),
                    (
                        "        raise ValueError(\n"
                        '            f"z and y differ in shape: {tuple(z.shape)}, {tuple(y.shape)}"\n'
                        "        )\n"
                    ),
                ),
                (
                    "    return (softplus - y * z).mean()\n",
                    "    return (softplus - y * z).sum()\n",
                ),
            ],
        ),
        "where_branch_overflows": (
            (
                "picks a safe formula with torch.where, but the branch it throws away still "
                "overflows, and its nan reaches the gradient."
            ),
            [
                (
                    (
                        "        raise ValueError(\n"
                        '            f"z and y must have the same shape, got "\n'
                        '            f"{tuple(z.shape)} and {tuple(y.shape)}"\n'
                        "        )\n"
                        "    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), and e^-|z| is never above 1.\n"
                        "    # max(z, 0) is written (z + |z|) / 2 so that autograd's slope at z = 0 is 1/2.\n"
                        "    softplus = (z + z.abs()) / 2 + torch.log1p(torch.exp(-z.abs()))\n"
                    ),
                    (
                        "        raise ValueError(\n"
                        '            f"z and y differ in shape: {tuple(z.shape)}, {tuple(y.shape)}"\n'
                        "        )\n"
                        "    softplus = torch.where(\n"
                        "        z > 0, z + torch.log1p(torch.exp(-z)), torch.log1p(torch.exp(z))\n"
                        "    )\n"
                    ),
                ),
            ],
        ),
    },
    "standardise": {
        "each_part_its_own_statistics": (
            "each part its own statistics",
            [
                (
                    (
                        '"""Exercise for docs/validation-set.md, section How to hold data back."""\n'
                        "\n"
                        "import torch\n"
                    ),
                    (
                        '"""A wrong answer (each part its own statistics) to the exercise for '
                        'docs/validation-set.md, section How to hold data back."""\n'
                    ),
                ),
                (
                    (
                        "        raise ValueError(\n"
                        '            f"x_train has {x_train.shape[1:]} features, x_val "\n'
                        '            f"{x_val.shape[1:]}; they must match"\n'
                        "        )\n"
                        "    m, s = x_train.mean(dim=0), x_train.std(dim=0)  # the training part only\n"
                        "    if (s == 0).any():\n"
                        "        constant = torch.nonzero(s == 0).flatten().tolist()\n"
                        '        raise ValueError(f"features {constant} are constant in x_train")\n'
                        "    return (x_train - m) / s, (x_val - m) / s  # the same m and s\n"
                    ),
                    (
                        "        raise ValueError(\n"
                        '            "x_train and x_val must have the same number of features"\n'
                        "        )\n"
                        "    if (x_train.std(dim=0) == 0).any():\n"
                        '        raise ValueError("a feature is constant in x_train")\n'
                        "    return ((x_train - x_train.mean(dim=0)) / x_train.std(dim=0),\n"
                        "            (x_val - x_val.mean(dim=0)) / x_val.std(dim=0))\n"
                    ),
                ),
            ],
        ),
        "in_place": (
            "in place",
            [
                (
                    (
                        '"""Exercise for docs/validation-set.md, section How to hold data back."""\n'
                        "\n"
                        "import torch\n"
                    ),
                    (
                        '"""A wrong answer (in place) to the exercise for docs/validation-set.md, '
                        'section How to hold data back."""\n'
                    ),
                ),
                (
                    (
                        "        raise ValueError(\n"
                        '            f"x_train has {x_train.shape[1:]} features, x_val "\n'
                        '            f"{x_val.shape[1:]}; they must match"\n'
                        "        )\n"
                        "    m, s = x_train.mean(dim=0), x_train.std(dim=0)  # the training part only\n"
                    ),
                    (
                        "        raise ValueError(\n"
                        '            "x_train and x_val must have the same number of features"\n'
                        "        )\n"
                        "    m, s = x_train.mean(dim=0), x_train.std(dim=0)\n"
                    ),
                ),
                (
                    (
                        "        constant = torch.nonzero(s == 0).flatten().tolist()\n"
                        '        raise ValueError(f"features {constant} are constant in x_train")\n'
                        "    return (x_train - m) / s, (x_val - m) / s  # the same m and s\n"
                    ),
                    (
                        '        raise ValueError("a feature is constant in x_train")\n'
                        "    x_train -= m  # changes the caller's tensors\n"
                        "    x_train /= s\n"
                        "    x_val -= m\n"
                        "    x_val /= s\n"
                        "    return x_train, x_val\n"
                    ),
                ),
            ],
        ),
        "statistics_of_all_data": (
            "statistics of all data",
            [
                (
                    (
                        "        raise ValueError(\n"
                        '            f"x_train has {x_train.shape[1:]} features, x_val "\n'
                        '            f"{x_val.shape[1:]}; they must match"\n'
                        "        )\n"
                        "    m, s = x_train.mean(dim=0), x_train.std(dim=0)  # the training part only\n"
                    ),
                    (
                        "        raise ValueError(\n"
                        '            "x_train and x_val must have the same number of features"\n'
                        "        )\n"
                        "    both = torch.cat([x_train, x_val])  # leaks the validation part\n"
                        "    m, s = both.mean(dim=0), both.std(dim=0)\n"
                    ),
                ),
                (
                    (
                        "        constant = torch.nonzero(s == 0).flatten().tolist()\n"
                        '        raise ValueError(f"features {constant} are constant in x_train")\n'
                        "    return (x_train - m) / s, (x_val - m) / s  # the same m and s\n"
                    ),
                    (
                        '        raise ValueError("a feature is constant")\n'
                        "    return (x_train - m) / s, (x_val - m) / s\n"
                    ),
                ),
            ],
        ),
    },
}

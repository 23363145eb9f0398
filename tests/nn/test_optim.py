"""nn.optim: the first three steps of every optimiser against the update written out by hand,
convergence on a convex problem, state round trips, and learning-rate schedules.

The hand computations minimise f(theta) = theta**2 from theta = 1, so the gradient is 2*theta.
Each step's arithmetic is spelt out below from the published update (PyTorch's algorithm boxes,
quoted in the docstrings of nn/optim/), independently of the code under test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pytest

from autograd import Value
from nn import optim

Make = Callable[[list[Value]], optim.Optimizer]


def trajectory(make: Make, steps: int = 3, start: float = 1.0) -> list[float]:
    """theta after each step of minimising theta**2 from ``start``."""
    theta = Value(start)
    optimizer = make([theta])
    seen = []
    for _ in range(steps):
        optimizer.zero_grad()
        (theta * theta).backward()
        optimizer.step()
        seen.append(theta.data)
    return seen


def close(expected: list[float]) -> object:
    return pytest.approx(expected, rel=1e-12, abs=1e-15)


# ------------------------------------------------------------------------- SGD


def test_sgd_first_three_steps_are_gradient_descent():
    # theta <- theta - 0.1 * 2 theta = 0.8 theta
    assert trajectory(lambda p: optim.SGD(p, lr=0.1)) == close([0.8, 0.64, 0.512])


def test_sgd_momentum_buffer_starts_at_the_first_gradient():
    # t1: g = 2,    b = 2,                    theta = 1 - 0.1 * 2       = 0.8
    # t2: g = 1.6,  b = 0.9 * 2 + 1.6 = 3.4,  theta = 0.8 - 0.1 * 3.4   = 0.46
    # t3: g = 0.92, b = 0.9 * 3.4 + 0.92 = 3.98, theta = 0.46 - 0.398   = 0.062
    assert trajectory(lambda p: optim.SGD(p, lr=0.1, momentum=0.9)) == close([0.8, 0.46, 0.062])


def test_sgd_dampening_scales_the_gradient_entering_the_buffer_after_the_first_step():
    # t1: g = 2,    b = 2 (no dampening at t = 1),       theta = 0.8
    # t2: g = 1.6,  b = 0.9 * 2 + 0.5 * 1.6 = 2.6,       theta = 0.8 - 0.26 = 0.54
    # t3: g = 1.08, b = 0.9 * 2.6 + 0.5 * 1.08 = 2.88,   theta = 0.54 - 0.288 = 0.252
    assert trajectory(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.5)) == close(
        [0.8, 0.54, 0.252]
    )


def test_sgd_nesterov_steps_along_gradient_plus_momentum_times_buffer():
    # t1: g = 2,      b = 2,                           d = 2 + 1.8 = 3.8,   theta = 0.62
    # t2: g = 1.24,   b = 1.8 + 1.24 = 3.04,           d = 1.24 + 2.736 = 3.976, theta = 0.2224
    # t3: g = 0.4448, b = 2.736 + 0.4448 = 3.1808,     d = 0.4448 + 2.86272 = 3.30752,
    #     theta = 0.2224 - 0.330752 = -0.108352
    assert trajectory(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)) == close(
        [0.62, 0.2224, -0.108352]
    )


def test_sgd_weight_decay_adds_lambda_theta_to_the_gradient():
    # g = 2 theta + 0.5 theta = 2.5 theta; theta <- theta - 0.1 * 2.5 theta = 0.75 theta
    assert trajectory(lambda p: optim.SGD(p, lr=0.1, weight_decay=0.5)) == close(
        [0.75, 0.5625, 0.421875]
    )


def test_sgd_nesterov_without_momentum_is_rejected():
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([Value(1.0)], lr=0.1, nesterov=True)


# ------------------------------------------------------------------------- Adagrad


def test_adagrad_first_three_steps_divide_by_root_of_summed_squares():
    lr, eps = 0.1, 1e-10
    theta = 1.0
    total = 0.0  # PyTorch's initial accumulator value
    expected = []
    for _ in range(3):
        g = 2 * theta
        total = total + g * g
        theta = theta - lr * g / (math.sqrt(total) + eps)
        expected.append(theta)
    # written out: t1 sum = 4, theta = 1 - 0.1 * 2 / 2 = 0.9 (to within eps)
    assert expected[0] == pytest.approx(0.9)
    assert trajectory(lambda p: optim.Adagrad(p, lr=0.1)) == close(expected)


def test_adagrad_defaults_are_pytorchs():
    optimizer = optim.Adagrad([Value(1.0)])
    assert (optimizer.lr, optimizer.eps, optimizer.weight_decay) == (1e-2, 1e-10, 0.0)
    assert (optimizer.lr_decay, optimizer.initial_accumulator_value) == (0.0, 0.0)


# ------------------------------------------------------------------------- RMSprop


def test_rmsprop_first_three_steps_put_eps_outside_the_square_root():
    # t1: g = 2, v = 0.01 * 4 = 0.04, theta = 1 - 0.01 * 2 / (0.2 + 1e-8)
    lr, alpha, eps = 0.01, 0.99, 1e-8
    t1 = 1 - lr * 2 / (math.sqrt(0.04) + eps)
    v2 = alpha * 0.04 + (1 - alpha) * (2 * t1) ** 2
    t2 = t1 - lr * (2 * t1) / (math.sqrt(v2) + eps)
    v3 = alpha * v2 + (1 - alpha) * (2 * t2) ** 2
    t3 = t2 - lr * (2 * t2) / (math.sqrt(v3) + eps)
    assert trajectory(lambda p: optim.RMSprop(p)) == close([t1, t2, t3])


def test_rmsprop_momentum_accumulates_the_scaled_gradient():
    lr, alpha, eps, mu = 0.01, 0.99, 1e-8, 0.5
    v1 = (1 - alpha) * 4
    b1 = 2 / (math.sqrt(v1) + eps)  # the buffer starts at 0
    t1 = 1 - lr * b1
    v2 = alpha * v1 + (1 - alpha) * (2 * t1) ** 2
    b2 = mu * b1 + (2 * t1) / (math.sqrt(v2) + eps)
    t2 = t1 - lr * b2
    v3 = alpha * v2 + (1 - alpha) * (2 * t2) ** 2
    b3 = mu * b2 + (2 * t2) / (math.sqrt(v3) + eps)
    t3 = t2 - lr * b3
    assert trajectory(lambda p: optim.RMSprop(p, momentum=0.5)) == close([t1, t2, t3])


def test_rmsprop_centered_subtracts_the_squared_mean_gradient():
    lr, alpha, eps = 0.01, 0.9, 1e-8
    theta, v, mean = 1.0, 0.0, 0.0
    expected = []
    for _ in range(3):
        g = 2 * theta
        v = alpha * v + (1 - alpha) * g * g
        mean = alpha * mean + (1 - alpha) * g
        theta = theta - lr * g / (math.sqrt(v - mean * mean) + eps)
        expected.append(theta)
    # t1: v = 0.4, mean = 0.2, v - mean^2 = 0.36, theta = 1 - 0.01 * 2 / 0.6
    assert expected[0] == pytest.approx(1 - 0.02 / 0.6)
    assert trajectory(lambda p: optim.RMSprop(p, alpha=0.9, centered=True)) == close(expected)


# ------------------------------------------------------------------------- Adadelta


def test_adadelta_first_three_steps_follow_zeilers_algorithm():
    rho, eps = 0.9, 1e-6
    theta, v, u = 1.0, 0.0, 0.0
    expected = []
    for _ in range(3):
        g = 2 * theta
        v = rho * v + (1 - rho) * g * g
        delta = math.sqrt(u + eps) / math.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        theta = theta - 1.0 * delta
        expected.append(theta)
    # t1 written out: v = 0.4, delta = sqrt(1e-6) / sqrt(0.400001) * 2 ~ 0.0031623
    assert expected[0] == pytest.approx(1 - 1e-3 / math.sqrt(0.400001) * 2)
    assert trajectory(lambda p: optim.Adadelta(p)) == close(expected)


# ------------------------------------------------------------------------- Adam, AdamW


def test_adam_first_three_steps_are_bias_corrected():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    # t1: m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004, m^ = 2, v^ = 4: theta = 1 - 0.1 * 2 / 2
    t1 = 1 - lr * (0.2 / (1 - b1)) / (math.sqrt(0.004 / (1 - b2)) + eps)
    assert t1 == pytest.approx(0.9)
    m2 = b1 * 0.2 + (1 - b1) * 2 * t1
    v2 = b2 * 0.004 + (1 - b2) * (2 * t1) ** 2
    t2 = t1 - lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    m3 = b1 * m2 + (1 - b1) * 2 * t2
    v3 = b2 * v2 + (1 - b2) * (2 * t2) ** 2
    t3 = t2 - lr * (m3 / (1 - b1**3)) / (math.sqrt(v3 / (1 - b2**3)) + eps)
    assert trajectory(lambda p: optim.Adam(p, lr=0.1)) == close([t1, t2, t3])


def test_adam_weight_decay_is_added_to_the_gradient():
    lr, b1, b2, eps, decay = 0.1, 0.9, 0.999, 1e-8, 0.5
    theta, m, v = 1.0, 0.0, 0.0
    expected = []
    for t in (1, 2, 3):
        g = 2 * theta + decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        expected.append(theta)
    assert trajectory(lambda p: optim.Adam(p, lr=0.1, weight_decay=0.5)) == close(expected)


def test_adamw_decays_the_weight_before_the_adam_step_without_touching_the_moments():
    lr, b1, b2, eps, decay = 0.1, 0.9, 0.999, 1e-8, 0.5
    # t1: theta' = 1 - 0.1 * 0.5 * 1 = 0.95, then the Adam step from g = 2: 0.95 - 0.1 = 0.85
    theta, m, v = 1.0, 0.0, 0.0
    expected = []
    for t in (1, 2, 3):
        g = 2 * theta  # the gradient at the weight before decay
        theta = theta - lr * decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        expected.append(theta)
    assert expected[0] == pytest.approx(0.85)
    assert trajectory(lambda p: optim.AdamW(p, lr=0.1, weight_decay=0.5)) == close(expected)


def test_adam_and_adamw_defaults_are_pytorchs():
    adam = optim.Adam([Value(1.0)])
    adamw = optim.AdamW([Value(1.0)])
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)
    assert adamw.weight_decay == 1e-2
    rms = optim.RMSprop([Value(1.0)])
    assert (rms.lr, rms.alpha, rms.eps, rms.momentum) == (1e-2, 0.99, 1e-8, 0.0)
    delta = optim.Adadelta([Value(1.0)])
    assert (delta.lr, delta.rho, delta.eps) == (1.0, 0.9, 1e-6)


# ------------------------------------------------------------------------- convergence


def minimise(make: Make, steps: int) -> tuple[float, float]:
    """Minimise the convex, ill-conditioned f(a, b) = (a - 3)**2 + 10 (b + 1)**2 from (0, 0)."""
    a, b = Value(0.0), Value(0.0)
    optimizer = make([a, b])
    for _ in range(steps):
        optimizer.zero_grad()
        ((a - 3) ** 2 + 10 * (b + 1) ** 2).backward()
        optimizer.step()
    return a.data, b.data


@pytest.mark.parametrize(
    ("make", "steps"),
    [
        (lambda p: optim.SGD(p, lr=0.04), 300),
        (lambda p: optim.SGD(p, lr=0.02, momentum=0.9), 400),
        (lambda p: optim.SGD(p, lr=0.02, momentum=0.9, nesterov=True), 400),
        (lambda p: optim.Adagrad(p, lr=1.0), 400),
        (lambda p: optim.RMSprop(p, lr=0.01), 1000),
        (lambda p: optim.Adadelta(p), 1500),
        (lambda p: optim.Adam(p, lr=0.1), 600),
    ],
    ids=["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam"],
)
def test_optimiser_converges_to_the_minimum_of_a_convex_quadratic(make: Make, steps: int):
    a, b = minimise(make, steps)
    assert a == pytest.approx(3.0, abs=1e-4)
    assert b == pytest.approx(-1.0, abs=1e-4)


def test_adamw_converges_near_the_minimum_pulled_towards_zero_by_its_decay():
    a, b = minimise(lambda p: optim.AdamW(p, lr=0.1), 600)
    assert a == pytest.approx(3.0, abs=0.05)
    assert b == pytest.approx(-1.0, abs=0.05)
    assert abs(a) < 3.0 and abs(b) < 1.0  # decoupled decay shrinks both weights


# ------------------------------------------------------------------------- the loop


def test_zero_grad_resets_every_gradient():
    a, b = Value(1.0), Value(2.0)
    optimizer = optim.SGD([a, b], lr=0.1)
    (a * b).backward()
    optimizer.zero_grad()
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_step_reads_a_value_gradient_from_create_graph():
    theta = Value(1.0)
    optimizer = optim.SGD([theta], lr=0.1)
    (theta * theta).backward(create_graph=True)
    optimizer.step()
    assert theta.data == pytest.approx(0.8)


def test_a_nan_gradient_raises_naming_the_parameter_and_updates_nothing():
    a, b = Value(1.0, label="a"), Value(2.0, label="w.1")
    optimizer = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = 1.0, math.nan
    with pytest.raises(ValueError, match="'w.1'"):
        optimizer.step()
    assert (a.data, b.data, optimizer.step_count) == (1.0, 2.0, 0)
    assert optimizer.state == [{}, {}]


def test_a_diverging_update_raises_and_updates_nothing():
    theta = Value(1.0, label="w")
    optimizer = optim.SGD([theta], lr=1e308)
    theta.grad = 1e308
    with pytest.raises(ValueError, match="Lower the learning rate"):
        optimizer.step()
    assert theta.data == 1.0


def test_optimiser_rejects_an_empty_parameter_list():
    with pytest.raises(ValueError, match="no parameters"):
        optim.SGD([], lr=0.1)


def test_optimiser_rejects_a_parameter_listed_twice():
    theta = Value(1.0)
    with pytest.raises(ValueError, match="twice"):
        optim.Adam([theta, theta])


def test_optimiser_rejects_a_negative_learning_rate():
    with pytest.raises(ValueError, match="lr"):
        optim.Adam([Value(1.0)], lr=-0.1)


# ------------------------------------------------------------------------- state


def test_state_dict_round_trip_through_json_continues_identically():
    def setup() -> tuple[Value, optim.Adam]:
        theta = Value(1.0)
        return theta, optim.Adam([theta], lr=0.1)

    def one_step(theta: Value, optimizer: optim.Adam) -> None:
        optimizer.zero_grad()
        (theta * theta).backward()
        optimizer.step()

    first, first_optimizer = setup()
    one_step(first, first_optimizer)
    one_step(first, first_optimizer)
    saved = json.loads(json.dumps(first_optimizer.state_dict()))
    second, second_optimizer = setup()
    second.data = first.data
    second_optimizer.load_state_dict(saved)
    one_step(first, first_optimizer)
    one_step(second, second_optimizer)
    assert second.data == first.data
    assert second_optimizer.step_count == 3


def test_load_state_dict_of_another_optimiser_raises_and_changes_nothing():
    sgd = optim.SGD([Value(1.0)], lr=0.1, momentum=0.9)
    adam = optim.Adam([Value(1.0)], lr=0.5)
    with pytest.raises(ValueError, match="'SGD'"):
        adam.load_state_dict(sgd.state_dict())
    assert adam.lr == 0.5


def test_load_state_dict_with_invalid_settings_raises_and_changes_nothing():
    adam = optim.Adam([Value(1.0)], lr=0.5)
    state = adam.state_dict()
    state["hyperparameters"]["lr"] = -1.0
    state["step_count"] = 7
    with pytest.raises(ValueError, match="lr"):
        adam.load_state_dict(state)
    assert (adam.lr, adam.step_count) == (0.5, 0)


# Every optimiser with every option that adds a buffer switched on.
EVERY_BUFFER: list[tuple[str, Make]] = [
    ("sgd", lambda p: optim.SGD(p, lr=0.1, momentum=0.9)),
    ("adagrad", lambda p: optim.Adagrad(p, lr=0.1)),
    ("rmsprop", lambda p: optim.RMSprop(p, lr=0.01, momentum=0.9, centered=True)),
    ("adadelta", lambda p: optim.Adadelta(p)),
    ("adam", lambda p: optim.Adam(p, lr=0.1)),
    ("adamw", lambda p: optim.AdamW(p, lr=0.1)),
]


def steps_on_a_quadratic(optimizer: optim.Optimizer, count: int) -> None:
    """``count`` steps of minimising sum(theta**2) over the optimiser's parameters."""
    for _ in range(count):
        optimizer.zero_grad()
        sum((theta * theta for theta in optimizer.parameters), Value(0.0)).backward()
        optimizer.step()


@pytest.mark.parametrize(("name", "make"), EVERY_BUFFER, ids=[name for name, _ in EVERY_BUFFER])
def test_declared_buffers_are_exactly_the_keys_the_update_writes(name: str, make: Make):
    optimizer = make([Value(1.0), Value(-2.0)])
    steps_on_a_quadratic(optimizer, 2)
    written = {key for state in optimizer.state for key in state}
    assert sorted(written) == sorted(type(optimizer).buffers)


@pytest.mark.parametrize(("name", "make"), EVERY_BUFFER, ids=[name for name, _ in EVERY_BUFFER])
def test_state_dict_round_trip_continues_identically_for_every_optimiser(name: str, make: Make):
    first = [Value(1.0), Value(-2.0)]
    first_optimizer = make(first)
    steps_on_a_quadratic(first_optimizer, 2)
    saved = json.loads(json.dumps(first_optimizer.state_dict()))
    second = [Value(theta.data) for theta in first]
    second_optimizer = make(second)
    second_optimizer.load_state_dict(saved)
    steps_on_a_quadratic(first_optimizer, 2)
    steps_on_a_quadratic(second_optimizer, 2)
    assert [theta.data for theta in second] == [theta.data for theta in first]
    assert second_optimizer.state == first_optimizer.state


@pytest.mark.parametrize(("name", "make"), EVERY_BUFFER, ids=[name for name, _ in EVERY_BUFFER])
def test_load_state_dict_with_an_unknown_buffer_raises_and_changes_nothing(name: str, make: Make):
    optimizer = make([Value(1.0), Value(-2.0)])
    steps_on_a_quadratic(optimizer, 1)
    before = (optimizer.step_count, [dict(state) for state in optimizer.state])
    state = optimizer.state_dict()
    state["step_count"] = 9
    state["state"][0] = {}  # a valid entry first: the check is all or nothing
    state["state"][1]["bogus"] = 1.0
    allowed = str(list(type(optimizer).buffers)).replace("[", r"\[").replace("]", r"\]")
    with pytest.raises(ValueError, match=rf"parameter 1 has an unknown buffer 'bogus'.*{allowed}"):
        optimizer.load_state_dict(state)
    assert (optimizer.step_count, optimizer.state) == before


def test_adam_refuses_a_bogus_buffer_naming_its_own_two():
    adam = optim.Adam([Value(1.0)], lr=0.5)
    state = adam.state_dict()
    state["state"] = [{"bogus": 1.0}]
    with pytest.raises(ValueError, match=r"'bogus'.*\['exp_average', 'exp_average_square'\]"):
        adam.load_state_dict(state)
    assert adam.state == [{}]


# ------------------------------------------------------------------------- schedules


def test_linear_decay_is_micrograds_schedule():
    schedule = optim.linear_decay(1.0, 0.1, 100)
    for k in (0, 1, 50, 99):
        assert schedule(k) == pytest.approx(1.0 - 0.9 * k / 100)
    assert schedule(100) == pytest.approx(0.1)
    assert schedule(1000) == pytest.approx(0.1)


def test_step_decay_multiplies_by_the_factor_every_few_steps():
    schedule = optim.step_decay(0.5, every=10, factor=0.1)
    assert [schedule(k) for k in (0, 9, 10, 25)] == pytest.approx([0.5, 0.5, 0.05, 0.005])


def test_exponential_decay_is_start_times_rate_to_the_step():
    schedule = optim.exponential_decay(2.0, 0.5)
    assert [schedule(k) for k in (0, 1, 3)] == pytest.approx([2.0, 1.0, 0.25])


def test_cosine_goes_from_start_through_the_midpoint_to_end():
    schedule = optim.cosine(1.0, 0.0, 10)
    # (1 + cos(pi k / 10)) / 2 at k = 0, 5, 10: 1, 1/2, 0
    assert [schedule(k) for k in (0, 5, 10, 20)] == pytest.approx([1.0, 0.5, 0.0, 0.0], abs=1e-15)


def test_schedule_rejects_a_negative_step():
    with pytest.raises(ValueError, match="step"):
        optim.constant(0.1)(-1)

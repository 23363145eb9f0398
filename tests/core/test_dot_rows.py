"""``autograd.dot_rows``: one ``dot``/``affine`` node per row of weights over shared inputs.

Expected numbers are worked out by hand: for ``y = b + w1*x1 + w2*x2``, dy/dwi = xi, dy/db = 1 and
dy/dxi = wi; a gradient reaching an input from several rows is the sum of those rows' weights.
"""

from __future__ import annotations

import pytest

import autograd
from autograd import Value, dot_rows, no_grad


def test_each_row_is_one_affine_node_over_its_weights_bias_and_the_inputs() -> None:
    w = [[Value(1.0), Value(2.0)], [Value(-1.0), Value(0.5)]]
    b = [Value(0.25), Value(-3.0)]
    x = [Value(3.0), Value(4.0)]
    first, second = dot_rows(w, x, b)
    assert first.op is not None and first.op.name == "affine"
    assert first.parents == (*w[0], b[0], *x)
    assert second.parents == (*w[1], b[1], *x)
    assert [first.data, second.data] == [0.25 + 3.0 + 8.0, -3.0 - 3.0 + 2.0]


def test_without_biases_each_row_is_one_dot_node() -> None:
    w = [[Value(2.0), Value(-1.0)]]
    x = [Value(5.0), Value(7.0)]
    (total,) = dot_rows(w, x)
    assert total.op is not None and total.op.name == "dot"
    assert total.parents == (*w[0], *x)
    assert total.data == 3.0


def test_gradients_are_the_inputs_for_weights_and_the_summed_weights_for_inputs() -> None:
    w = [[Value(1.0), Value(2.0)], [Value(-1.0), Value(0.5)]]
    b = [Value(0.0), Value(0.0)]
    x = [Value(3.0), Value(4.0)]
    autograd.backward(dot_rows(w, x, b), [1.0, 10.0])
    assert [[v.grad for v in row] for row in w] == [[3.0, 4.0], [30.0, 40.0]]
    assert [v.grad for v in b] == [1.0, 10.0]
    assert [v.grad for v in x] == [1.0 - 10.0, 2.0 + 5.0]


def test_number_inputs_become_one_shared_constant_leaf_each() -> None:
    rows = [[Value(1.0), Value(1.0)], [Value(2.0), Value(2.0)]]
    first, second = dot_rows(rows, [1.5, 2])
    assert first.parents[2:] == second.parents[2:]
    assert [leaf.data for leaf in first.parents[2:]] == [1.5, 2.0]
    assert [first.data, second.data] == [3.5, 7.0]


def test_a_number_among_the_weights_becomes_a_constant_leaf() -> None:
    (total,) = dot_rows([[2.0, Value(3.0)]], [Value(1.0), Value(4.0)], [0])
    assert total.data == 14.0
    assert all(isinstance(parent, Value) for parent in total.parents)


def test_no_inputs_give_the_bias_alone_or_a_constant_zero() -> None:
    (with_bias,) = dot_rows([[]], [], [Value(2.5)])
    (without,) = dot_rows([[]], [])
    assert with_bias.data == 2.5
    assert without.data == 0.0 and without.is_leaf


def test_a_row_of_the_wrong_length_raises_naming_the_row_and_the_lengths() -> None:
    with pytest.raises(ValueError, match=r"dot_rows: row 1 has 1 weights for 2 inputs"):
        dot_rows([[Value(1.0), Value(2.0)], [Value(1.0)]], [Value(0.0), Value(0.0)])


def test_biases_must_be_one_per_row() -> None:
    with pytest.raises(ValueError, match=r"dot_rows: 2 rows but 1 biases"):
        dot_rows([[Value(1.0)], [Value(2.0)]], [Value(0.0)], [Value(0.0)])


def test_an_operand_that_is_not_a_number_raises_type_error_naming_affine() -> None:
    with pytest.raises(TypeError, match=r"unsupported operand of affine: str 'x'"):
        dot_rows([[Value(1.0)]], ["x"], [Value(0.0)])


def test_inside_no_grad_the_results_are_leaves() -> None:
    with no_grad():
        (total,) = dot_rows([[Value(2.0)]], [Value(3.0)], [Value(1.0)])
    assert total.data == 7.0 and total.is_leaf


def test_second_derivatives_flow_through_the_rows() -> None:
    # y = (w*x)**2 with w = 3, x = 2: dy/dx = 2 w**2 x = 36, d2y/dx2 = 2 w**2 = 18.
    x = Value(2.0)
    (total,) = dot_rows([[Value(3.0)]], [x])
    (total * total).backward(create_graph=True)
    first = x.grad
    assert first.data == 36.0
    x.grad = 0.0
    first.backward()
    assert x.grad == 18.0


def test_apply_rows_computes_each_node_as_the_plain_left_to_right_sum() -> None:
    # b + w1*x1 + w2*x2 + w3*x3 added left to right, as a hand-written neuron does; the numbers
    # are chosen so that another order of the additions rounds differently.
    from autograd.core.value import apply_rows

    weights = [[0.1, 0.2, 0.3], [1e16, 1.0, -1e16]]
    bias = [0.7, 1.0]
    inputs = [Value(1.0), Value(1.0), Value(1.0)]
    heads = [(*map(Value, row), Value(b)) for row, b in zip(weights, bias, strict=True)]
    affine = apply_rows(autograd.OPS["affine"], heads, inputs)
    expected = [((b + row[0]) + row[1]) + row[2] for row, b in zip(weights, bias,
                                                                       strict=True)]
    assert [node.data for node in affine] == expected
    assert expected[1] == 0.0  # (1 + 1e16) + 1 - 1e16 rounds to 0, not to 2
    assert all(node.parents == head + tuple(inputs) for node, head in zip(affine, heads,
                                                                           strict=True))
    dot = apply_rows(autograd.OPS["dot"], [head[:3] for head in heads], inputs)
    assert [node.data for node in dot] == [((0.0 + row[0]) + row[1]) + row[2]
                                           for row in weights]

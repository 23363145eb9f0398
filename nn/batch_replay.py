"""One example's loss traced once and replayed over whole batches: ``fit(compile=True)``.

The natural unit of a training step is one example: ``loss(model(x), t)``. :class:`BatchReplay`
traces it once (``autograd.trace``) with the sample's numbers (and a numeric target's numbers)
as the tape's inputs and the model's weights as its parameters, and runs the tape over a whole
batch with :meth:`autograd.Tape.vmap` (numpy). A loss that picks a logit by class label
(cross-entropy) builds a different graph per label, so with integer labels there is one tape per
label and each batch is split by label. The parameters' gradients are those of the engine's
``sum(losses) / n``.

Used only when it applies: numpy is installed, every sample is a number or a flat sequence of
numbers, and the traced example compares no Values in Python (no guards; a max-pool, say).
Otherwise :func:`nn.fit` traces whole batches as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value

from .labels import integer_label


class BatchReplay:
    """The per-example loss of ``model``, one batched tape per target class (or one in all).

    Build one with :meth:`build`; :meth:`step` adds one batch's gradient to the parameters.
    """

    def __init__(self, model: Callable[[Any], Any], loss: Callable[[Any, Any], Value],
                 scalar_samples: bool, labels: bool) -> None:
        self.model, self.loss = model, loss
        self.scalar_samples = scalar_samples
        self.labels = labels
        self.tapes: dict[int | None, tuple[Any, int]] = {}
        # Every tape's parameters, once each: a step sums each tape's gradients into one vector
        # over these, then adds it to the parameters' .grad in one pass.
        self.parameters: list[Value] = []
        self.positions: dict[int | None, Any] = {}

    @classmethod
    def build(cls, model: Callable[[Any], Any], loss: Callable[[Any, Any], Value],
              X: Sequence[Any], y: Sequence[Any]) -> BatchReplay | None:
        """A replay for these samples, or None when one cannot run them (see the module
        docstring); tracing the first example checks the model and loss."""
        try:
            import numpy as np
        except ImportError:
            return None
        try:
            samples = np.asarray(X, dtype=float)
        except (TypeError, ValueError):  # nested or ragged samples, or not numbers
            return None
        if samples.ndim not in (1, 2):
            return None
        labels = all(integer_label(t) is not None for t in y)
        replay = cls(model, loss, samples.ndim == 1, labels)
        try:
            batched, _ = replay._tape(X[0], y[0])
        except (TypeError, NotImplementedError):  # a target the loss takes only as a number,
            return None  # or an op without an array form
        if batched.tape.guards or not (labels or _reads_targets(batched.tape, samples)):
            return None
        return replay

    def step(self, xs: Sequence[Any], ts: Sequence[Any]) -> tuple[float, list[Any]]:
        """Add d(sum of the batch's losses / n)/d(parameter) to every parameter's ``.grad``.

        Returns:
            The mean loss and each sample's output (a float, or a list of floats).
        """
        import numpy as np

        count = len(xs)
        rows = np.asarray(xs, dtype=float).reshape(count, -1)
        groups: dict[int | None, list[int]] = {}
        for index, target in enumerate(ts):
            groups.setdefault(integer_label(target) if self.labels else None, []).append(index)
        total = 0.0
        outputs: list[Any] = [None] * count
        gradients = np.zeros(len(self.parameters))
        for key, indices in groups.items():
            batched, shape = self._tape(xs[indices[0]], ts[indices[0]])
            columns = list(rows[indices].T)
            if not self.labels:
                targets = [ts[index] for index in indices]
                columns += list(np.asarray(targets, dtype=float).reshape(len(indices), -1).T)
            values, totals = batched.value_and_parameter_grad(*columns, grad=1.0 / count)
            if len(gradients) < len(self.parameters):  # a new tape brought parameters
                gradients = np.concatenate([gradients, np.zeros(len(self.parameters)
                                                                - len(gradients))])
            gradients[self.positions[key]] += totals
            total += float(values.sum())
            per_row = np.stack(batched.latest[1:], axis=1).tolist()
            for index, numbers in zip(indices, per_row, strict=True):
                outputs[index] = numbers if shape else numbers[0]
        for parameter, gradient in zip(self.parameters, gradients.tolist(), strict=True):
            if gradient:
                parameter.grad += gradient
        return total / count, outputs

    def _tape(self, x: Any, target: Any) -> tuple[Any, int]:
        """The batched tape for ``target``'s class (traced at ``x`` the first time) and the
        shape of the model's output: 0 for one Value, n for a list of n."""
        import numpy as np

        key = integer_label(target) if self.labels else None
        if key not in self.tapes:
            self.tapes[key] = self._trace(x, target)
            known = {id(parameter): index for index, parameter in enumerate(self.parameters)}
            positions = []
            for parameter in self.tapes[key][0].parameters:
                if id(parameter) not in known:
                    known[id(parameter)] = len(self.parameters)
                    self.parameters.append(parameter)
                positions.append(known[id(parameter)])
            self.positions[key] = np.array(positions, dtype=np.intp)
        return self.tapes[key]

    def _trace(self, x: Any, target: Any) -> tuple[Any, int]:
        numbers = [float(x)] if self.scalar_samples else [float(item) for item in x]
        width = len(numbers)
        if not self.labels:
            numbers += [float(target)] if _is_number(target) else [float(t) for t in target]
        shape: list[int] = []

        def example(*inputs: Value) -> list[Value]:
            sample = inputs[0] if self.scalar_samples else list(inputs[:width])
            rest = list(inputs[width:])
            wanted = target if self.labels else (rest[0] if _is_number(target) else rest)
            output = self.model(sample)
            items = list(output) if isinstance(output, list | tuple) else [output]
            shape[:] = [len(items) if isinstance(output, list | tuple) else 0]
            return [self.loss(output, wanted), *items]

        tape = autograd.trace(example, *numbers)
        return tape.vmap(), shape[0]


def _reads_targets(tape: Any, samples: Any) -> bool:
    """Whether the traced loss uses every target input as a Value. A loss that reads a target
    as a number (``target.data``) bakes the first example's target into the tape as a
    constant: such a replay would be wrong, so fit traces whole batches instead."""
    width = 1 if samples.ndim == 1 else samples.shape[1]
    read = {slot for instruction in tape.instructions for slot in instruction.inputs}
    return all(slot in read for slot in range(width, tape.inputs))


def _is_number(target: Any) -> bool:
    return not isinstance(target, Sequence) and not hasattr(target, "__len__")

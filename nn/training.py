"""The training loop: :func:`fit` (mini-batch training with a progress bar and a history) and
:func:`accuracy`.

One step of :func:`fit` is the loop every backpropagation course writes by hand::

    outputs = [model(x) for x in batch]                       # forward, one graph per sample
    loss = sum(loss_fn(o, t) for o, t in zip(outputs, targets)) / len(batch)  (+ penalty)
    optimizer.zero_grad(); loss.backward(); optimizer.step()   # backward and update

How an output becomes a class (used by :func:`accuracy` and the history's accuracy):

- several outputs (a list of Values): the index of the largest, compared with an integer label;
- one output: class 1 when it is above ``threshold`` (default 0: the sign of a score or a
  logit, as micrograd's demo; pass 0.5 for a model that ends in a sigmoid), otherwise the
  negative class, which is -1 when the labels contain -1 and 0 otherwise.
"""

from __future__ import annotations

import gc
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any

import autograd
from autograd import Value
from autograd.core.numbers import require_count

from .batch_replay import BatchReplay
from .data import batches
from .labels import integer_label, is_class_label, negative_class

Model = Callable[[Any], Any]
Loss = Callable[[Any, Any], Value]


@dataclass
class History:
    """What :func:`fit` measured, one entry per epoch, ready to plot (``plt.plot(h.loss)``).

    Attributes:
        loss: the mean training loss over the epoch's samples (penalty included), as computed
            during training, before each batch's update.
        accuracy: the training accuracy over the epoch, from the same forward passes (so it
            lags the weights by up to one epoch); empty when the targets are not class labels.
        lr: the learning rate of the epoch's last step.
        val_loss: the mean loss on the validation data after the epoch (no penalty); empty
            without validation data.
        val_accuracy: the accuracy on the validation data after the epoch.
        seconds: the wall-clock time of each epoch.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """The number of epochs recorded."""
        return len(self.loss)

    def as_dict(self) -> dict[str, list[float]]:
        """The lists by name (for ``pandas.DataFrame(history.as_dict())`` or JSON)."""
        return asdict(self)


def _outputs(output: Any) -> list[Any]:
    if isinstance(output, list | tuple):
        return list(output)
    return [output]


def _score(value: Any) -> float:
    """A model output's number (a Value's data, or a number)."""
    return value.data if isinstance(value, Value) else float(value)


def predicted_class(output: Any, threshold: float = 0.0, negative: int = 0) -> int:
    """The class a model's output stands for (see the module docstring for the rule).

    Args:
        output: one Value (or number), or a list of them (one score per class).
        threshold: a single output above it is class 1.
        negative: the class of a single output at or below the threshold (0 or -1).
    """
    scores = [_score(value) for value in _outputs(output)]
    if len(scores) == 1:
        return 1 if scores[0] > threshold else negative
    return max(range(len(scores)), key=scores.__getitem__)


def _correct(output: Any, target: Any, threshold: float, negative: int) -> bool:
    return predicted_class(output, threshold, negative) == integer_label(target)


def accuracy(model: Model, X: Sequence[Any], y: Sequence[Any], *, threshold: float = 0.0) -> float:
    """The fraction of samples whose predicted class equals the label, evaluated under
    ``autograd.no_grad()`` (nothing is recorded).

    Args:
        model: a callable model (an ``nn.Module``).
        X: the samples (a list, or any sequence such as a numpy array).
        y: integer labels: class indices for a multi-output model; 0/1 or -1/+1 for a
            single-output one. numpy integers and integer-valued floats count; bools do not.
        threshold: a single output above it is class 1 (0 for scores and logits, 0.5 for
            sigmoid probabilities).

    Returns:
        A number in [0, 1].

    Raises:
        ValueError: no samples, lengths differ, or a label is not an integer.
    """
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"accuracy: needs as many labels as samples (> 0), got {len(X)} and "
                         f"{len(y)}")
    bad = [t for t in y if not is_class_label(t)]
    if bad:
        raise ValueError(f"accuracy: labels must be integers (class indices), got {bad[0]!r}")
    negative = negative_class(y)
    with autograd.no_grad():
        hits = sum(_correct(model(x), t, threshold, negative) for x, t in zip(X, y, strict=True))
    return hits / len(X)


def _evaluate(model: Model, X: Sequence[Any], y: Sequence[Any], loss: Loss, threshold: float,
              labels: bool) -> tuple[float, float | None]:
    negative = negative_class(y)
    total, hits = 0.0, 0
    with autograd.no_grad():
        for x, t in zip(X, y, strict=True):
            output = model(x)
            total += loss(output, t).data
            if labels:
                hits += _correct(output, t, threshold, negative)
    return total / len(X), (hits / len(X) if labels else None)


def _progress_bar(total: int, enabled: bool) -> Any:
    """A tqdm bar (notebook-aware via ``tqdm.auto``), or None without tqdm or when disabled."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="fit", unit="step", leave=True)


def fit(
    model: Model,
    X: Sequence[Any],
    y: Sequence[Any],
    *,
    loss: Loss,
    optimizer: Any,
    epochs: int,
    batch_size: int | None = None,
    progress: bool = True,
    schedule: Callable[[int], float] | None = None,
    penalty: Callable[[Any], Value] | None = None,
    validation: tuple[Sequence[Any], Sequence[Any]] | None = None,
    threshold: float = 0.0,
    shuffle: bool = True,
    seed: int | None = 0,
    callback: Callable[[int, History], None] | None = None,
    compile: bool = False,  # noqa: A002 - the name users know from Keras and torch.compile
    freeze_heap: bool = True,
) -> History:
    """Train ``model`` on ``(X, y)`` with mini-batches and return the per-epoch history.

    Each step takes a batch, applies ``loss`` to every sample's output and its target, averages
    over the batch (``autograd.sum(losses) / n``), adds ``penalty(model)`` if given, then runs
    ``optimizer.zero_grad()``, ``backward()`` and ``optimizer.step()``.

    micrograd's demo (100 steps of full-batch SGD with a decaying rate) is::

        fit(model, X, y, loss=nn.losses.hinge, optimizer=nn.optim.SGD(model.parameters(), lr=1.0),
            epochs=100, schedule=nn.optim.linear_decay(1.0, 0.1, 100),
            penalty=lambda m: nn.losses.l2(m.parameters(), 1e-4))

    Args:
        model: a callable model with ``parameters()`` (an ``nn.Module``).
        X: the training samples.
        y: their targets (class labels, or numbers/lists for regression).
        loss: a per-sample loss ``loss(output, target) -> Value`` from :mod:`nn.losses`.
        optimizer: an optimiser from :mod:`nn.optim` over the model's parameters.
        epochs: the number of passes over the data.
        batch_size: samples per step; ``None`` uses all of them (full-batch gradient descent).
        progress: show a tqdm progress bar with the loss and accuracy (on stderr; in Jupyter a
            widget). Without tqdm installed, one line per epoch is printed to stderr instead.
            ``False`` prints nothing.
        schedule: a learning-rate schedule ``step -> lr`` (see :mod:`nn.optim`), applied as
            ``optimizer.lr = schedule(k)`` before step ``k`` (counted from 0 over all epochs).
        penalty: a regulariser ``penalty(model) -> Value`` added to each batch's loss, e.g.
            ``lambda m: nn.losses.l2(m.parameters(), 1e-4)``.
        validation: ``(X_val, y_val)`` evaluated after each epoch (under ``no_grad``).
        threshold: the decision threshold of a single-output model (see the module docstring).
        shuffle: visit the samples in a new random order each epoch.
        seed: the seed of that order (``None``: a fresh one).
        callback: called as ``callback(epoch, history)`` after each epoch (epoch counted from
            1), e.g. to plot live in a notebook.
        compile: replay traced tapes instead of building a graph per sample: the same numbers,
            many times faster, for a model whose graph has a fixed shape. With numpy installed
            and samples that are numbers or flat lists of numbers, one example's loss is traced
            (once per class label) and replayed over each whole batch as numpy arrays
            (``Tape.vmap``; see :mod:`nn.batch_replay`). Otherwise, or when the model compares
            Values in Python, each batch's step is traced once and its compiled tape replayed;
            the batches are then fixed (formed once, in order, never shuffled), and a recorded
            comparison that flips raises ``autograd.TapeBranchError``.
        freeze_heap: while ``fit`` runs, keep the objects that exist when it starts (the model,
            the data, every module loaded) out of the cyclic garbage collector's full
            collections: see :func:`frozen_heap`. ``False`` leaves the collector alone.

    Returns:
        A :class:`History` with one entry per epoch.

    Raises:
        TypeError: ``epochs`` or ``batch_size`` is not an integer.
        ValueError: no samples, lengths differ, ``epochs`` or ``batch_size`` is below 1.
        autograd.TapeBranchError: with ``compile=True``, a traced comparison no longer holds.
    """
    size = _checked_batch_size(X, y, epochs, batch_size, validation)
    rng = random.Random(seed)
    trainer = _Trainer(model, loss, optimizer, schedule=schedule, penalty=penalty,
                       threshold=threshold, targets=y, compile=compile)
    if compile:  # one example's loss replayed over every batch, else whole batches traced
        trainer.replay = BatchReplay.build(model, loss, X, y)
    whole_batches = compile and trainer.replay is None
    fixed = list(batches(X, y, size, shuffle=False, rng=rng)) if whole_batches else None
    history = History()
    bar = _progress_bar(epochs * math.ceil(len(X) / size), progress)
    try:
        with frozen_heap() if freeze_heap else nullcontext():
            for epoch in range(1, epochs + 1):
                started = time.perf_counter()
                chosen = (fixed if fixed is not None
                          else batches(X, y, size, shuffle=shuffle, rng=rng))
                tally = trainer.epoch(chosen, epoch, bar)
                _record_epoch(history, trainer, tally, validation)
                history.seconds.append(time.perf_counter() - started)
                if progress and bar is None:
                    print(_epoch_line(epoch, epochs, history), file=sys.stderr)
                if callback is not None:
                    callback(epoch, history)
    finally:
        if bar is not None:
            bar.close()
    return history


@contextmanager
def frozen_heap() -> Iterator[None]:
    """For the block it guards, the objects that exist when it starts are not examined by the
    cyclic garbage collector (``gc.freeze()``); they are handed back when it ends, normally or
    by an exception (``gc.unfreeze()``).

    Why: each training step builds a graph of thousands of nodes that lives for the whole step,
    so the collector's full collections run every few steps, and each one walks every object of
    the process: the model, the data, and every module loaded (numpy, matplotlib, a notebook's
    history), which a step never frees. Frozen, they are not walked; the step's own graphs still
    are, so cycles made during training are still collected. This is a change to the process's
    collector, so it lasts only while ``fit`` runs, and it is skipped when objects are frozen
    already (someone else's ``gc.freeze()``, which it must not undo) or the collector is off.
    Objects frozen meanwhile by other code are unfrozen with the rest when the block ends.
    """
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _checked_batch_size(X: Sequence[Any], y: Sequence[Any], epochs: int, batch_size: int | None,
                        validation: tuple[Sequence[Any], Sequence[Any]] | None) -> int:
    """The number of samples per step, after checking :func:`fit`'s data and counts.

    Raises:
        TypeError: ``epochs`` or ``batch_size`` is not an integer.
        ValueError: no samples, lengths differ, a count is below 1, or ``validation`` is not
            ``(X_val, y_val)`` with as many targets as samples.
    """
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"fit: needs as many targets as samples (> 0), got {len(X)} samples "
                         f"and {len(y)} targets")
    require_count("fit: epochs", epochs)
    size = len(X) if batch_size is None else require_count("fit: batch_size", batch_size)
    if validation is not None and (len(validation) != 2 or len(validation[0]) != len(validation[1])
                                   or len(validation[0]) == 0):
        raise ValueError("fit: validation must be (X_val, y_val) with as many targets as samples")
    return size


@dataclass
class _Tally:
    """Running sums over one epoch: the loss weighted by batch size, correct predictions and
    samples seen."""

    total: float = 0.0
    hits: int = 0
    seen: int = 0


class _Trainer:
    """The training steps of one :func:`fit` call: what one step does (traced and replayed
    with ``compile=True``), the step counter the schedule reads, and one epoch's tally."""

    def __init__(self, model: Model, loss: Loss, optimizer: Any, *,
                 schedule: Callable[[int], float] | None, penalty: Callable[[Any], Value] | None,
                 threshold: float, targets: Sequence[Any], compile: bool) -> None:  # noqa: A002
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.schedule, self.penalty, self.threshold = schedule, penalty, threshold
        self.labels = all(is_class_label(t) for t in targets)
        self.negative = negative_class(targets)
        self.compile = compile
        self.step = 0
        self.tapes: dict[int, tuple[Any, list[int]]] = {}
        self.replay: BatchReplay | None = None

    def epoch(self, chosen: Iterable[tuple[list[Any], list[Any]]], epoch: int,
              bar: Any) -> _Tally:
        """Train on every batch of ``chosen`` once; the epoch's tally."""
        tally = _Tally()
        for index, (xs, ts) in enumerate(chosen):
            value, outputs = self.train_step(index, xs, ts)
            tally.total += value * len(xs)
            tally.seen += len(xs)
            if self.labels:
                tally.hits += sum(
                    _correct(output, t, self.threshold, self.negative)
                    for output, t in zip(outputs, ts, strict=True)
                )
            _show_progress(bar, epoch, tally, self.labels)
        return tally

    def train_step(self, index: int, xs: list[Any], ts: list[Any]) -> tuple[float, list[Any]]:
        """One optimiser step on batch number ``index``; its mean loss and the model's outputs."""
        if self.schedule is not None:
            self.optimizer.lr = self.schedule(self.step)
        if self.replay is not None:
            result = self._batched_step(xs, ts)
        else:
            result = self._replayed_step(index, xs, ts) if self.compile else self._step(xs, ts)
        self.step += 1
        return result

    def _step(self, xs: list[Any], ts: list[Any]) -> tuple[float, list[Any]]:
        outputs = [self.model(x) for x in xs]
        batch_loss = _batch_loss(self.model, outputs, ts, self.loss, self.penalty)
        self.optimizer.zero_grad()
        batch_loss.backward()
        self.optimizer.step()
        return batch_loss.data, outputs

    def _batched_step(self, xs: list[Any], ts: list[Any]) -> tuple[float, list[Any]]:
        self.optimizer.zero_grad()
        value, outputs = self.replay.step(xs, ts)  # type: ignore[union-attr]
        if self.penalty is not None:
            penalty = self.penalty(self.model)
            penalty.backward()
            value += penalty.data
        self.optimizer.step()
        return value, outputs

    def _replayed_step(self, index: int, xs: list[Any], ts: list[Any]) -> tuple[float, list[Any]]:
        if index not in self.tapes:
            self.tapes[index] = _traced_step(self.model, xs, ts, self.loss, self.penalty)
        tape, shapes = self.tapes[index]
        self.optimizer.zero_grad()
        value = tape.backward()
        self.optimizer.step()
        return value, _replayed_outputs(tape.latest[1:], shapes)


def _show_progress(bar: Any, epoch: int, tally: _Tally, labels: bool) -> None:
    """Advance the progress bar one step, showing the epoch's running loss and accuracy."""
    if bar is None:
        return
    shown = {"epoch": epoch, "loss": f"{tally.total / tally.seen:.4f}"}
    if labels:
        shown["accuracy"] = f"{tally.hits / tally.seen:.3f}"
    bar.set_postfix(shown, refresh=False)
    bar.update(1)


def _record_epoch(history: History, trainer: _Trainer, tally: _Tally,
                  validation: tuple[Sequence[Any], Sequence[Any]] | None) -> None:
    """Append the epoch's loss, accuracy, learning rate and validation figures to ``history``."""
    history.loss.append(tally.total / tally.seen)
    if trainer.labels:
        history.accuracy.append(tally.hits / tally.seen)
    history.lr.append(float(trainer.optimizer.lr))
    if validation is not None:
        val_loss, val_accuracy = _evaluate(trainer.model, validation[0], validation[1],
                                           trainer.loss, trainer.threshold, trainer.labels)
        history.val_loss.append(val_loss)
        if val_accuracy is not None:
            history.val_accuracy.append(val_accuracy)


def _batch_loss(model: Model, outputs: list[Any], targets: Sequence[Any], loss: Loss,
                penalty: Callable[[Any], Value] | None) -> Value:
    batch_loss = autograd.sum(
        [loss(output, t) for output, t in zip(outputs, targets, strict=True)]
    ) / len(outputs)
    return batch_loss if penalty is None else batch_loss + penalty(model)


def _traced_step(model: Model, xs: Sequence[Any], ts: Sequence[Any], loss: Loss,
                 penalty: Callable[[Any], Value] | None) -> tuple[Any, list[int]]:
    """One batch's loss traced and compiled, with the model's outputs as extra results.

    ``shapes`` says how to rebuild each sample's output from the flat results: 0 for a single
    Value, n for a list of n.
    """
    shapes: list[int] = []

    def batch_loss() -> list[Value]:
        outputs = [model(x) for x in xs]
        flat: list[Value] = []
        shapes.clear()
        for output in outputs:
            items = _outputs(output)
            shapes.append(len(items) if isinstance(output, list | tuple) else 0)
            flat.extend(items)
        return [_batch_loss(model, outputs, ts, loss, penalty), *flat]

    return autograd.trace(batch_loss).compile(), shapes


def _replayed_outputs(numbers: list[float], shapes: list[int]) -> list[Any]:
    outputs: list[Any] = []
    position = 0
    for shape in shapes:
        if shape == 0:
            outputs.append(numbers[position])
            position += 1
        else:
            outputs.append(numbers[position:position + shape])
            position += shape
    return outputs


def _epoch_line(epoch: int, epochs: int, history: History) -> str:
    parts = [f"epoch {epoch}/{epochs}", f"loss {history.loss[-1]:.4f}"]
    if history.accuracy:
        parts.append(f"accuracy {history.accuracy[-1]:.3f}")
    if history.val_loss:
        parts.append(f"val_loss {history.val_loss[-1]:.4f}")
    if history.val_accuracy:
        parts.append(f"val_accuracy {history.val_accuracy[-1]:.3f}")
    return ", ".join(parts)

"""Small data sets and mini-batches, as plain Python lists (no numpy needed).

- :func:`xor`: the four XOR points.
- :func:`make_moons`, :func:`make_spirals`: seeded two-dimensional toy problems.
- :func:`load_digits`: scikit-learn's 8x8 handwritten digits (needs scikit-learn).
- :func:`load_mnist`: MNIST from IDX files you already have (nothing is downloaded);
  :func:`read_idx` reads any IDX file.
- :func:`train_test_split` and :func:`batches`: seeded splitting and mini-batches.
- :func:`sine_wave` and :func:`windows`: DeZero's noisy sine wave, windows for truncated BPTT.

Every function returns ``(X, y)``: ``X`` a list of samples (each a list of floats, or an image as
nested lists ``[channel][row][col]``), ``y`` a list of integer labels. Randomness comes from a
``random.Random`` built from ``seed``, so the same seed always gives the same data.
"""

from __future__ import annotations

import gzip
import math
import os
import random
import struct
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from autograd.core.numbers import is_real, require_count

Sample = TypeVar("Sample")
Label = TypeVar("Label")


def xor() -> tuple[list[list[float]], list[int]]:
    """The XOR problem: inputs (0,0), (0,1), (1,0), (1,1) with targets 0, 1, 1, 0.

    No straight line separates the classes, so a network needs a hidden layer to learn it.
    """
    return [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0]


def _check_noise(noise: float, where: str) -> float:
    """``noise`` as a float when it is a finite number >= 0.

    Raises:
        ValueError: it is not; the message names ``where``.
    """
    try:
        number = float(noise) if is_real(noise) else math.nan
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if not (math.isfinite(number) and number >= 0.0):
        raise ValueError(f"{where}: noise must be a finite number >= 0, got {noise!r}")
    return number


def _spaced(count: int, low: float, high: float) -> list[float]:
    """``count`` evenly spaced numbers from ``low`` to ``high`` inclusive (numpy's linspace)."""
    if count == 1:
        return [low]
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def make_moons(
    n: int = 100, noise: float = 0.0, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, the data of micrograd's demo.

    The same construction as scikit-learn's ``make_moons``: ``n // 2`` points on the outer half
    circle ``(cos a, sin a)`` for ``a`` evenly spaced over [0, pi] (label 0), the rest on the
    inner one ``(1 - cos a, 1 - sin a - 0.5)`` (label 1); the points are shuffled and Gaussian
    noise of standard deviation ``noise`` is added to each coordinate. The random numbers come
    from Python's ``random``, so the points differ from scikit-learn's for the same seed.

    Args:
        n: the number of points (at least 2).
        noise: the standard deviation of the noise.
        seed: the random seed; ``None`` draws a fresh one.

    Returns:
        ``(X, y)``: ``n`` points ``[x1, x2]`` and their labels 0/1.

    Raises:
        ValueError: ``n < 2`` or ``noise`` is negative.
    """
    n = require_count("make_moons: n", n, low=2)
    noise = _check_noise(noise, "make_moons")
    rng = random.Random(seed)
    outer, inner = n // 2, n - n // 2
    points = [([math.cos(a), math.sin(a)], 0) for a in _spaced(outer, 0.0, math.pi)]
    points += [([1.0 - math.cos(a), 0.5 - math.sin(a)], 1) for a in _spaced(inner, 0.0, math.pi)]
    rng.shuffle(points)
    X = [[x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)] for (x1, x2), _ in points]
    return X, [label for _, label in points]


def make_spirals(
    n: int = 300, classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """Interleaved spiral arms, one per class: a problem no linear model can solve.

    The construction of Stanford CS231n's "Neural Networks Case Study": for class ``j``, point
    ``i`` of its ``m`` has radius ``r = i / (m - 1)`` and angle ``4 j + 4 r`` plus Gaussian noise
    of standard deviation ``noise``, at ``(r sin t, r cos t)``. The ``n`` points are shared
    between the classes as evenly as possible (the first ``n % classes`` classes get one more)
    and returned shuffled.

    Args:
        n: the total number of points (at least ``classes``).
        classes: the number of arms (at least 2).
        noise: the standard deviation of the angle noise.
        seed: the random seed; ``None`` draws a fresh one.

    Returns:
        ``(X, y)``: ``n`` points ``[x1, x2]`` and labels ``0 .. classes - 1``.

    Raises:
        ValueError: an argument is out of range.
    """
    classes = require_count("make_spirals: classes", classes, low=2)
    n = require_count("make_spirals: n", n, low=classes)
    noise = _check_noise(noise, "make_spirals")
    rng = random.Random(seed)
    points: list[tuple[list[float], int]] = []
    for label in range(classes):
        count = n // classes + (1 if label < n % classes else 0)
        for radius in _spaced(count, 0.0, 1.0):
            angle = 4.0 * label + 4.0 * radius + rng.gauss(0.0, noise)
            points.append(([radius * math.sin(angle), radius * math.cos(angle)], label))
    rng.shuffle(points)
    return [point for point, _ in points], [label for _, label in points]


def load_digits(
    *, scale: bool = True, images: bool = False
) -> tuple[list[Any], list[int]]:
    """The 1,797 8x8 handwritten digits of scikit-learn (UCI ML hand-written digits), as lists.

    Args:
        scale: divide the pixel values (0 to 16) by 16, giving numbers in [0, 1].
        images: return each sample as an image ``[[row, ...]]`` of one channel (8 rows of 8) for
            ``Conv2d``, instead of a flat list of 64 numbers.

    Returns:
        ``(X, y)`` with labels 0 to 9.

    Raises:
        ImportError: scikit-learn is not installed; the message names the extra to install.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, which holds the digits data: "
            "pip install 'chainrule[notebooks]' (from a checkout: pip install -e "
            "'.[notebooks]'; or just: pip install scikit-learn)"
        ) from None
    bunch = sklearn_digits()
    divisor = 16.0 if scale else 1.0
    X: list[Any] = []
    for row in bunch.data.tolist():
        pixels = [float(pixel) / divisor for pixel in row]
        X.append([[pixels[r * 8 : r * 8 + 8] for r in range(8)]] if images else pixels)
    return X, [int(label) for label in bunch.target.tolist()]


# -------------------------------------------------------------------------------------- IDX / MNIST

#: IDX type codes (the third byte of the magic number) and their struct formats and sizes.
IDX_TYPES = {
    0x08: ("B", 1),  # unsigned byte
    0x09: ("b", 1),  # signed byte
    0x0B: (">h", 2),  # short, big-endian
    0x0C: (">i", 4),  # int, big-endian
    0x0D: (">f", 4),  # float, big-endian
    0x0E: (">d", 8),  # double, big-endian
}


#: How many decompressed bytes the IDX reader asks for at a time: reading a gzip file in pieces
#: keeps memory proportional to what ``limit`` needs, not to what the file claims or expands to.
CHUNK = 1 << 20


def _open_stream(path: Path) -> BinaryIO:
    """``path`` opened for reading bytes, through gzip when its content starts with the gzip
    signature (whatever the file is called)."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if compressed else path.open("rb")  # type: ignore[return-value]


def _read_exactly(stream: BinaryIO, count: int, where: Path, what: str, offset: int = 0) -> bytes:
    """The next ``count`` bytes of ``stream`` (which has read ``offset`` bytes so far), read in
    chunks so that a claim in a header allocates nothing the file does not hold.

    Raises:
        ValueError: the stream ends first (a truncated file) or its gzip body is corrupt; the
            message names the file.
    """
    pieces, remaining = [], count
    try:
        while remaining > 0:
            piece = stream.read(min(remaining, CHUNK))
            if not piece:
                break
            pieces.append(piece)
            remaining -= len(piece)
    except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError
        raise ValueError(
            f"{where}: corrupt or truncated gzip file ({error}); download it again"
        ) from None
    if remaining > 0:
        raise ValueError(
            f"{where}: truncated IDX file: {what} needs {offset + count} bytes, the file has "
            f"{offset + count - remaining}; download it again"
        )
    return b"".join(pieces)


def _read_header(stream: BinaryIO, where: Path) -> tuple[int, list[int]]:
    """The type code and the shape from an IDX header.

    Raises:
        ValueError: the magic number is wrong or the header is cut short.
    """
    magic = _read_exactly(stream, 4, where, "the magic number")
    zero, type_code, dimensions = magic[0:2], magic[2], magic[3]
    if zero != b"\x00\x00" or type_code not in IDX_TYPES or dimensions == 0:
        raise ValueError(
            f"{where}: wrong magic number 0x{magic.hex()}; not an IDX file (MNIST images start "
            "with 0x00000803, labels with 0x00000801)"
        )
    sizes = _read_exactly(stream, 4 * dimensions, where, "the header", offset=4)
    return type_code, list(struct.unpack(f">{dimensions}I", sizes))


def _check_nothing_after(stream: BinaryIO, where: Path, shape: list[int]) -> None:
    """Raise when bytes follow the data (only checked when the whole file was read)."""
    try:
        extra = len(stream.read(CHUNK))
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{where}: corrupt gzip file ({error}); download it again") from None
    if extra:
        raise ValueError(
            f"{where}: corrupt IDX file: {extra}{'+' if extra == CHUNK else ''} bytes after the "
            f"data of shape {shape}"
        )


def read_idx(path: str | os.PathLike[str], limit: int | None = None) -> tuple[list[int], list[Any]]:
    """Read an IDX file (the format of MNIST), raw or gzip-compressed, streaming.

    The format (LeCun et al., http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte
    (0x08 for unsigned bytes), a byte giving the number of dimensions, then each dimension as a
    big-endian 32-bit integer, then the data in row-major order.

    Only the header and the items asked for are read (a gzip file is decompressed as it is
    read), so memory follows ``limit``, not the size of the file or what it expands to. With a
    ``limit`` below the first dimension, the rest of the file is not read, so damage after the
    items read is not noticed; without one, the whole file is checked.

    Args:
        path: the file; a gzip file is recognised by its content, whatever its name.
        limit: read only the first ``limit`` items along the first dimension.

    Returns:
        ``(shape, values)``: the dimensions (with the first cut to ``limit``) and the values as
        one flat list of numbers.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        ValueError: the magic number is wrong (not an IDX file), the file is truncated, its gzip
            body is corrupt, or it has bytes left over; the message names the file.
    """
    if limit is not None:
        limit = require_count("read_idx: limit", limit, low=0)
    where = Path(path)
    with _open_stream(where) as stream:
        type_code, shape = _read_header(stream, where)
        form, size = IDX_TYPES[type_code]
        whole = limit is None or limit >= shape[0]
        if not whole:
            shape[0] = limit  # type: ignore[assignment]  # not None: checked by `whole`
        header = 4 + 4 * len(shape)
        body = _read_exactly(stream, math.prod(shape) * size, where, f"shape {shape}", header)
        if whole:
            _check_nothing_after(stream, where, shape)
    if form == "B":
        return shape, list(body)
    return shape, [value for (value,) in struct.iter_unpack(form, body)]


def _find(directory: Path, stem: str) -> Path:
    """The file for ``stem`` (e.g. ``train-images-idx3-ubyte``) in ``directory``: the name with
    a hyphen or a dot before ``idx`` (both spellings circulate), raw or ``.gz``."""
    dotted = stem.replace("-idx", ".idx")
    candidates = [stem, stem + ".gz", dotted, dotted + ".gz"]
    for name in candidates:
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(
        f"MNIST file {stem} not found in {directory} (looked for {', '.join(candidates)}). "
        "load_mnist reads files you already have and downloads nothing: get the four IDX files "
        "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
        "t10k-labels-idx1-ubyte, raw or .gz) from a MNIST mirror into that directory"
    )


def load_mnist(
    directory: str | os.PathLike[str],
    *,
    train: bool = True,
    limit: int | None = None,
    scale: bool = True,
    images: bool = False,
) -> tuple[list[Any], list[int]]:
    """MNIST (or any data set in the same IDX layout, such as Fashion-MNIST) from local files.

    Reads ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` (or the ``t10k-`` pair with
    ``train=False``), raw or gzip-compressed, from ``directory``. Nothing is downloaded.

    A scalar engine handles a few hundred to a few thousand images in reasonable time, not
    60,000: use ``limit`` to read only the first images (and to save memory).

    Args:
        directory: the folder holding the files.
        train: the 60,000 training images (True) or the 10,000 test images (False).
        limit: read only the first ``limit`` images and labels.
        scale: divide the pixel values (0 to 255) by 255, giving numbers in [0, 1].
        images: return each image as ``[[row, ...]]`` (one channel of 28 rows of 28) for
            ``Conv2d``, instead of a flat list of 784 numbers.

    Returns:
        ``(X, y)`` with labels 0 to 9.

    Raises:
        FileNotFoundError: a file is missing; the message lists the names looked for.
        ValueError: a file has the wrong magic number, is truncated, the images are not
            three-dimensional, or images and labels differ in number.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise FileNotFoundError(f"load_mnist: {folder} is not a directory")
    prefix = "train" if train else "t10k"
    image_path = _find(folder, f"{prefix}-images-idx3-ubyte")
    label_path = _find(folder, f"{prefix}-labels-idx1-ubyte")
    shape, pixels = read_idx(image_path, limit)
    label_shape, labels = read_idx(label_path, limit)
    if len(shape) != 3:
        raise ValueError(
            f"{image_path}: expected 3 dimensions (images, rows, columns), got {shape}"
        )
    if len(label_shape) != 1:
        raise ValueError(f"{label_path}: expected 1 dimension (labels), got {label_shape}")
    count, rows, columns = shape
    if label_shape[0] != count:
        raise ValueError(
            f"{image_path.name} holds {count} images but {label_path.name} holds "
            f"{label_shape[0]} labels; the files do not belong together"
        )
    divisor = 255.0 if scale else 1.0
    size = rows * columns
    X: list[Any] = []
    for index in range(count):
        flat = [pixel / divisor for pixel in pixels[index * size : (index + 1) * size]]
        X.append([[flat[r * columns : (r + 1) * columns] for r in range(rows)]] if images else flat)
    return X, [int(label) for label in labels]


# -------------------------------------------------------------------------------------- splitting


def train_test_split(
    X: Sequence[Sample], y: Sequence[Label], test_fraction: float = 0.25, seed: int | None = 0
) -> tuple[list[Sample], list[Sample], list[Label], list[Label]]:
    """Shuffle the samples (seeded) and hold out ``ceil(test_fraction * n)`` of them for testing.

    Args:
        X: the samples.
        y: their labels, as many as samples.
        test_fraction: the share of samples held out, strictly between 0 and 1.
        seed: the random seed of the shuffle; ``None`` draws a fresh one.

    Returns:
        ``(X_train, X_test, y_train, y_test)``, in scikit-learn's order.

    Raises:
        ValueError: lengths differ, the fraction is out of range, or a part would be empty.
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} samples but {len(y)} labels")
    if not (is_real(test_fraction) and 0.0 < test_fraction < 1.0):
        raise ValueError(
            f"train_test_split: test_fraction must be strictly between 0 and 1, got "
            f"{test_fraction!r}"
        )
    tested = math.ceil(test_fraction * len(X))
    if tested >= len(X):
        raise ValueError(
            f"train_test_split: holding out {tested} of {len(X)} samples leaves none to train on"
        )
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    test, train = order[:tested], order[tested:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def batches(
    X: Sequence[Sample],
    y: Sequence[Label],
    batch_size: int,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    rng: random.Random | None = None,
) -> Iterator[tuple[list[Sample], list[Label]]]:
    """Mini-batches ``(X_batch, y_batch)`` covering every sample once (one epoch).

    The last batch is smaller when ``batch_size`` does not divide the number of samples. To get
    a different, reproducible order each epoch, pass one ``random.Random`` as ``rng`` to every
    call; ``seed`` gives the same order on every call.

    Args:
        X: the samples.
        y: their labels, as many as samples.
        batch_size: the number of samples per batch.
        shuffle: visit the samples in a random order (False keeps their order).
        seed: the seed of the shuffle when no ``rng`` is given (``None``: a fresh seed).
        rng: the random generator to shuffle with.

    Raises:
        ValueError: lengths differ, ``batch_size`` is not positive, or both ``seed`` and
            ``rng`` were given.
    """
    if len(X) != len(y):
        raise ValueError(f"batches: {len(X)} samples but {len(y)} labels")
    batch_size = require_count("batches: batch_size", batch_size)
    if seed is not None and rng is not None:
        raise ValueError("batches: give either seed= or rng=, not both")
    order = list(range(len(X)))
    if shuffle:
        (rng or random.Random(seed)).shuffle(order)
    return _batches(X, y, order, batch_size)  # checked now, not at the first next()


def _batches(
    X: Sequence[Sample], y: Sequence[Label], order: list[int], batch_size: int
) -> Iterator[tuple[list[Sample], list[Label]]]:
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        yield [X[i] for i in chosen], [y[i] for i in chosen]


# ------------------------------------------------------------------------------------ sequences
def sine_wave(
    n: int = 1000, noise: float = 0.05, seed: int | None = 0, *, train: bool = True
) -> tuple[list[list[float]], list[float]]:
    """The noisy sine wave of DeZero's recurrent-network steps, as next-value pairs.

    ``n`` points ``y_t`` at ``x_t`` evenly spaced over [0, 2 pi]: ``sin(x_t)`` plus noise drawn
    uniformly from [-noise, noise] for training, or the clean ``cos(x_t)`` for testing (a
    shifted wave the model never saw), as in "Deep Learning from Scratch 3" (its ``SinCurve``).
    The task is to predict ``y_{t+1}`` from ``y_0 .. y_t``.

    Args:
        n: the number of points (at least 2); there are ``n - 1`` pairs.
        noise: the half-width of the uniform noise (ignored for the test wave).
        seed: the random seed of the noise; ``None`` draws a fresh one.
        train: the noisy sine (True) or the clean cosine (False).

    Returns:
        ``(X, y)``: ``X[t] = [y_t]`` (one feature per step), ``y[t] = y_{t+1}``.

    Raises:
        ValueError: ``n < 2`` or ``noise`` is negative.
    """
    require_count("sine_wave: n", n, low=2)
    _check_noise(noise, "sine_wave")
    rng = random.Random(seed)
    angles = _spaced(n, 0.0, 2.0 * math.pi)
    if train:
        wave = [math.sin(angle) + rng.uniform(-noise, noise) for angle in angles]
    else:
        wave = [math.cos(angle) for angle in angles]
    return [[point] for point in wave[:-1]], wave[1:]


def windows(
    X: Sequence[Sample],
    y: Sequence[Label],
    length: int,
    stride: int | None = None,
    *,
    drop_last: bool = False,
) -> list[tuple[list[Sample], list[Label]]]:
    """Cut a sequence into windows for truncated backpropagation through time.

    Window ``k`` starts at step ``k * stride`` and holds up to ``length`` steps, in order. With
    the default ``stride = length`` the windows follow each other without overlap, so a model
    that carries its state from one window to the next (detached between them) sees the whole
    sequence once per epoch; a ``stride`` below ``length`` gives overlapping sliding windows.

    Args:
        X: the inputs, one per step.
        y: the targets, one per step.
        length: the most steps in a window.
        stride: the steps from one window's start to the next (default ``length``).
        drop_last: drop the windows shorter than ``length`` at the end of the sequence.

    Returns:
        ``[(X_window, y_window), ...]``.

    Raises:
        ValueError: lengths differ, or ``length`` or ``stride`` is not a positive integer.
    """
    if len(X) != len(y):
        raise ValueError(f"windows: {len(X)} inputs but {len(y)} targets")
    require_count("windows: length", length)
    step = length if stride is None else stride
    require_count("windows: stride", step)
    found = []
    for start in range(0, len(X), step):
        end = min(start + length, len(X))
        if drop_last and end - start < length:
            break
        found.append((list(X[start:end]), list(y[start:end])))
    return found

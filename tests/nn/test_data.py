"""nn.data: toy data sets, IDX/MNIST reading from files the tests write (large gzip files read in
little memory, corrupt and truncated ones refused by name), splitting, batches."""

from __future__ import annotations

import gzip
import math
import struct
import sys
from collections import Counter
from pathlib import Path

import pytest
from memory import traced_peak

import nn
from nn import data

# ------------------------------------------------------------------------------ toy data sets


def test_xor_is_the_four_points_with_zero_one_targets():
    X, y = data.xor()
    assert X == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert y == [0, 1, 1, 0]


def test_make_moons_has_n_points_of_two_coordinates_split_evenly():
    X, y = data.make_moons(100, noise=0.1, seed=1)
    assert len(X) == len(y) == 100
    assert all(len(point) == 2 for point in X)
    assert Counter(y) == {0: 50, 1: 50}


def test_make_moons_gives_the_odd_point_to_the_inner_moon():
    # like scikit-learn: n_samples_out = n // 2 = 3, n_samples_in = n - 3 = 4
    assert Counter(data.make_moons(7)[1]) == {0: 3, 1: 4}


def test_make_moons_without_noise_lies_on_the_two_half_circles():
    X, y = data.make_moons(40, noise=0.0)
    for (x1, x2), label in zip(X, y, strict=True):
        if label == 0:  # outer: (cos a, sin a), a in [0, pi]
            assert math.hypot(x1, x2) == pytest.approx(1.0)
            assert x2 >= -1e-12
        else:  # inner: (1 - cos a, 0.5 - sin a)
            assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0)
            assert x2 <= 0.5 + 1e-12


def test_make_moons_is_deterministic_for_a_seed():
    assert data.make_moons(50, noise=0.2, seed=3) == data.make_moons(50, noise=0.2, seed=3)
    assert data.make_moons(50, noise=0.2, seed=3) != data.make_moons(50, noise=0.2, seed=4)


def test_make_moons_rejects_negative_noise():
    with pytest.raises(ValueError, match="noise"):
        data.make_moons(10, noise=-0.1)


def test_make_spirals_shares_points_between_classes_evenly():
    X, y = data.make_spirals(301, classes=3, seed=0)
    assert len(X) == 301 and all(len(point) == 2 for point in X)
    assert Counter(y) == {0: 101, 1: 100, 2: 100}


def test_make_spirals_radii_run_from_0_to_1():
    X, _ = data.make_spirals(90, classes=3, noise=0.0)
    radii = sorted(math.hypot(x1, x2) for x1, x2 in X)
    assert radii[0] == pytest.approx(0.0) and radii[-1] == pytest.approx(1.0)


def test_make_spirals_is_deterministic_for_a_seed():
    assert data.make_spirals(60, classes=2, seed=5) == data.make_spirals(60, classes=2, seed=5)
    assert data.make_spirals(60, classes=2, seed=5) != data.make_spirals(60, classes=2, seed=6)


def test_load_digits_returns_1797_scaled_samples_of_64_pixels():
    X, y = data.load_digits()
    assert len(X) == len(y) == 1797  # the size of the UCI test set kept by scikit-learn
    assert all(len(sample) == 64 for sample in X[:20])
    assert min(min(sample) for sample in X) == 0.0 and max(max(sample) for sample in X) == 1.0
    assert set(y) == set(range(10))


def test_load_digits_as_images_gives_one_channel_of_8_rows_of_8():
    X, _ = data.load_digits(images=True, scale=False)
    flat, _ = data.load_digits(scale=False)
    assert len(X[0]) == 1 and len(X[0][0]) == 8 and all(len(row) == 8 for row in X[0][0])
    assert [pixel for row in X[0][0] for pixel in row] == flat[0]


def test_load_digits_without_scikit_learn_names_the_extra(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"chainrule\[notebooks\]"):
        data.load_digits()


# ------------------------------------------------------------------------------ IDX and MNIST

# Three 2x3 "images" with pixel values chosen by hand, and their labels.
PIXELS = [[0, 255, 128, 1, 2, 3], [10, 20, 30, 40, 50, 60], [255, 0, 255, 0, 255, 0]]
LABELS = [7, 0, 9]


def idx_images(pixels: list[list[int]], rows: int = 2, columns: int = 3) -> bytes:
    """An IDX image file written from the format description: magic 0x00000803, 3 sizes."""
    header = struct.pack(">IIII", 0x00000803, len(pixels), rows, columns)
    return header + bytes(value for image in pixels for value in image)


def idx_labels(labels: list[int]) -> bytes:
    """An IDX label file: magic 0x00000801, one size, one byte per label."""
    return struct.pack(">II", 0x00000801, len(labels)) + bytes(labels)


def write_mnist(folder: Path, prefix: str = "train", compress: bool = False) -> None:
    for stem, content in (
        (f"{prefix}-images-idx3-ubyte", idx_images(PIXELS)),
        (f"{prefix}-labels-idx1-ubyte", idx_labels(LABELS)),
    ):
        if compress:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / stem).write_bytes(content)


def test_load_mnist_reads_back_the_images_and_labels_written(tmp_path: Path):
    write_mnist(tmp_path)
    images, labels = data.load_mnist(tmp_path, scale=False)
    assert images == [[float(v) for v in image] for image in PIXELS]
    assert labels == LABELS


def test_load_mnist_scales_pixels_to_0_1_by_default(tmp_path: Path):
    write_mnist(tmp_path)
    X, _ = data.load_mnist(tmp_path)
    assert X[0] == pytest.approx([0.0, 1.0, 128 / 255, 1 / 255, 2 / 255, 3 / 255])


def test_load_mnist_reads_gzip_files(tmp_path: Path):
    write_mnist(tmp_path, compress=True)
    X, y = data.load_mnist(tmp_path, scale=False)
    assert X[2] == [255.0, 0.0, 255.0, 0.0, 255.0, 0.0]
    assert y == LABELS


def test_load_mnist_reads_the_test_files(tmp_path: Path):
    write_mnist(tmp_path, prefix="t10k")
    assert data.load_mnist(tmp_path, train=False)[1] == LABELS


def test_load_mnist_accepts_the_dotted_file_names(tmp_path: Path):
    (tmp_path / "train-images.idx3-ubyte").write_bytes(idx_images(PIXELS))
    (tmp_path / "train-labels.idx1-ubyte").write_bytes(idx_labels(LABELS))
    assert data.load_mnist(tmp_path)[1] == LABELS


def test_load_mnist_as_images_nests_rows(tmp_path: Path):
    write_mnist(tmp_path)
    X, _ = data.load_mnist(tmp_path, images=True, scale=False)
    assert X[1] == [[[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]]


def test_load_mnist_limit_reads_only_the_first_images(tmp_path: Path):
    write_mnist(tmp_path)
    X, y = data.load_mnist(tmp_path, limit=2, scale=False)
    assert len(X) == 2 and y == [7, 0]


def test_load_mnist_missing_file_names_it_and_says_nothing_is_downloaded(tmp_path: Path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_images(PIXELS))
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte.*downloads nothing"):
        data.load_mnist(tmp_path)


def test_load_mnist_rejects_a_wrong_magic_number(tmp_path: Path):
    write_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(ValueError, match="wrong magic number 0x504b0304"):
        data.load_mnist(tmp_path)


def test_load_mnist_rejects_a_truncated_image_file(tmp_path: Path):
    write_mnist(tmp_path)
    whole = idx_images(PIXELS)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(whole[:-1])
    with pytest.raises(ValueError, match="truncated IDX file.*needs 34 bytes, the file has 33"):
        data.load_mnist(tmp_path)


def test_load_mnist_rejects_a_truncated_header(tmp_path: Path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_labels(LABELS)[:6])
    with pytest.raises(ValueError, match="truncated IDX file: the header"):
        data.load_mnist(tmp_path)


def test_load_mnist_rejects_a_truncated_gzip_file(tmp_path: Path):
    write_mnist(tmp_path)
    packed = gzip.compress(idx_images(PIXELS))
    (tmp_path / "train-images-idx3-ubyte").unlink()
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="truncated"):
        data.load_mnist(tmp_path)


def test_load_mnist_rejects_images_and_labels_of_different_counts(tmp_path: Path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_labels([1, 2]))
    with pytest.raises(ValueError, match="3 images but .* 2 labels"):
        data.load_mnist(tmp_path)


def test_read_idx_decodes_big_endian_integers(tmp_path: Path):
    path = tmp_path / "ints.idx"
    path.write_bytes(struct.pack(">BBBBI", 0, 0, 0x0C, 1, 2) + struct.pack(">ii", -5, 70000))
    assert data.read_idx(path) == ([2], [-5, 70000])


# ------------------------------------------------------------------------------ split, batches


def test_train_test_split_holds_out_the_ceiling_of_the_fraction():
    X = [[float(i)] for i in range(10)]
    y = list(range(10))
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_fraction=0.25, seed=0)
    assert (len(X_train), len(X_test)) == (7, 3)  # ceil(2.5) = 3
    assert sorted(y_train + y_test) == y
    assert all(X[label] == sample for sample, label in zip(X_test, y_test, strict=True))


def test_train_test_split_is_deterministic_for_a_seed():
    X, y = data.make_moons(30)
    assert data.train_test_split(X, y, 0.3, seed=2) == data.train_test_split(X, y, 0.3, seed=2)


def test_train_test_split_rejects_a_fraction_of_one():
    with pytest.raises(ValueError, match="between 0 and 1"):
        data.train_test_split([[0.0], [1.0]], [0, 1], test_fraction=1.0)


def test_batches_cover_every_sample_once_with_a_smaller_last_batch():
    X = [[float(i)] for i in range(10)]
    y = list(range(10))
    chunks = list(data.batches(X, y, 4, seed=0))
    assert [len(labels) for _, labels in chunks] == [4, 4, 2]
    assert sorted(label for _, labels in chunks for label in labels) == y
    pairs = [pair for xs, ys in chunks for pair in zip(xs, ys, strict=True)]
    assert all(X[label] == sample for sample, label in pairs)


def test_batches_without_shuffle_keep_the_order():
    y = list(range(5))
    assert [labels for _, labels in data.batches(y, y, 2, shuffle=False)] == [[0, 1], [2, 3], [4]]


def test_batches_with_a_seed_repeat_and_with_a_shared_rng_vary_between_epochs():
    import random

    y = list(range(20))
    first = [labels for _, labels in data.batches(y, y, 5, seed=1)]
    assert first == [labels for _, labels in data.batches(y, y, 5, seed=1)]
    rng = random.Random(1)
    epoch_one = [labels for _, labels in data.batches(y, y, 5, rng=rng)]
    epoch_two = [labels for _, labels in data.batches(y, y, 5, rng=rng)]
    assert epoch_one == first and epoch_two != epoch_one


def test_batches_rejects_a_zero_batch_size_at_the_call():
    with pytest.raises(ValueError, match="batch_size"):
        data.batches([1], [1], 0)


def test_read_idx_rejects_bytes_after_the_data(tmp_path: Path):
    path = tmp_path / "labels.idx"
    path.write_bytes(idx_labels(LABELS) + b"\x00")
    with pytest.raises(ValueError, match="1 bytes after the data"):
        data.read_idx(path)






def gzip_members_of_zeros(path: Path, header: bytes, mebibytes: int) -> None:
    """A gzip file whose content is ``header`` then ``mebibytes`` MiB of zeros, written as one
    member per MiB (RFC 1952 allows many members; their contents are concatenated), so a file
    expanding to hundreds of MiB takes milliseconds to write."""
    block = gzip.compress(bytes(1 << 20))
    with path.open("wb") as stream:
        stream.write(gzip.compress(header))
        for _ in range(mebibytes):
            stream.write(block)


def idx_header(type_code: int, *shape: int) -> bytes:
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


#: 262,144 images of 28 x 28 bytes are exactly 196 MiB (262,144 * 784 = 196 * 2**20).
LARGE_COUNT, LARGE_MEBIBYTES = 262_144, 196


#: Reading one image may take one read chunk (1 MiB) and small change, nowhere near 196 MiB.
STREAMING_BOUND = 4 << 20


def test_read_idx_with_a_limit_decompresses_only_what_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "images.gz"
    gzip_members_of_zeros(path, idx_header(0x08, LARGE_COUNT, 28, 28), LARGE_MEBIBYTES)
    (shape, values), peak = traced_peak(lambda: nn.data.read_idx(path, limit=1))
    assert shape == [1, 28, 28]
    assert values == [0] * 784
    assert peak < STREAMING_BOUND


def test_load_mnist_with_a_limit_reads_large_gzip_files_in_little_memory(tmp_path: Path) -> None:
    gzip_members_of_zeros(tmp_path / "train-images-idx3-ubyte.gz",
                          idx_header(0x08, LARGE_COUNT, 28, 28), LARGE_MEBIBYTES)
    labels = idx_header(0x08, LARGE_COUNT) + bytes(range(10)) * (LARGE_COUNT // 10) + bytes(4)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    (X, y), peak = traced_peak(lambda: nn.data.load_mnist(tmp_path, limit=3))
    assert y == [0, 1, 2]
    assert [len(image) for image in X] == [784] * 3
    assert peak < STREAMING_BOUND


#: A gzip header (RFC 1952: magic, deflate, no flags, no time, no extra flags, unknown OS)
#: followed by a deflate block of the reserved type 3 (RFC 1951 3.2.3: BFINAL=1, BTYPE=11),
#: which zlib refuses as "invalid block type".
CORRUPT_GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\x07" + bytes(40)


def test_a_corrupt_gzip_body_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(CORRUPT_GZIP)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz: corrupt or truncated "
                                         "gzip file"):
        nn.data.read_idx(path)


def test_a_gzip_file_cut_inside_the_items_asked_for_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "labels.gz"
    packed = gzip.compress(idx_header(0x08, 1000) + bytes(1000))
    path.write_bytes(packed[: len(packed) - 12])  # the trailer and the last compressed bytes
    with pytest.raises(ValueError, match=r"labels\.gz: corrupt or truncated gzip file"):
        nn.data.read_idx(path, limit=1000)


def test_a_header_claiming_more_items_than_the_file_holds_is_refused_by_length(
    tmp_path: Path
) -> None:
    # 4 bytes of magic number, 4 of size, then 3 of the 4,000,000,000 labels claimed
    path = tmp_path / "labels"
    path.write_bytes(idx_header(0x08, 4_000_000_000) + bytes(3))
    with pytest.raises(ValueError, match="needs 4000000008 bytes, the file has 11"):
        nn.data.read_idx(path)

"""`make demo`: the main job. Grows with the project; for now a few Values and their gradients."""

from autograd import Value


def main() -> None:
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    b = Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.label = "y"
    y.backward()
    print(f"y = tanh(w*x + b) = {y.data:.6f}")
    for leaf in (x, w, b):
        print(f"dy/d{leaf.label} = {leaf.grad:.6f}")


if __name__ == "__main__":
    main()

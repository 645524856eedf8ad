#!/usr/bin/python3
"""Writes tests/fixtures/explain_golden.txt: random expressions in explain's language, with the
values of their names and PyTorch's float64 gradients of each name that has one.

tests/test_explain.cpp builds each expression with explain's parser on the scalar engine, runs
backward under a BackwardTrace and checks that the gradients shown by the trace equal
backward()'s and PyTorch's. The fixture is committed, so the tests never need PyTorch; run this
again only to change the cases:

    /usr/bin/python3 tests/golden/golden_explain.py            # Debian's python3-torch

Expressions are drawn so that every value stays in its op's domain (log and division of
positive quantities, relu away from 0) and every op of the language appears.
Line format:  <expression> | name=value:role ... | name=grad ...
"""

import random
import sys

import torch

from fixtures import FIXTURES

torch.set_default_dtype(torch.float64)

NAMES = ["w", "x", "b", "v"]
ROLES = {"w": "param", "x": "input", "b": "param", "v": "const"}


def leaf(rng, values):
    if rng.random() < 0.2:
        c = round(rng.uniform(0.5, 2.0), 3)
        return str(c), torch.tensor(c)
    n = rng.choice(NAMES)
    return n, values[n]


def atomic(text):
    """True for a name, a number or a function call: text that needs no parentheses as an operand."""
    if text.replace(".", "").replace("_", "").isalnum():
        return True
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1 and ch == ")":
            return False
    return text.endswith(")") and text.split("(", 1)[0].isalpha() and text[0].isalpha()


def draw(rng, values, depth):
    """An expression (text, tensor) of the given depth; operands parenthesised unless atomic, so the
    text means what the PyTorch expression computes."""
    if depth == 0:
        return leaf(rng, values)
    kind = rng.randrange(12)
    at, a = draw(rng, values, depth - 1)
    at = at if atomic(at) else f"({at})"
    if kind <= 4:
        bt, b = draw(rng, values, depth - 1)
        bt = bt if atomic(bt) else f"({bt})"
        if kind == 0:
            return f"{at} + {bt}", a + b
        if kind == 1:
            return f"{at} - {bt}", a - b
        if kind == 2:
            return f"{at}*{bt}", a * b
        if kind == 3:  # a positive denominator
            return f"{at}/({bt}^2 + 0.5)", a / (b**2 + 0.5)
        # a positive base to a power that is an expression (binary pow)
        return f"({at}^2 + 1)^(0.3*{bt})", (a**2 + 1) ** (0.3 * b)
    if kind == 5:
        return f"-{at}", -a
    if kind == 6:
        return f"exp(0.2*{at})", torch.exp(0.2 * a)
    if kind == 7:
        return f"log({at}^2 + 1)", torch.log(a**2 + 1)
    if kind == 8:
        return f"tanh({at})", torch.tanh(a)
    if kind == 9:
        return f"sigmoid({at})", torch.sigmoid(a)
    if kind == 10:
        # relu of a quantity kept away from 0: +1.5 or -1.5 beside a tanh
        shift = rng.choice([1.5, -1.5])
        return f"relu(tanh({at}) + {shift})", torch.relu(torch.tanh(a) + shift)
    return f"{at}^3", a**3


def main():
    rng = random.Random(20261203)
    lines = [
        "# explain's random expressions and PyTorch's float64 gradients (tests/golden/golden_explain.py)",
        "# <expression> | name=value:role ... | name=grad ...   (const names have no gradient)",
    ]
    cases = 0
    while cases < 60:
        values = {n: torch.tensor(round(rng.uniform(-1.5, 1.5), 4), requires_grad=ROLES[n] != "const") for n in NAMES}
        text, out = draw(rng, values, rng.randrange(2, 5))
        used = [n for n in NAMES if any(tok == n for tok in tokens(text))]
        if not any(ROLES[n] != "const" for n in used):
            continue
        out.backward()
        binding = " ".join(f"{n}={values[n].item()!r}:{ROLES[n]}" for n in used)
        grads = " ".join(
            f"{n}={(values[n].grad.item() if values[n].grad is not None else 0.0)!r}" for n in used if ROLES[n] != "const"
        )
        lines.append(f"{text} | {binding} | {grads}")
        cases += 1
    path = FIXTURES / "explain_golden.txt" if len(sys.argv) < 2 else sys.argv[1]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {cases} cases to {path}")


def tokens(text):
    word, out = "", []
    for ch in text + " ":
        if ch.isalnum() or ch == "_" or ch == ".":
            word += ch
        else:
            if word:
                out.append(word)
            word = ""
    return out


if __name__ == "__main__":
    main()

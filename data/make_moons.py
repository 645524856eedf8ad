#!/usr/bin/env python3
"""Writes data/moons.csv: the 100 points of the micrograd moons demo (workload W1 in DESIGN.md).

scikit-learn's make_moons(n_samples=100, noise=0.1, random_state=1), labels 0/1, in the layout
nn::load_csv reads: a header "100,2,upper,lower" (class 0 is the upper moon), then x,y,label rows. The C++ programs read this
file instead of re-implementing make_moons, so they train on exactly the points micrograd does.
usage: /usr/bin/python3 data/make_moons.py [OUT]   (needs python3-sklearn)
"""
import sys
from sklearn.datasets import make_moons

out = sys.argv[1] if len(sys.argv) > 1 else 'data/moons.csv'
X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
with open(out, 'w') as f:
    f.write('100,2,upper,lower\n')
    for (a, b), label in zip(X, y):
        f.write(f'{a!r},{b!r},{label}\n')
print(f'wrote {out}')

#!/usr/bin/env python3
"""Draws docs/benchmarks.svg: Backprop's speed against each peer, per workload, from the RESULT lines
the benchmark scripts print (bench/bench_w1t.sh, bench_w2.sh, bench_w3_dist.sh, bench_w4.sh, bench_w5.sh), so that the picture is
redrawn from their output and never edited by hand.

usage: bench/plot_ratios.py OUTPUT.svg FILE...   (each FILE a saved output of a benchmark script)

A RESULT line: RESULT <workload> [batch=B] threads=T peer=NAME peer_s=S backprop_s=S ratio=R [...].
Bars are the ratio (how many times faster than the peer), on a log axis, with the goal drawn
where the workload has one."""
import math
import sys
from xml.sax.saxutils import escape

GOALS = {("W1t", None): 20.0, ("W2", "16"): 3.0, ("W2", "64"): 2.5, ("W2", "256"): 1.5, ("W4-rprop", None): 2.0,
         ("W4-sgd", None): 2.0, ("W5", "64"): 1.5, ("W3-2-ranks-vs-1", None): 1.7}


def read(paths):
    rows = []
    for path in paths:
        for line in open(path):
            if not line.startswith("RESULT "):
                continue
            words = line.split()
            fields = dict(w.split("=", 1) for w in words[2:] if "=" in w)
            if "ratio" in fields:  # against a peer; bench_ops' lines (ops-tiny: multiples of add's) are not
                rows.append((words[1], fields))
    return rows


def label(workload, f):
    text = workload
    if "batch" in f:
        text += f" batch {f['batch']}"
    t = f.get("threads", "1")
    return text + f", {t} thread{'s' if t != '1' else ''}"


def draw(rows, out):
    width, bar_h, gap, left, right, top = 760, 22, 8, 230, 60, 40
    height = top + len(rows) * (bar_h + gap) + 50
    lo, hi = 0.5, max(50.0, max(float(f["ratio"]) for _, f in rows) * 1.3)
    scale = (width - left - right) / (math.log10(hi) - math.log10(lo))
    x_of = lambda r: left + (math.log10(r) - math.log10(lo)) * scale
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14">How many times faster than the peer (log scale; | marks the goal)</text>']
    for tick in (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000):
        if lo <= tick <= hi:
            x = x_of(tick)
            svg.append(f'<line x1="{x:.1f}" y1="{top - 5}" x2="{x:.1f}" y2="{height - 40}" stroke="#ddd"/>')
            svg.append(f'<text x="{x:.1f}" y="{height - 25}" text-anchor="middle">{tick:g}x</text>')
    x1 = x_of(1)
    for i, (workload, f) in enumerate(rows):
        y = top + i * (bar_h + gap)
        ratio = float(f["ratio"])
        goal = GOALS.get((workload, f.get("batch")))
        met = goal is None or ratio >= goal
        colour = "#3a7bd5" if met else "#d5663a"
        x = x_of(ratio)
        svg.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end">'
                   f'{escape(label(workload, f))} vs {escape(f["peer"])}</text>')
        svg.append(f'<rect x="{min(x1, x):.1f}" y="{y}" width="{abs(x - x1):.1f}" height="{bar_h}" fill="{colour}"/>')
        svg.append(f'<text x="{max(x1, x) + 4:.1f}" y="{y + bar_h * 0.7:.1f}">{ratio:.2f}x</text>')
        if goal is not None:
            gx = x_of(goal)
            svg.append(f'<line x1="{gx:.1f}" y1="{y - 2}" x2="{gx:.1f}" y2="{y + bar_h + 2}" stroke="black" stroke-width="2"/>')
    svg.append(f'<line x1="{x1:.1f}" y1="{top - 5}" x2="{x1:.1f}" y2="{height - 40}" stroke="black"/>')
    svg.append("</svg>")
    tmp = out + ".tmp"
    with open(tmp, "w") as fh:
        fh.write("\n".join(svg) + "\n")
    import os
    os.replace(tmp, out)


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2)
    rows = read(sys.argv[2:])
    if not rows:
        sys.exit(f"plot_ratios: no RESULT lines in {', '.join(sys.argv[2:])}")
    draw(rows, sys.argv[1])
    print(f"plot_ratios: {len(rows)} results drawn to {sys.argv[1]}")


if __name__ == "__main__":
    main()

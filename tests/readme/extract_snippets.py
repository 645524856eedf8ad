#!/usr/bin/env python3
"""Makes every ```cpp block of README.md a translation unit, so that a stale example fails the
build instead of misleading a reader. Run by tests/readme/CMakeLists.txt at configure time (and
again whenever README.md changes):

    extract_snippets.py README.md OUT_DIR

The rules, for whoever writes the README:
- A block with `int main` is a whole program and compiles as it is. It is also run by CTest, and
  when the README shows what it prints (the next block, untyped, after prose ending in
  "prints"), its standard output must be exactly that.
- Any other block is a fragment: its #include lines go to the top of the file, the rest becomes
  the body of a function. Fragments are compiled and linked (so every name they use must exist
  and be defined) but never run: they train on data sets and write files.
- A fragment may use the names of the fragment before it when the line above its fence is
  `<!-- continues the previous snippet -->`, invisible on the rendered page: it is then compiled
  after that fragment, in the same function (chains may be longer). Say so in the prose too,
  for the reader.
Each body line keeps its README line number (#line), so a compiler error points into README.md.

Writes OUT_DIR/<name>.cpp for every block, OUT_DIR/<name>.expected for a program's shown
output, and OUT_DIR/snippets.cmake, which sets README_PROGRAMS and README_FRAGMENTS (names) for
the CMake side. Files whose content is unchanged are left alone, so a rerun rebuilds nothing."""
import pathlib
import re
import sys

CONTINUES = re.compile(r"^<!--\s*continues the previous snippet\s*-->$")
FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")
MAIN = re.compile(r"\bint\s+main\s*\(")


def fail(readme, line, message):
    sys.exit(f"{readme}:{line}: {message}")


def blocks(readme, lines):
    """The fenced blocks as dicts: lang, first (1-based line of the first content line), text
    (content lines), section (the last ## heading), before (prose lines since the previous
    block's closing fence) and continues (the marker line above the fence)."""
    section, prose, result, i = "", [], [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].startswith("## "):
                section = lines[i][3:].strip()
            prose.append(lines[i])
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            i += 1
        if i == len(lines):
            fail(readme, start + 1, "unclosed code block")
        marker = next((p.strip() for p in reversed(prose) if p.strip()), "")
        result.append({"lang": m.group(1), "first": start + 2, "text": lines[start + 1:i],
                       "section": section, "before": prose,
                       "continues": bool(CONTINUES.match(marker))})
        prose = []
        i += 1
    return result


def slug(title):
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or "top"


def numbered(readme, lines):
    """(README line number, text) pairs as source lines, each run of consecutive README lines led
    by a #line directive naming its first line."""
    out, expected = [], None
    for n, line in lines:
        if n != expected:
            out.append(f'#line {n} "{readme}"')
        out.append(line)
        expected = n + 1
    return out


def write_if_changed(path, text):
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def main(readme_arg, out_arg):
    readme = pathlib.Path(readme_arg).resolve()
    out = pathlib.Path(out_arg)
    out.mkdir(parents=True, exist_ok=True)
    all_blocks = blocks(readme, readme.read_text().splitlines())
    header = f"// Generated from {readme} by {pathlib.Path(__file__).name}: edit README.md, not this file.\n"
    programs, fragments, written = [], [], set()
    chain = []  # the fragments the next one continues: (first line, text)
    names = {}
    for k, b in enumerate(all_blocks):
        if b["lang"] != "cpp":
            continue
        base = slug(b["section"])
        names[base] = names.get(base, 0) + 1
        name = f"readme_{base}" + (f"_{names[base]}" if names[base] > 1 else "")
        if MAIN.search("\n".join(b["text"])):
            if b["continues"]:
                fail(readme, b["first"] - 1, "a whole program cannot continue another snippet")
            source = header + "// A whole program, compiled as it is.\n" + "\n".join(
                numbered(readme, enumerate(b["text"], b["first"]))) + "\n"
            follower = all_blocks[k + 1] if k + 1 < len(all_blocks) else None
            prose = " ".join(p.strip() for p in follower["before"] if p.strip()) if follower else ""
            if follower and follower["lang"] == "" and prose.lower().endswith("prints"):
                write_if_changed(out / f"{name}.expected", "\n".join(follower["text"]) + "\n")
                written.add(f"{name}.expected")
            programs.append(name)
            chain = []
        else:
            if b["continues"] and not chain:
                fail(readme, b["first"] - 1, "marked as continuing, but no fragment comes before it")
            chain = (chain if b["continues"] else []) + [(b["first"], b["text"])]
            includes, body = [], []
            for first, text in chain:
                for n, line in enumerate(text, first):
                    (includes if line.lstrip().startswith("#include") else body).append((n, line))
            lines = [header.rstrip(),
                     "// A README fragment" + (", after the fragments it continues" if len(chain) > 1 else "") +
                     ": its #include lines, then the rest",
                     "// as a function body; compiled and linked, never called (extract_snippets.py says why)."]
            lines += numbered(readme, includes) + [f"void {name}();", f"void {name}()", "{"]
            lines += numbered(readme, body) + ["}"]
            source = "\n".join(lines) + "\n"
            fragments.append(name)
        write_if_changed(out / f"{name}.cpp", source)
        written.add(f"{name}.cpp")
    if not programs and not fragments:
        fail(readme, 1, "no ```cpp block: the README test would test nothing")
    # The fragments' executable needs a main; the fragments themselves are never called.
    write_if_changed(out / "fragments_main.cpp", header + "int main() {}\n")
    written.add("fragments_main.cpp")
    write_if_changed(out / "snippets.cmake", header.replace("//", "#", 1) +
                     f"set(README_PROGRAMS {' '.join(programs)})\nset(README_FRAGMENTS {' '.join(fragments)})\n")
    written.add("snippets.cmake")
    for stale in out.iterdir():  # a block removed from the README leaves no file that still builds
        if stale.is_file() and stale.name not in written:
            stale.unlink()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: extract_snippets.py README.md OUT_DIR")
    main(sys.argv[1], sys.argv[2])

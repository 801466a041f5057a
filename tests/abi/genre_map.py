#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The linker version scripts, written from the public headers.

Every exported name is listed by name (no wildcard), in the node of the
release that added it (docs/abi.md). The names are the functions the
headers declare with the library's export macro:

  cmake/genre.map      libgenre      GENRE_API      include/genre/*.h
  mpi/genre_mpi.map    libgenre_mpi  GENRE_MPI_API  mpi/include/genre/*.h

    /usr/bin/python3 tests/abi/genre_map.py              rewrite both maps
    /usr/bin/python3 tests/abi/genre_map.py --check      exit 1 (with a diff)
                                                         if a map is stale
    /usr/bin/python3 tests/abi/genre_map.py --node GENRE_1.1 --lib genre
        start a new node for the next minor release: header names that no
        released node lists go there (GENRE_MPI_1.1 for --lib genre_mpi)
    /usr/bin/python3 tests/abi/genre_map.py --list MAP   "<name> <node>" lines

A node is released once the committed abidw baseline (cmake/abi/*.abi,
the abi-baseline targets) records it. The last node of a map, while not
yet released, is rewritten to hold exactly the header names no earlier
node lists. Released nodes are frozen: a name they list that the headers
no longer declare is an error (a removal needs a new ABI major), never
dropped silently, and a new header name when every node is released is an
error until --node starts the next one. A map in the 0.x form (a wildcard
node) is replaced by the node given, or GENRE_1.0.
"""
import argparse
import difflib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# lib: (map, header dir, export macro, first node, abidw baseline)
LIBS = {
    "genre": ("cmake/genre.map", "include/genre", "GENRE_API", "GENRE_1.0",
              "cmake/abi/libgenre.abi"),
    "genre_mpi": ("mpi/genre_mpi.map", "mpi/include/genre", "GENRE_MPI_API", "GENRE_MPI_1.0",
                  "cmake/abi/libgenre_mpi.abi"),
}

HEADER = """\
/* Linker version script for lib{lib}.so, written by tests/abi/genre_map.py
 * from the {macro} declarations of {headers}/*.h: do not edit by
 * hand, rerun the script (docs/abi.md). One node per release, each naming
 * the functions that release added; everything else (genre__* internals,
 * the ifunc of a target_clones function) is local. */
"""


class MapError(Exception):
    pass


def header_names(header_dir, macro):
    """The function names the headers declare with the export macro."""
    names = set()
    for entry in sorted(os.listdir(header_dir)):
        if not entry.endswith(".h"):
            continue
        with open(os.path.join(header_dir, entry), encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        text = re.sub(r"\\\n", " ", text)  # continued lines
        text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)  # the macro's own #defines
        # GENRE_DEPRECATED("msg") may stand between the macro and the name
        text = re.sub(r'\bGENRE_[A-Z_]*DEPRECATED\s*\(\s*"(?:[^"\\]|\\.)*"\s*\)', " ", text)
        uses = len(re.findall(r"\b%s\b" % re.escape(macro), text))
        found = 0
        for decl in re.finditer(r"\b%s\b([^;{]*?)\(" % re.escape(macro), text):
            found += 1
            m = re.search(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*$", decl.group(1))
            if not m or not m.group(1).startswith("genre_"):
                raise MapError("%s: cannot read the name in '%s ...%s('" % (
                    entry, macro, decl.group(1).strip()))
            names.add(m.group(1))
        if found != uses:  # an exported variable, say: the map would miss it
            raise MapError("%s: %d %s declarations are not functions the script can read"
                           % (entry, uses - found, macro))
    if not names:
        raise MapError("no %s declaration in %s" % (macro, header_dir))
    return names


def parse_map(path):
    """[(node, parent or None, [names], wildcard?)] in file order."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
    nodes = []
    for m in re.finditer(r"([A-Za-z0-9_.]+)\s*\{(.*?)\}\s*([A-Za-z0-9_.]*)\s*;", text, re.S):
        body = m.group(2)
        glob = re.search(r"global:(.*?)(local:|$)", body, re.S)
        entries = [e.strip() for e in (glob.group(1) if glob else "").split(";") if e.strip()]
        wildcard = any(ch in e for e in entries for ch in "*?[")
        nodes.append((m.group(1), m.group(3) or None, entries, wildcard))
    if not nodes:
        raise MapError("%s: no version node" % path)
    return nodes


def render(lib, nodes):
    """The map text for [(node, [names])], each node inheriting the previous."""
    _, headers, macro, _, _ = LIBS[lib]
    out = [HEADER.format(lib=lib, macro=macro, headers=headers)]
    for i, (node, names) in enumerate(nodes):
        out.append("%s {\n  global:\n" % node)
        out.extend("    %s;\n" % n for n in sorted(names))
        if i == 0:
            out.append("  local:\n    *;\n")
        out.append("};\n" if i == 0 else "} %s;\n" % nodes[i - 1][0])
    return "".join(out)


def generate(lib, new_node=None):
    """(path, current text, wanted text) of lib's map."""
    rel, headers, macro, first, baseline = LIBS[lib]
    path = os.path.join(ROOT, rel)
    with open(path, encoding="utf-8") as f:
        current = f.read()
    released = [(n, names) for n, _, names, wild in parse_map(path) if not wild]
    frozen = baseline_nodes(os.path.join(ROOT, baseline))
    if new_node:
        if any(n == new_node for n, _ in released):
            raise MapError("%s already has a node %s" % (rel, new_node))
        pending = new_node
    elif released and released[-1][0] not in frozen:
        pending = released.pop()[0]  # the last node, not yet in the baseline
    elif released:
        pending = None  # every node is in the baseline: released
    else:
        pending = first  # the 0.x wildcard map
    declared = header_names(os.path.join(ROOT, headers), macro)
    older = set()
    for node, names in released:
        gone = sorted(set(names) - declared)
        if gone:
            raise MapError("%s: released node %s lists %s, which the headers no longer "
                           "declare (a removal needs a new ABI major, docs/abi.md)"
                           % (rel, node, ", ".join(gone)))
        older.update(names)
    added = sorted(declared - older)
    if pending is None:
        if added:
            raise MapError("%s: every node is released (in %s) and the headers add %s: start "
                           "the next minor's node (--node ... --lib %s, docs/abi.md)"
                           % (rel, baseline, ", ".join(added), lib))
        return path, current, render(lib, released)
    return path, current, render(lib, released + [(pending, added)])


def baseline_nodes(path):
    """The version nodes of the symbols an abidw baseline records (released)."""
    if not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as f:
        return set(re.findall(r"<elf-symbol name='[^']*' version='([^']*)'", f.read()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if a map is stale")
    ap.add_argument("--lib", choices=sorted(LIBS), help="one library only")
    ap.add_argument("--node", help="start this new node (with --lib)")
    ap.add_argument("--list", metavar="MAP", help="print '<name> <node>' for a map")
    args = ap.parse_args()
    try:
        if args.list:
            for node, _, names, _ in parse_map(args.list):
                for n in names:
                    print(n, node)
            return 0
        if args.node and not args.lib:
            ap.error("--node needs --lib")
        status = 0
        for lib in [args.lib] if args.lib else sorted(LIBS):
            path, current, wanted = generate(lib, args.node)
            rel = os.path.relpath(path, ROOT)
            if current == wanted:
                print("%s: current" % rel)
            elif args.check:
                sys.stdout.writelines(difflib.unified_diff(
                    current.splitlines(True), wanted.splitlines(True), rel, rel + " (headers)"))
                print("%s is stale: run /usr/bin/python3 tests/abi/genre_map.py" % rel)
                status = 1
            else:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(wanted)
                print("%s: written" % rel)
        return status
    except (MapError, OSError) as e:
        print("genre_map.py: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

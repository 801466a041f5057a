#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Macro-free declarations of libgenre's public C API, for the bindings.

Reads the public headers (in the order <genre/genre.h> includes them) and
writes, from the same parse:

  bindings/python/genre/_cdef.h      the cdef that cffi (ABI mode) reads;
  bindings/rust/genre-sys/src/ffi.rs the extern "C" block and constants.

Both files are checked in. `--check` regenerates them in memory and fails
(exit 1, with a diff) when a checked-in file no longer matches the headers,
so a header change that breaks a binding is caught the day it happens.

    /usr/bin/python3 bindings/tools/genre_decls.py --write  [--include DIR]
    /usr/bin/python3 bindings/tools/genre_decls.py --check  [--include DIR]

DIR defaults to the source tree's include/; CI passes the installed prefix's
include directory, so what is checked is what a user of the install sees.
The parser handles exactly the subset the headers use (documented in
docs/api-conventions.md): opaque struct typedefs, scalar typedefs,
function-pointer typedefs, GENRE_API prototypes and integer #defines.
It fails loudly on anything else.
"""
import argparse
import ast
import difflib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CDEF_OUT = os.path.join(ROOT, "bindings", "python", "genre", "_cdef.h")
RUST_OUT = os.path.join(ROOT, "bindings", "rust", "genre-sys", "src", "ffi.rs")

# Macros of common.h that are not constants of the API.
NOT_CONSTANTS = {"GENRE_API", "GENRE_BEGIN_DECLS", "GENRE_END_DECLS"}


class ParseError(Exception):
    pass


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def header_order(include_dir):
    umbrella = os.path.join(include_dir, "genre", "genre.h")
    with open(umbrella, encoding="utf-8") as f:
        names = re.findall(r"^\s*#\s*include\s*<genre/([a-z0-9_]+\.h)>", f.read(), re.M)
    if not names:
        raise ParseError("no #include <genre/...> in " + umbrella)
    return names


def eval_int(expr, known):
    """Value of an integer constant expression over known constants, or None."""
    expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b", r"\1", expr.strip())
    if not expr:
        return None
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return None

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name) and node.id in known:
            return known[node.id][0]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp) and isinstance(
                node.op, (ast.Add, ast.Sub, ast.Mult, ast.LShift, ast.BitOr)):
            a, b = ev(node.left), ev(node.right)
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b,
                    ast.LShift: a << b, ast.BitOr: a | b}[type(node.op)]
        raise ValueError(ast.dump(node))

    try:
        return ev(tree)
    except (ValueError, KeyError):
        return None


def parse(include_dir):
    """Returns (constants, opaque, typedefs, fnptr_typedefs, functions)."""
    constants = {}  # name -> (value, unsigned, header)
    opaque = []      # struct names
    typedefs = []    # (name, c type)
    fnptrs = []      # (name, ret, [(type, pname)])
    functions = []   # (name, ret, [(type, pname)], header)
    for hdr in header_order(include_dir):
        path = os.path.join(include_dir, "genre", hdr)
        with open(path, encoding="utf-8") as f:
            text = strip_comments(f.read())
        text = re.sub(r"\\\n", " ", text)
        body = []
        for line in text.split("\n"):
            s = line.strip()
            if s.startswith("#"):
                m = re.match(r"#\s*define\s+([A-Z][A-Z0-9_]*)(\(?)\s*(.*)$", s)
                if m and not m.group(2) and m.group(1) not in NOT_CONSTANTS:
                    raw = m.group(3)
                    v = eval_int(raw, constants)
                    if v is not None:
                        constants[m.group(1)] = (v, bool(re.search(r"\d[uU]\b", raw)), hdr)
                continue
            body.append(line)
        src = " ".join(body)
        src = re.sub(r"\bGENRE_(BEGIN|END)_DECLS\b", " ", src)
        src = re.sub(r"\bGENRE_DEPRECATED\s*\([^)]*\)", " ", src)
        for decl in src.split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            m = re.fullmatch(r"typedef struct (genre_\w+) (genre_\w+)", decl)
            if m and m.group(1) == m.group(2):
                opaque.append(m.group(1))
                continue
            m = re.fullmatch(r"typedef ([\w ]+?) \(\*(genre_\w+)\) ?\((.*)\)", decl)
            if m:
                fnptrs.append((m.group(2), norm_type(m.group(1)), params(m.group(3), decl)))
                continue
            m = re.fullmatch(r"typedef ([\w ]+?) (genre_\w+)", decl)
            if m:
                typedefs.append((m.group(2), norm_type(m.group(1))))
                continue
            m = re.fullmatch(r"GENRE_API ([\w *]+?) ?\b(genre_\w+) ?\((.*)\)", decl)
            if m:
                functions.append((m.group(2), norm_type(m.group(1)),
                                  params(m.group(3), decl), hdr))
                continue
            raise ParseError("%s: cannot parse declaration: %s" % (hdr, decl))
    if not functions:
        raise ParseError("no GENRE_API function found under " + include_dir)
    return constants, opaque, typedefs, fnptrs, functions


def norm_type(t):
    t = " ".join(t.replace("*", " * ").split())
    return t.replace("* ", "*").replace(" *", " *")


def params(text, decl):
    text = text.strip()
    if text in ("", "void"):
        return []
    out = []
    for p in text.split(","):
        p = " ".join(p.replace("*", " * ").split())
        m = re.fullmatch(r"(.*?[\w*]) ?\b([a-z_][a-z0-9_]*)", p)
        if not m or m.group(1).endswith(("const", "struct")) and "*" not in m.group(1):
            raise ParseError("unnamed or odd parameter %r in %s" % (p, decl))
        out.append((norm_type(m.group(1)), m.group(2)))
    return out


def c_param(t, name):
    return t + ("" if t.endswith("*") else " ") + name


def cdef_text(parsed):
    constants, opaque, typedefs, fnptrs, functions = parsed
    lines = ["/* Generated by bindings/tools/genre_decls.py from the public headers;",
             " * do not edit (CI checks it with --check). SPDX-License-Identifier:",
             " * GPL-3.0-or-later */", ""]
    for name, t in typedefs:
        lines.append("typedef %s %s;" % (t, name))
    for name in opaque:
        lines.append("typedef struct %s %s;" % (name, name))
    for name, ret, ps in fnptrs:
        lines.append("typedef %s (*%s)(%s);" % (ret, name,
                     ", ".join(c_param(t, n) for t, n in ps)))
    lines.append("")
    hdr = None
    for name, ret, ps, h in functions:
        if h != hdr:
            lines.append("/* genre/%s */" % h)
            hdr = h
        lines.append("%s(%s);" % (c_param(ret, name),
                                  ", ".join(c_param(t, n) for t, n in ps) or "void"))
    lines.append("")
    for name, (v, _u, _h) in constants.items():
        lines.append("#define %s %d" % (name, v))
    return "\n".join(lines) + "\n"


RUST_SCALARS = {
    "void": "c_void", "char": "c_char", "double": "f64", "float": "f32", "int": "c_int",
    "int8_t": "i8", "int16_t": "i16", "int32_t": "i32", "int64_t": "i64",
    "uint8_t": "u8", "uint16_t": "u16", "uint32_t": "u32", "uint64_t": "u64",
    "size_t": "usize",
}
RUST_KEYWORDS = {"fn", "type", "ref", "box", "move", "match", "mod", "in", "loop",
                 "impl", "self", "use", "where", "struct", "enum", "crate", "priv"}


def rust_type(t, names):
    """C type (normalized) -> Rust FFI type."""
    toks = t.replace("*", " * ").split()
    # Read the base (with its const) then each pointer level (with its const).
    base_const = False
    i = 0
    base = None
    while i < len(toks) and toks[i] != "*":
        if toks[i] == "const":
            base_const = True
        elif base is None:
            base = toks[i]
        else:
            raise ParseError("unsupported type " + t)
        i += 1
    if base in RUST_SCALARS:
        r = RUST_SCALARS[base]
    elif base in names:
        r = base
    else:
        raise ParseError("unknown type %r in %r" % (base, t))
    levels = []
    while i < len(toks):
        assert toks[i] == "*"
        i += 1
        c = False
        if i < len(toks) and toks[i] == "const":
            c = True
            i += 1
        levels.append(c)
    const = base_const
    for c in levels:
        r = ("*const " if const else "*mut ") + r
        const = c
    return r


def rust_params(ps, names):
    return ", ".join("%s: %s" % (n + "_" if n in RUST_KEYWORDS else n, rust_type(t, names))
                     for t, n in ps)


def rust_ret(ret, names):
    return "" if ret == "void" else " -> " + rust_type(ret, names)


def rust_text(parsed):
    constants, opaque, typedefs, fnptrs, functions = parsed
    names = set(opaque) | {n for n, _ in typedefs} | {n for n, _, _ in fnptrs}
    out = ["// Generated by bindings/tools/genre_decls.py from the public headers;",
           "// do not edit (CI checks it with --check).",
           "// SPDX-License-Identifier: GPL-3.0-or-later",
           "",
           "use std::os::raw::{c_char, c_int, c_void};",
           ""]
    for name, t in typedefs:
        out.append("pub type %s = %s;" % (name, rust_type(t, names)))
    out.append("")
    for name in opaque:
        out.append("/// Opaque handle (only ever used behind a pointer).")
        out.append("#[repr(C)]")
        out.append("pub struct %s {" % name)
        out.append("    _private: [u8; 0],")
        out.append("}")
    out.append("")
    for name, ret, ps in fnptrs:
        out.append("pub type %s = Option<unsafe extern \"C\" fn(%s)%s>;"
                   % (name, rust_params(ps, names), rust_ret(ret, names)))
    out.append("")
    for name, (v, unsigned, _h) in constants.items():
        if unsigned:
            ty = "u32" if 0 <= v < 2**32 else "u64"
        else:
            ty = "i32" if -2**31 <= v < 2**31 else "i64"
        out.append("pub const %s: %s = %s;" % (name, ty, v))
    out.append("")
    out.append('extern "C" {')
    hdr = None
    for name, ret, ps, h in functions:
        if h != hdr:
            out.append("    // genre/%s" % h)
            hdr = h
        out.append("    pub fn %s(%s)%s;" % (name, rust_params(ps, names), rust_ret(ret, names)))
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true")
    g.add_argument("--check", action="store_true")
    ap.add_argument("--include", default=os.path.join(ROOT, "include"),
                    help="directory holding genre/genre.h (default: the source tree's)")
    a = ap.parse_args()
    try:
        parsed = parse(a.include)
    except (ParseError, OSError) as e:
        print("genre_decls: " + str(e), file=sys.stderr)
        return 2
    status = 0
    for path, text in ((CDEF_OUT, cdef_text(parsed)), (RUST_OUT, rust_text(parsed))):
        rel = os.path.relpath(path, ROOT)
        if a.write:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote " + rel)
            continue
        try:
            with open(path, encoding="utf-8") as f:
                old = f.read()
        except OSError:
            old = ""
        if old != text:
            status = 1
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), rel + " (checked in)",
                rel + " (from " + a.include + ")"))
            print("genre_decls: %s is out of date with the headers; run "
                  "bindings/tools/genre_decls.py --write and review the binding" % rel,
                  file=sys.stderr)
        else:
            print("genre_decls: %s matches the headers (%d functions, %d constants)"
                  % (rel, len(parsed[4]), len(parsed[0])))
    return status


if __name__ == "__main__":
    sys.exit(main())

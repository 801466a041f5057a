# SPDX-License-Identifier: GPL-3.0-or-later
"""Loads libgenre (cffi, ABI mode) and turns status codes into exceptions."""
import os
import shutil
import subprocess
import threading

import cffi

ffi = cffi.FFI()
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "_cdef.h"),
          encoding="utf-8") as _f:
    ffi.cdef(_f.read())

#: Environment variable naming the library file to load (overrides the search).
ENV_LIBRARY = "GENRE_LIBRARY"


def _candidates():
    """(description, path) pairs tried in order."""
    env = os.environ.get(ENV_LIBRARY)
    if env:
        yield ENV_LIBRARY, env
        return
    # The SONAME: the dynamic loader searches LD_LIBRARY_PATH, the cache and
    # the system directories, which covers every normal installation.
    yield "SONAME", "libgenre.so.%d" % _ABI
    # A non-system prefix found through pkg-config (PKG_CONFIG_PATH).
    pc = shutil.which("pkg-config")
    if pc:
        try:
            libdir = subprocess.run([pc, "--variable=libdir", "genre"], check=True,
                                    capture_output=True, text=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            libdir = ""
        if libdir:
            yield "pkg-config libdir", os.path.join(libdir, "libgenre.so.%d" % _ABI)


def _load():
    tried = []
    for how, path in _candidates():
        try:
            lib = ffi.dlopen(path)
        except OSError as e:
            tried.append("%s (%s): %s" % (path, how, e))
            continue
        return lib, path
    raise ImportError("cannot load libgenre; tried:\n  " + "\n  ".join(tried) +
                      "\nInstall libgenre, or set %s to the library file, or "
                      "PKG_CONFIG_PATH to its pkgconfig directory." % ENV_LIBRARY)


# The ABI major and version the cdef was generated from (the headers).
_tmp = ffi.dlopen(None)  # only to read the constants of the cdef
_ABI = _tmp.GENRE_ABI_VERSION
HEADER_VERSION = _tmp.GENRE_VERSION_NUMBER
del _tmp


def abi_compatible(library_version, header_version):
    """Whether a library of version number library_version (major * 10000 +
    minor * 100 + patch) serves declarations generated from header_version,
    by docs/abi.md's promise: the same major (a new major is a new SONAME),
    and from 1.0 a minor at least the headers' (a 1.y release only adds
    functions, so a binding generated from 1.0 loads any 1.y; one generated
    from 1.2 may call a 1.2 function a 1.1 library lacks). The patch never
    matters. A 0.x pair needs the same minor (0.x promised nothing across
    minors)."""
    lib_major, lib_minor = library_version // 10000, library_version // 100 % 100
    hdr_major, hdr_minor = header_version // 10000, header_version // 100 % 100
    if lib_major != hdr_major:
        return False
    return lib_minor == hdr_minor if hdr_major == 0 else lib_minor >= hdr_minor


lib, library_path = _load()
if not abi_compatible(lib.genre_version_number(), HEADER_VERSION):
    raise ImportError("libgenre at %s is version %s, which does not serve the %d.%d headers "
                      "this binding was generated from (docs/abi.md: the same major and a "
                      "minor at least theirs)" % (
                          library_path, ffi.string(lib.genre_version_string()).decode(),
                          HEADER_VERSION // 10000, HEADER_VERSION // 100 % 100))


# ---- errors ---------------------------------------------------------------

class GenreError(Exception):
    """A libgenre call failed. ``code`` is the status (negative int), ``name``
    its GENRE_E_* name and ``message`` the library's message."""

    code = None
    name = None

    def __init__(self, message, code=None, name=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if name is not None:
            self.name = name

    def __str__(self):
        return "%s (%s): %s" % (self.name, self.code, self.message)


# Extra built-in bases, so ordinary Python handlers also catch them.
_EXTRA_BASES = {
    "GENRE_E_NOMEM": (MemoryError,),
    "GENRE_E_INVALID_ARG": (ValueError,),
    "GENRE_E_UNKNOWN_PARAM": (ValueError,),
    "GENRE_E_SHAPE": (ValueError,),
    "GENRE_E_NONFINITE": (ValueError,),
    "GENRE_E_IO": (OSError,),
    "GENRE_E_BAD_STATE": (RuntimeError,),
}

#: status code -> exception class (one per GENRE_E_* name of the headers).
ERRORS = {}


def _class_name(status_name):
    return "".join(p.capitalize() for p in status_name[len("GENRE_E_"):].split("_")) + "Error"


for _n in dir(lib):
    if _n.startswith("GENRE_E_"):
        _code = getattr(lib, _n)
        ERRORS[_code] = type(_class_name(_n), (GenreError,) + _EXTRA_BASES.get(_n, ()),
                             {"code": _code, "name": _n, "__module__": "genre"})


def error_for(code):
    """The exception for a failed call, built on the calling thread."""
    msg = ffi.string(lib.genre_last_error()).decode("utf-8", "replace")
    if not msg:
        msg = ffi.string(lib.genre_status_str(code)).decode("utf-8", "replace")
    cls = ERRORS.get(code, GenreError)
    name = ffi.string(lib.genre_status_name(code)).decode()
    return cls(msg, code, name)


def check(code):
    if code != 0:
        raise error_for(code)


# ---- a readers-writer lock: const calls share, mutators are exclusive ------

class RWLock:
    """Many readers or one writer (the C threading contract: const calls are
    safe concurrently on one handle, every other call needs it alone)."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = None

    def read(self):
        return _Guard(self, False)

    def write(self):
        return _Guard(self, True)


class _Guard:
    __slots__ = ("l", "w")

    def __init__(self, lock, write):
        self.l, self.w = lock, write

    def __enter__(self):
        c = self.l._cond
        with c:
            me = threading.get_ident()
            if self.w:
                while self.l._writer is not None or self.l._readers:
                    if self.l._writer == me:
                        raise RuntimeError("re-entrant call into a libgenre handle from "
                                           "its own callback")
                    c.wait()
                self.l._writer = me
            else:
                while self.l._writer is not None:
                    if self.l._writer == me:
                        raise RuntimeError("re-entrant call into a libgenre handle from "
                                           "its own callback")
                    c.wait()
                self.l._readers += 1

    def __exit__(self, *exc):
        c = self.l._cond
        with c:
            if self.w:
                self.l._writer = None
            else:
                self.l._readers -= 1
            c.notify_all()

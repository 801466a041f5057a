# SPDX-License-Identifier: GPL-3.0-or-later
"""The binding refuses a library its declarations do not match (docs/abi.md)."""
from genre import _lib


def test_abi_compatible_follows_the_promise():
    ok = _lib.abi_compatible
    # 0.x: the same minor only, any patch
    assert ok(400, 400) and ok(403, 400) and ok(400, 402)
    assert not ok(500, 400)   # a newer 0.x minor changed signatures
    assert not ok(300, 400)   # an older one lacks functions
    # 1.x: the same major, a minor at least the headers', any patch
    assert ok(10000, 10000) and ok(10300, 10200)
    assert ok(10300, 10000) and ok(19900, 10000)   # built for 1.0: any 1.y
    assert ok(10001, 10000) and ok(10000, 10002)   # the patch never matters
    assert not ok(10100, 10200)
    assert not ok(20000, 10000) and not ok(10000, 20000)
    assert not ok(10000, 400) and not ok(400, 10000)


def test_the_version_major_is_the_abi_major():
    # from 1.0 on the SONAME (libgenre.so.<ABI>) is the version's major, so
    # abi_compatible's major test is the SONAME's
    assert _lib.HEADER_VERSION // 10000 >= 1
    assert _lib._ABI == _lib.HEADER_VERSION // 10000
    assert _lib.lib.genre_version_number() // 10000 == _lib._ABI


def test_the_loaded_library_is_compatible():
    assert _lib.abi_compatible(_lib.lib.genre_version_number(), _lib.HEADER_VERSION)

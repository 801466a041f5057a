// SPDX-License-Identifier: GPL-3.0-or-later
//! Raw declarations of libgenre's stable C API (`<genre/genre.h>`).
//!
//! `ffi.rs` is produced from the public headers by
//! `bindings/tools/genre_decls.py` and checked in; CI regenerates it from the
//! *installed* headers and fails on any difference. Everything here is
//! `unsafe`; use the `genre` crate for the safe API.
#![allow(non_camel_case_types)]

mod ffi;
pub use ffi::*;

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Function multiversioning, decided in one place.
 *
 * A kernel marked with one of the macros below is compiled once per listed
 * target and the widest version the CPU supports is picked when the library
 * is loaded, by an ifunc resolver (GCC/Clang target_clones, x86-64 glibc
 * only). Every version performs the same operations in the same order, so
 * the choice changes speed, never results.
 *
 * The build defines GENRE_NO_MULTIVERSION to turn all of them off, and does
 * so itself for ThreadSanitizer builds (cmake/GenreOptions.cmake): ifunc
 * resolvers run during relocation, before the TSan runtime is initialised,
 * and an instrumented resolver crashes the program before main(). Kernels
 * that select their AVX2 version at run time with a cpuid check (no ifunc)
 * are not affected.
 */
#ifndef GENRE_MULTIVERSION_H
#define GENRE_MULTIVERSION_H

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && defined(__GLIBC__) && \
    !defined(GENRE_NO_MULTIVERSION)
#  define GENRE_MULTIVERSION 1
#else
#  define GENRE_MULTIVERSION 0
#endif

/* Clones with GCC or Clang (feature names such as "avx2", "avx512f"). */
#if GENRE_MULTIVERSION
#  define GENRE_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#else
#  define GENRE_CLONES(...)
#endif

/* Clones with GCC only: kernels whose clones were measured with GCC. */
#if GENRE_MULTIVERSION && !defined(__clang__)
#  define GENRE_GCC_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#else
#  define GENRE_GCC_CLONES(...)
#endif

/* Clones named by micro-architecture level ("arch=x86-64-v3"): GCC >= 12. */
#if GENRE_MULTIVERSION && !defined(__clang__) && __GNUC__ >= 12
#  define GENRE_LEVEL_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#else
#  define GENRE_LEVEL_CLONES(...)
#endif

#endif

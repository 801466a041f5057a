# Build options and the warning/sanitizer flags every libgenre target uses.
# SPDX-License-Identifier: GPL-3.0-or-later

# As a subproject (add_subdirectory) only the library is built by default.
option(GENRE_BUILD_TESTS "Build the Check unit suites and register them with CTest" ${PROJECT_IS_TOP_LEVEL})
option(GENRE_BUILD_EXAMPLES "Build the example programs" ${PROJECT_IS_TOP_LEVEL})
option(GENRE_BUILD_BENCH "Build the benchmark programs in bench/" ${PROJECT_IS_TOP_LEVEL})
option(GENRE_INSTALL "Generate install rules" ${PROJECT_IS_TOP_LEVEL})
option(GENRE_MPI
       "Build libgenre_mpi, the distributed fits over MPI (needs an MPI, e.g. Debian's libopenmpi-dev)" OFF)
option(GENRE_WERROR "Treat compiler warnings as errors (CI turns this on)" OFF)
option(GENRE_GSL_HANDLER_OFF
       "Turn GSL's abort-on-error handler off on first use unless the host set its own" ON)
set(GENRE_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined")
set(GENRE_TEST_WRAPPER "" CACHE STRING
    "Command (a ;-list) that runs each unit test, e.g. valgrind with its options")
option(GENRE_FUZZ "Build libFuzzer targets (needs clang)" OFF)
option(GENRE_MULTIVERSION
       "Clone hot kernels per x86-64 level, picked at load time by ifunc (lib/common/multiversion.h)" ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES AND PROJECT_IS_TOP_LEVEL)
  # Debug info by default so abidw can read the ABI of the shared library.
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)

# Warnings for libgenre's own targets (not forced on a parent project).
set(GENRE_WARNING_FLAGS
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wcast-qual -Wundef -Wvla -Wpointer-arith -Wimplicit-fallthrough
    -Wmissing-declarations -Wold-style-definition -Wnull-dereference)
if(GENRE_WERROR)
  list(APPEND GENRE_WARNING_FLAGS -Werror)
endif()

if(GENRE_SANITIZE)
  add_compile_options(-fsanitize=${GENRE_SANITIZE} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${GENRE_SANITIZE})
  # ifunc resolvers run before ThreadSanitizer's runtime is initialised and
  # crash the program before main(): a TSan build has no multiversioning.
  if(GENRE_SANITIZE MATCHES "(^|[,;])thread([,;]|$)" AND GENRE_MULTIVERSION)
    message(STATUS "GENRE_SANITIZE has thread: multiversioning (ifunc) turned off")
    set(GENRE_MULTIVERSION OFF) # this configuration only; the cached option is untouched
  endif()
endif()
if(NOT GENRE_MULTIVERSION)
  add_compile_definitions(GENRE_NO_MULTIVERSION)
endif()

# genre_apply_warnings(<target>): our warning flags on a C target.
function(genre_apply_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:${GENRE_WARNING_FLAGS}>)
endfunction()

# Debian packages with CPack (`cpack -G DEB` in the build tree), one per
# install component (cmake/GenreInstall.cmake):
#   Runtime        -> libgenre<ABI>      the shared library (named for its SONAME)
#   Development    -> libgenre-dev       headers, libgenre.a, genre.pc, CMake package, docs
#   Tools          -> genre-tools        the programs, the vendored data set and schema, man pages
#   Python         -> python3-genre      the Python package in Debian's dist-packages
#   MpiRuntime     -> libgenre-mpi<ABI>  libgenre_mpi (only with GENRE_MPI=ON)
#   MpiDevelopment -> libgenre-mpi-dev   its header, genre-mpi.pc, CMake targets
#   MpiTools       -> genre-tools-mpi    genre-analysis-mpi and its man page
# The packages install under /usr: configure with -DCMAKE_INSTALL_PREFIX=/usr
# (GNUInstallDirs then gives the multiarch libdir) and
# -DCMAKE_SKIP_INSTALL_RPATH=ON (the programs find the library in the system
# directories). docs/building.md, "Debian packages", has the commands.
# SPDX-License-Identifier: GPL-3.0-or-later

set(GENRE_DEB_RELEASE 1 CACHE STRING "Debian revision of the packages (the -N of 1.0.0-N)")
set(GENRE_DEB_MAINTAINER "libgenre maintainers <maintainers@users.noreply.r-seed-e17a1e1c.example>"
    CACHE STRING "Maintainer field of the Debian packages")
set(_deb_version "${PROJECT_VERSION}-${GENRE_DEB_RELEASE}")
set(_deb_doc "${PROJECT_BINARY_DIR}/debian-doc")

set(_deb_components Runtime Development Tools Python)
if(TARGET genre_mpi)
  list(APPEND _deb_components MpiRuntime MpiDevelopment)
  if(TARGET genre-analysis-mpi)
    list(APPEND _deb_components MpiTools)
  endif()
endif()
set(_deb_name_Runtime libgenre${GENRE_ABI_VERSION})
set(_deb_name_Development libgenre-dev)
set(_deb_name_Tools genre-tools)
set(_deb_name_Python python3-genre)
set(_deb_name_MpiRuntime libgenre-mpi${GENRE_ABI_VERSION})
set(_deb_name_MpiDevelopment libgenre-mpi-dev)
set(_deb_name_MpiTools genre-tools-mpi)

# Every package carries /usr/share/doc/<package>/copyright and
# changelog.Debian.gz (Debian policy 12.5 and 12.7). The changelog's date is
# the configure time, or SOURCE_DATE_EPOCH when set (reproducible builds).
string(TIMESTAMP _deb_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
find_program(GENRE_GZIP gzip REQUIRED)
foreach(_comp IN LISTS _deb_components)
  set(_pkg ${_deb_name_${_comp}})
  set(GENRE_DEB_PACKAGE ${_pkg})
  set(GENRE_DEB_VERSION ${_deb_version})
  set(GENRE_DEB_DATE "${_deb_date}")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/debian/copyright"
                 "${_deb_doc}/${_pkg}/copyright" COPYONLY)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/debian/changelog.in"
                 "${_deb_doc}/${_pkg}/changelog.Debian" @ONLY)
  # gzip -n: no name or time stamp in the header, so the bytes are reproducible.
  execute_process(COMMAND "${GENRE_GZIP}" -9nf "${_deb_doc}/${_pkg}/changelog.Debian"
                  RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "gzip of ${_deb_doc}/${_pkg}/changelog.Debian failed")
  endif()
  # In the package's component but EXCLUDE_FROM_ALL: cpack installs each
  # component by name and gets them; a plain `cmake --install` does not.
  install(FILES "${_deb_doc}/${_pkg}/copyright" "${_deb_doc}/${_pkg}/changelog.Debian.gz"
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${_pkg} COMPONENT ${_comp}
          EXCLUDE_FROM_ALL)
endforeach()

set(CPACK_PACKAGE_NAME libgenre)
set(CPACK_PACKAGE_VENDOR "the libgenre developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${GENRE_DEB_MAINTAINER}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_STRIP_FILES ON) # Debian ships stripped binaries (the debug info would be a -dbgsym)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE ${GENRE_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)        # Depends computed from the ELF files
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)  # DEBIAN/shlibs for libgenre.so.N
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)  # CPACK_COMPONENT_*_DEPENDS -> Depends
# One package per component; License is left out (the copyright files).
set(CPACK_COMPONENTS_ALL ${_deb_components})
set(CPACK_COMPONENTS_GROUPING IGNORE)
foreach(_comp IN LISTS _deb_components)
  string(TOUPPER ${_comp} _up)
  set(CPACK_DEBIAN_${_up}_PACKAGE_NAME ${_deb_name_${_comp}})
endforeach()
# dpkg-shlibdeps finds libgenre.so.N (and libgenre_mpi) in the build tree; the
# Depends on libgenre<N> comes from the component dependencies below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}/lib"
    "${PROJECT_BINARY_DIR}/mpi")

# Dependencies between our packages: the exact version (Development, Tools and
# Python are built from the same tree as the library).
set(CPACK_COMPONENT_DEVELOPMENT_DEPENDS Runtime)
set(CPACK_COMPONENT_TOOLS_DEPENDS Runtime)
set(CPACK_COMPONENT_PYTHON_DEPENDS Runtime)
set(CPACK_COMPONENT_MPIRUNTIME_DEPENDS Runtime)
set(CPACK_COMPONENT_MPIDEVELOPMENT_DEPENDS MpiRuntime Development)
set(CPACK_COMPONENT_MPITOOLS_DEPENDS MpiRuntime Tools)

# The libraries' packages activate ldconfig with a trigger (Debian policy
# 8.1.1); CPack 3.25 also writes postinst/postrm that call ldconfig
# (lintian warning maintscript-calls-ldconfig, harmless).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/cmake/debian/triggers")
set(CPACK_DEBIAN_MPIRUNTIME_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/cmake/debian/triggers")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_MPIRUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_MPIDEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_ARCHITECTURE all)

# What the ELF files do not say: the static library and the CMake package
# need the -dev packages of the dependencies (genreConfig.cmake finds ZLIB and
# Threads; the exported genre::genre_static names libgsl and libopenblas by path).
set(_dev_depends "libgsl-dev, libopenblas-dev | libopenblas0-dev, zlib1g-dev")
if(LIBDEFLATE_FOUND)
  string(APPEND _dev_depends ", libdeflate-dev")
endif()
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS "${_dev_depends}")
# genre-mpi.pc and the CMake targets carry the include paths of the MPI of the
# build (Debian's Open MPI; docs/scale-out.md: the ABI is tied to it).
set(CPACK_DEBIAN_MPIDEVELOPMENT_PACKAGE_DEPENDS "libopenmpi-dev")
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "python3:any, python3-cffi, python3-numpy")

# Descriptions: the first line is the synopsis, then paragraphs (CPack
# indents them and turns an empty line into " ."). The summary is left at
# CPack's default, because CPack prepends any other one to every package's
# description.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "music-genre classification from audio features (shared library)
libgenre is a C11 library that classifies music by genre from audio
features: data set reading and splitting, scaling, PCA, LDA, k-means,
t-SNE, multi-layer perceptrons and metrics, behind a stable C ABI.

This package contains the shared library.")
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
    "music-genre classification from audio features (development files)
libgenre is a C11 library that classifies music by genre from audio
features, behind a stable C ABI.

This package contains the headers, the static library, the pkg-config
file genre.pc, the CMake package (find_package(genre)) and the
documentation.")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
    "music-genre classification from audio features (programs)
The programs built on libgenre: genre-analysis (the full reference
analysis and its HTML report), genre-info, genre-lda-table,
genre-kmeans-sweep, genre-name-study and genre-quickstart, with the
vendored music-genre data set, its schema and the manual pages.")
set(CPACK_COMPONENT_PYTHON_DESCRIPTION
    "music-genre classification from audio features (Python 3)
The Python binding of libgenre: estimators in the style of scikit-learn
over the stable C ABI, loaded with cffi in ABI mode (no compiler).")
set(CPACK_COMPONENT_MPIRUNTIME_DESCRIPTION
    "music-genre classification from audio features (MPI library)
libgenre_mpi fits libgenre's models over MPI ranks (distributed partial
fits and reductions).

This package contains the shared library.")
set(CPACK_COMPONENT_MPIDEVELOPMENT_DESCRIPTION
    "music-genre classification from audio features (MPI development files)
libgenre_mpi fits libgenre's models over MPI ranks.

This package contains <genre/mpi.h>, genre-mpi.pc and the CMake targets
(find_package(genre COMPONENTS mpi)).")

set(CPACK_COMPONENT_MPITOOLS_DESCRIPTION
    "music-genre classification from audio features (MPI program)
genre-analysis-mpi runs genre-analysis's --stream analysis over the ranks
of MPI (mpiexec), each rank reading its byte range of a plain CSV, with
the same report as one process.")

# The packaging checks (prefix, copyright components) run when cpack runs.
set(CPACK_PROJECT_CONFIG_FILE "${PROJECT_BINARY_DIR}/GenreCPackOptions.cmake")
set(GENRE_PACKAGING_PREFIX "${CMAKE_INSTALL_PREFIX}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/GenreCPackOptions.cmake.in"
               "${PROJECT_BINARY_DIR}/GenreCPackOptions.cmake" @ONLY)
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "Debian packages (cpack -G DEB) need -DCMAKE_INSTALL_PREFIX=/usr "
                 "(docs/building.md); this tree's prefix is ${CMAKE_INSTALL_PREFIX}")
endif()

include(CPack)

# Install rules: headers, both libraries, the CMake package `genre`
# (targets genre::genre and genre::genre_static), genre.pc, the examples'
# data set, the docs and the man pages. Every rule names its component, the
# Debian package it goes to (cmake/GenrePackaging.cmake): Runtime (libgenre1),
# Development (libgenre-dev), Tools (genre-tools), Python (python3-genre),
# MpiRuntime / MpiDevelopment (libgenre-mpi1 / libgenre-mpi-dev).
# SPDX-License-Identifier: GPL-3.0-or-later
include(CMakePackageConfigHelpers)

set(GENRE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/genre")

install(TARGETS genre genre_static EXPORT genreTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Runtime
                NAMELINK_COMPONENT Development
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/genre"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT Development
        FILES_MATCHING PATTERN "*.h")
install(EXPORT genreTargets NAMESPACE genre:: DESTINATION ${GENRE_CMAKE_DIR}
        COMPONENT Development)

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/genreConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/genreConfig.cmake"
    INSTALL_DESTINATION ${GENRE_CMAKE_DIR})
# From 1.0 find_package(genre 1.Y) accepts any installed 1.y >= 1.Y and
# refuses 0.x and 2.x (a 1.y release only adds; docs/abi.md); the consumer
# test abi_consumer_version checks it. 0.x promised the same minor only.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_genre_compat SameMinorVersion)
else()
  set(_genre_compat SameMajorVersion)
endif()
write_basic_package_version_file("${PROJECT_BINARY_DIR}/genreConfigVersion.cmake"
    VERSION ${PROJECT_VERSION} COMPATIBILITY ${_genre_compat})
install(FILES "${PROJECT_BINARY_DIR}/genreConfig.cmake"
              "${PROJECT_BINARY_DIR}/genreConfigVersion.cmake"
        DESTINATION ${GENRE_CMAKE_DIR} COMPONENT Development)

# pkg-config: install-relative paths, private dependencies in Libs.private
# (not Requires.private: gsl, which would pull -lgslcblas into static links).
# Relocatable: prefix is found from the .pc file's own location, so a tree
# installed with `cmake --install --prefix DIR` works wherever DIR is.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(GENRE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _rel "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" _rel "${_rel}")
  set(GENRE_PC_PREFIX "\${pcfiledir}/${_rel}")
endif()
# Absolute install dirs are used as they are; relative ones join ${prefix}.
foreach(_dir LIBDIR INCLUDEDIR DATADIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
    set(GENRE_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
  else()
    set(GENRE_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
  endif()
endforeach()
set(GENRE_PC_LIBS_PRIVATE "-lgsl -lopenblas -lz -lpthread -lm")
if(LIBDEFLATE_FOUND)
  string(PREPEND GENRE_PC_LIBS_PRIVATE "-ldeflate ")
endif()
configure_file("${PROJECT_SOURCE_DIR}/pkgconfig/genre.pc.in"
               "${PROJECT_BINARY_DIR}/genre.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/genre.pc"
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT Development)

# libgenre_mpi (GENRE_MPI=ON): its library, <genre/mpi.h>, the export set
# genreMpiTargets (find_package(genre COMPONENTS mpi) gives genre::genre_mpi)
# and genre-mpi.pc, whose flags are the MPI's it was built with.
if(TARGET genre_mpi)
  install(TARGETS genre_mpi EXPORT genreMpiTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT MpiRuntime
                  NAMELINK_COMPONENT MpiDevelopment
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT MpiRuntime
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(FILES "${PROJECT_SOURCE_DIR}/mpi/include/genre/mpi.h"
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/genre COMPONENT MpiDevelopment)
  install(EXPORT genreMpiTargets NAMESPACE genre:: DESTINATION ${GENRE_CMAKE_DIR}
          COMPONENT MpiDevelopment)
  set(GENRE_MPI_PC_CFLAGS "")
  foreach(_dir IN LISTS MPI_C_INCLUDE_DIRS)
    string(APPEND GENRE_MPI_PC_CFLAGS " -I${_dir}")
  endforeach()
  foreach(_def IN LISTS MPI_C_COMPILE_DEFINITIONS)
    string(APPEND GENRE_MPI_PC_CFLAGS " -D${_def}")
  endforeach()
  foreach(_opt IN LISTS MPI_C_COMPILE_OPTIONS)
    string(APPEND GENRE_MPI_PC_CFLAGS " ${_opt}")
  endforeach()
  set(GENRE_MPI_PC_LIBS "${MPI_C_LINK_FLAGS}")
  foreach(_lib IN LISTS MPI_C_LIBRARIES)
    string(APPEND GENRE_MPI_PC_LIBS " ${_lib}")
  endforeach()
  string(STRIP "${GENRE_MPI_PC_CFLAGS}" GENRE_MPI_PC_CFLAGS)
  string(STRIP "${GENRE_MPI_PC_LIBS}" GENRE_MPI_PC_LIBS)
  configure_file("${PROJECT_SOURCE_DIR}/pkgconfig/genre-mpi.pc.in"
                 "${PROJECT_BINARY_DIR}/genre-mpi.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/genre-mpi.pc"
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT MpiDevelopment)
endif()

# The data set, and the frozen 500-per-genre split of the reference analysis
# that genre-lda-table and genre-kmeans-sweep read when given no path.
install(FILES "${PROJECT_SOURCE_DIR}/data/music_genre.csv.gz"
              "${PROJECT_SOURCE_DIR}/data/README.md"
              "${PROJECT_SOURCE_DIR}/tests/fixtures/real_split.csv.gz"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/genre COMPONENT Tools)
# LICENSE: its own component, which the Debian packages leave out (their
# copyright file names the licence; Debian ships the text in common-licenses).
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION ${CMAKE_INSTALL_DOCDIR}
        COMPONENT License)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION ${CMAKE_INSTALL_DOCDIR}
        COMPONENT Development)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION ${CMAKE_INSTALL_DOCDIR}
        COMPONENT Development)

# Man pages (man/, one per installed program), installed gzip-compressed as
# Debian wants them (gzip -n: no name or time stamp, reproducible bytes).
find_program(GENRE_GZIP gzip)
set(_genre_man_gz "")
foreach(_prog genre-analysis genre-analysis-mpi genre-info genre-kmeans-sweep genre-lda-table
        genre-name-study genre-quickstart)
  if(TARGET ${_prog})
    set(_page "${PROJECT_SOURCE_DIR}/man/${_prog}.1")
    if(GENRE_GZIP)
      set(_gz "${PROJECT_BINARY_DIR}/man/${_prog}.1.gz")
      add_custom_command(OUTPUT "${_gz}"
          COMMAND ${CMAKE_COMMAND} -E make_directory "${PROJECT_BINARY_DIR}/man"
          COMMAND "${GENRE_GZIP}" -9n -c "${_page}" > "${_gz}"
          DEPENDS "${_page}" VERBATIM)
      list(APPEND _genre_man_gz "${_gz}")
      set(_page "${_gz}")
    endif()
    set(_comp Tools)
    if(_prog STREQUAL "genre-analysis-mpi")
      set(_comp MpiTools) # beside its program, in genre-tools-mpi
    endif()
    install(FILES "${_page}" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${_comp})
  endif()
endforeach()
if(_genre_man_gz)
  add_custom_target(genre_man_pages ALL DEPENDS ${_genre_man_gz})
endif()

# The Python package (bindings/python/genre: pure Python, cffi in ABI mode)
# where Debian's /usr/bin/python3 looks for the system's packages, with a
# dist-info so pip and importlib.metadata see it. For a prefix other than /usr
# set GENRE_PYTHON_SITEDIR, or install with pip (docs/bindings.md).
set(GENRE_PYTHON_SITEDIR "lib/python3/dist-packages" CACHE STRING
    "Where (relative to the prefix, or absolute) the Python package is installed")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/bindings/python/genre"
        DESTINATION ${GENRE_PYTHON_SITEDIR} COMPONENT Python
        FILES_MATCHING PATTERN "*.py" PATTERN "_cdef.h" PATTERN "__pycache__" EXCLUDE)
configure_file("${PROJECT_SOURCE_DIR}/bindings/python/METADATA.in"
               "${PROJECT_BINARY_DIR}/python/METADATA" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/python/METADATA"
        DESTINATION ${GENRE_PYTHON_SITEDIR}/genre-${PROJECT_VERSION}.dist-info COMPONENT Python)

# backprop_add_library(name sources...): a library of this project, e.g. `nn` -> backprop::nn,
# built as libbackprop_nn, with the project's options, its headers on the include path, installed
# and exported in backprop-targets (when BACKPROP_INSTALL is on). The headers install under
# include/backprop/ (include/backprop/nn/scalar/mlp.hpp), a folder of the project's own, as nn/ and
# autograd/ are names other projects use too; the include directory is the project root in the
# build and include/backprop once installed, so `#include <nn/scalar/mlp.hpp>` works in both.
# EXPORT <set> puts it in another export set: an optional component's (dist: backprop-dist-targets),
# loaded by the package only when that component is asked for.
function(backprop_add_library name)
  cmake_parse_arguments(L "" "EXPORT" "" ${ARGN})
  if(NOT L_EXPORT)
    set(L_EXPORT backprop-targets)
  endif()
  add_library(${name} ${L_UNPARSED_ARGUMENTS})
  add_library(backprop::${name} ALIAS ${name})
  set_target_properties(${name} PROPERTIES OUTPUT_NAME backprop_${name} EXPORT_NAME ${name})
  backprop_set_options(${name})
  backprop_enable_lto(${name})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/backprop>)
  if(BACKPROP_INSTALL)
    install(TARGETS ${name} EXPORT ${L_EXPORT}
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
    backprop_install_without_lto(${name})
    install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/backprop/${name}
      FILES_MATCHING PATTERN "*.hpp")
  endif()
endfunction()

# backprop_install_without_lto(name): removes the LTO bytecode from the installed copy of the
# static library `name`, leaving the machine code its fat LTO objects carry beside it
# (backprop_enable_lto). NOTE: with the bytecode, every link of a user's program re-optimised the
# whole library through GCC's linker plugin, LTO or not: tests/consumer linked in 39 s with it
# and in 1.3 s without (2 busy cores; the archives shrink from 12 + 8.5 MB to 2.6 + 1.6 MB).
# Stripping the installed copy keeps one build of the objects (separate non-LTO variants of the
# libraries would compile every file twice) and leaves the build tree, whose programs link with
# LTO, as it is. The price: a user's program does not inline across the library's files (the
# ~8% of a small op that backprop_enable_lto cites); a project that wants it builds Backprop with
# add_subdirectory and links its Release program with -flto.
# `.gnu.debuglto_*` is the early debug information that -g adds to LTO objects.
function(backprop_install_without_lto name)
  get_target_property(type ${name} TYPE)
  if(NOT BACKPROP_LTO OR NOT type STREQUAL "STATIC_LIBRARY")
    return()
  endif()
  if(NOT CMAKE_OBJCOPY)
    message(FATAL_ERROR "BACKPROP_LTO with BACKPROP_INSTALL needs objcopy (binutils) to remove the LTO bytecode "
                        "from the installed libraries; configure with -DBACKPROP_LTO=OFF to install without it")
  endif()
  # The prefix is read at install time, so that `cmake --install --prefix` and DESTDIR are followed.
  set(libdir "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}")
  if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(libdir "${CMAKE_INSTALL_LIBDIR}")
  endif()
  install(CODE "
    set(archive \"\$ENV{DESTDIR}${libdir}/$<TARGET_FILE_NAME:${name}>\")
    execute_process(COMMAND \"${CMAKE_OBJCOPY}\" --remove-section=.gnu.lto_* --remove-section=.gnu.debuglto_*
                            \"\${archive}\" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR \"objcopy could not remove the LTO bytecode from \${archive} (exit \${rc})\")
    endif()")
endfunction()

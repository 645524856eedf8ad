# backprop_set_options(target): the project's C++ standard, warnings and sanitizer flags, per target.
function(backprop_set_options target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(BACKPROP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(BACKPROP_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# backprop_enable_lto(target): link-time optimisation in Release builds (BACKPROP_LTO), so that
# the small accessors and the allocation paths of one op inline across source files: it takes
# about 8% off a small op. Libraries get fat LTO objects, usable by links with and without LTO
# (the tests link without it, to keep the build short, and the installed copies drop the bytecode:
# backprop_install_without_lto); tools and examples link with it.
function(backprop_enable_lto target)
  if(NOT BACKPROP_LTO)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-flto=auto>)
  if(type STREQUAL "EXECUTABLE")
    target_link_options(${target} PRIVATE $<$<CONFIG:Release>:-flto=auto>)
  else()
    target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-ffat-lto-objects>)
  endif()
endfunction()

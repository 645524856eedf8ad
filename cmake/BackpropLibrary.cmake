# backprop_add_library(name sources...): a library of this project, e.g. `nn` -> backprop::nn,
# built as libbackprop_nn, with the project's options, its headers on the include path (the
# project root, so `#include <nn/scalar/mlp.hpp>` works in the build and after install), installed and
# exported in backprop-targets (when BACKPROP_INSTALL is on).
function(backprop_add_library name)
  add_library(${name} ${ARGN})
  add_library(backprop::${name} ALIAS ${name})
  set_target_properties(${name} PROPERTIES OUTPUT_NAME backprop_${name} EXPORT_NAME ${name})
  backprop_set_options(${name})
  backprop_enable_lto(${name})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  if(BACKPROP_INSTALL)
    install(TARGETS ${name} EXPORT backprop-targets
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
    install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${name}
      FILES_MATCHING PATTERN "*.hpp")
  endif()
endfunction()

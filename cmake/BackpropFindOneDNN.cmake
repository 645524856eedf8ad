# Finds oneDNN's library and headers and defines the imported target oneDNN::dnnl. Used by the build
# and by the installed package's config. Not oneDNN's own CMake config: Debian's requires the OpenCL
# development files (for GPU support Backprop does not use), which the library itself does not need.
if(NOT TARGET oneDNN::dnnl)
  find_library(BACKPROP_DNNL_LIBRARY NAMES dnnl)
  find_path(BACKPROP_DNNL_INCLUDE_DIR NAMES oneapi/dnnl/dnnl.hpp)
  if(BACKPROP_DNNL_LIBRARY AND BACKPROP_DNNL_INCLUDE_DIR)
    add_library(oneDNN::dnnl UNKNOWN IMPORTED)
    set_target_properties(oneDNN::dnnl PROPERTIES IMPORTED_LOCATION "${BACKPROP_DNNL_LIBRARY}"
                          INTERFACE_INCLUDE_DIRECTORIES "${BACKPROP_DNNL_INCLUDE_DIR}")
  endif()
endif()
if(TARGET oneDNN::dnnl)
  set(BACKPROP_ONEDNN_FOUND ON)
else()
  set(BACKPROP_ONEDNN_FOUND OFF)
endif()

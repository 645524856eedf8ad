# backprop_install_pkg_config(): installs backprop.pc in <libdir>/pkgconfig, beside the CMake
# package, for builds that use pkg-config: `pkg-config --cflags --libs backprop`.
#
# NOTE: the libraries are static, so every link of a user's program needs what they link
# privately too (zlib, oneDNN, OpenMP, Graphviz). pkg-config gives the .private fields only with
# --static, so these are in Requires and Libs: without --static, as users call it, a program links.
# fmt is public anyway (autograd's headers include it). Dependencies with a pkg-config module of
# their own are Requires (pkg-config finds them where they are installed); the others are flags.
function(backprop_install_pkg_config)
  # Paths relative to the .pc file (${pcfiledir}), as `cmake --install --prefix` may install
  # elsewhere than CMAKE_INSTALL_PREFIX says at configure time; absolute install dirs stay so.
  set(pcdir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(BACKPROP_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  else()
    file(RELATIVE_PATH up "/root/${pcdir}" "/root")
    string(REGEX REPLACE "/$" "" up "${up}")
    set(BACKPROP_PC_PREFIX "\${pcfiledir}/${up}")
  endif()
  foreach(dir LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
      set(BACKPROP_PC_${dir} "${CMAKE_INSTALL_${dir}}")
    else()
      set(BACKPROP_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
    endif()
  endforeach()

  set(requires fmt zlib)
  set(libs "")
  if(BACKPROP_WITH_GRAPHVIZ)
    list(APPEND requires libgvc)
  endif()
  if(BACKPROP_HAVE_ONEDNN)
    # oneDNN has no pkg-config module: the library found by cmake/BackpropFindOneDNN.cmake.
    get_target_property(dnnl oneDNN::dnnl IMPORTED_LOCATION)
    get_filename_component(dnnl_dir "${dnnl}" DIRECTORY)
    get_filename_component(dnnl_name "${dnnl}" NAME_WE)
    string(REGEX REPLACE "^lib" "" dnnl_name "${dnnl_name}")
    list(APPEND libs "-L${dnnl_dir}" "-l${dnnl_name}" ${OpenMP_CXX_FLAGS})
  endif()
  list(APPEND libs ${CMAKE_THREAD_LIBS_INIT})
  foreach(lib IN LISTS CMAKE_DL_LIBS)
    list(APPEND libs "-l${lib}")
  endforeach()
  list(JOIN requires " " BACKPROP_PC_REQUIRES)
  list(JOIN libs " " BACKPROP_PC_LIBS)

  configure_file(${PROJECT_SOURCE_DIR}/cmake/backprop.pc.in ${PROJECT_BINARY_DIR}/backprop.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/backprop.pc DESTINATION ${pcdir})
endfunction()

# backprop_install_pkg_config(): installs backprop.pc in <libdir>/pkgconfig, beside the CMake
# package, for builds that use pkg-config: `pkg-config --cflags --libs backprop`.
#
# NOTE: the libraries are static, so every link of a user's program needs what they link
# privately too (zlib, oneDNN, OpenMP, Graphviz). pkg-config gives the .private fields only with
# --static, so these are link flags in Libs: without --static, as users call it, a program links.
# Only fmt, public (autograd's headers include it), is in Requires, which brings its Cflags too;
# the private ones stay out of a user's compile (libgvc's would add -I/usr/include/graphviz).

# _backprop_pc_library_flags(out library): -L<dir> -l<name> for a library's full path.
function(_backprop_pc_library_flags out library)
  if(NOT EXISTS "${library}")
    message(FATAL_ERROR "backprop.pc: '${library}' is not a library file, so it cannot be given to pkg-config's Libs")
  endif()
  get_filename_component(dir "${library}" DIRECTORY)
  get_filename_component(name "${library}" NAME_WE)
  string(REGEX REPLACE "^lib" "" name "${name}")
  set(${out} "-L${dir}" "-l${name}" PARENT_SCOPE)
endfunction()

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

  set(requires fmt)
  # zlib and oneDNN as found by this build (ZLIB::ZLIB, cmake/BackpropFindOneDNN.cmake); Graphviz
  # as pkg-config gave it to this build (pkg_check_modules(GVC)).
  # FindZLIB sets ZLIB_LIBRARY_RELEASE where it tells release from debug builds, else ZLIB_LIBRARY.
  if(ZLIB_LIBRARY_RELEASE)
    _backprop_pc_library_flags(libs "${ZLIB_LIBRARY_RELEASE}")
  else()
    _backprop_pc_library_flags(libs "${ZLIB_LIBRARY}")
  endif()
  if(BACKPROP_HAVE_ONEDNN)
    get_target_property(dnnl oneDNN::dnnl IMPORTED_LOCATION)
    _backprop_pc_library_flags(dnnl_flags "${dnnl}")
    list(APPEND libs ${dnnl_flags} ${OpenMP_CXX_FLAGS})
  endif()
  if(BACKPROP_WITH_GRAPHVIZ)
    list(APPEND libs ${GVC_LDFLAGS})
  endif()
  list(APPEND libs ${CMAKE_THREAD_LIBS_INIT})
  foreach(lib IN LISTS CMAKE_DL_LIBS)
    list(APPEND libs "-l${lib}")
  endforeach()
  list(REMOVE_DUPLICATES libs) # each -L folder once (the first occurrence of each item stays)
  list(JOIN requires " " BACKPROP_PC_REQUIRES)
  list(JOIN libs " " BACKPROP_PC_LIBS)

  configure_file(${PROJECT_SOURCE_DIR}/cmake/backprop.pc.in ${PROJECT_BINARY_DIR}/backprop.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/backprop.pc DESTINATION ${pcdir})
endfunction()

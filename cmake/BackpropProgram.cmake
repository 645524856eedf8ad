# backprop_add_program(name sources... [LIBS libs...] [DATA]): one program of this project (an
# example, a tool or a benchmark), with the project's options and link-time optimisation, linked
# as a user's program would be. DATA gives it BACKPROP_DATA, the path of the project's data/.
function(backprop_add_program name)
  cmake_parse_arguments(P "DATA" "" "LIBS" ${ARGN})
  add_executable(${name} ${P_UNPARSED_ARGUMENTS})
  backprop_set_options(${name})
  backprop_enable_lto(${name})
  target_link_libraries(${name} PRIVATE ${P_LIBS})
  if(P_DATA)
    target_compile_definitions(${name} PRIVATE BACKPROP_DATA="${PROJECT_SOURCE_DIR}/data")
  endif()
endfunction()

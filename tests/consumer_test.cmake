# Installs the built project into a scratch prefix and uses it from outside, as a user would:
# - the installed tree has the tools (bin/train, evaluate, predict, explain, which run), the
#   headers under include/backprop/ (none at the top of include/) and the CMake and pkg-config
#   packages;
# - the installed static libraries hold machine code and no LTO bytecode: with it, every link of
#   a user's program re-optimised the whole library (26-31 s per link);
# - tests/consumer, configured with find_package(backprop) while nlohmann_json cannot be found
#   (a dependency of the build only), builds and runs, and its link takes at most 5 s;
# - the same program built with the flags of `pkg-config --cflags --libs backprop` runs.
# - with -DDIST=ON, tests/consumer_dist finds the dist component (MPI) and runs.
# Called by CTest with -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DLIBDIR=... (the
# install's lib folder) -DCXX=... -DOBJDUMP=... -DPKG_CONFIG=... -DDIST=ON|OFF
cmake_minimum_required(VERSION 3.23) # string(TIMESTAMP) with microseconds (%f)
include(${CMAKE_CURRENT_LIST_DIR}/run_command.cmake)
set(max_link_ms 5000)
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")

# The installed tree.
foreach(file bin/train bin/evaluate bin/predict bin/explain
             include/backprop/autograd/tensor.hpp include/backprop/nn/nn.hpp
             ${LIBDIR}/cmake/backprop/backprop-config.cmake ${LIBDIR}/pkgconfig/backprop.pc)
  if(NOT EXISTS "${prefix}/${file}")
    message(FATAL_ERROR "the install has no ${file} (in ${prefix})")
  endif()
endforeach()
foreach(dir include/autograd include/nn)
  if(EXISTS "${prefix}/${dir}")
    message(FATAL_ERROR "the install has a top-level ${dir}: the headers belong under include/backprop/")
  endif()
endforeach()

# The tools run from the install (a tool that needed a file of the build tree would fail here).
foreach(tool train evaluate predict explain)
  execute_process(COMMAND "${prefix}/bin/${tool}" --help OUTPUT_VARIABLE help ERROR_VARIABLE error RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT help MATCHES "Usage:")
    message(FATAL_ERROR "the installed ${tool} --help failed (${rc}): ${help}${error}")
  endif()
endforeach()

# The archives: machine code (.text), no LTO bytecode (.gnu.lto_*, .gnu.debuglto_*).
foreach(lib autograd nn)
  set(archive "${prefix}/${LIBDIR}/libbackprop_${lib}.a")
  if(NOT EXISTS "${archive}")
    message(FATAL_ERROR "the install has no ${archive}")
  endif()
  execute_process(COMMAND "${OBJDUMP}" -h "${archive}" OUTPUT_VARIABLE sections RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${OBJDUMP} -h ${archive} failed (${rc})")
  endif()
  string(REGEX MATCH "\\.gnu\\.(debug)?lto_[^ \n]*" lto "${sections}")
  if(lto)
    message(FATAL_ERROR "${archive} holds LTO bytecode (section ${lto}): every link of a user's program "
                        "would re-optimise the library")
  endif()
  if(NOT sections MATCHES "\n *[0-9]+ \\.text")
    message(FATAL_ERROR "${archive} has no .text section: its objects carried LTO bytecode alone "
                        "(no -ffat-lto-objects?), so removing it left no code")
  endif()
endforeach()

# find_package(backprop), with nlohmann_json hidden: the package must not ask for it (then CMake
# would warn that the variable hiding it went unused; --no-warn-unused-cli keeps that quiet).
set(build "${WORK_DIR}/build")
run(${CMAKE_COMMAND} --no-warn-unused-cli -S "${SOURCE_DIR}/tests/consumer" -B "${build}" "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)
run(${CMAKE_COMMAND} --build "${build}")
run("${build}/consumer")
# The link alone, timed: the program is removed, its object stays, and the build links it again.
file(REMOVE "${build}/consumer")
string(TIMESTAMP start "%s%f" UTC)
run(${CMAKE_COMMAND} --build "${build}")
string(TIMESTAMP end "%s%f" UTC)
math(EXPR link_ms "(${end} - ${start}) / 1000")
message(STATUS "consumer: linked against the installed package in ${link_ms} ms")
if(link_ms GREATER max_link_ms)
  message(FATAL_ERROR "linking the consumer took ${link_ms} ms, above ${max_link_ms} ms: "
                      "do the installed libraries hold LTO bytecode?")
endif()
run("${build}/consumer")

# The dist component (where the build has it): find_package(backprop COMPONENTS dist) finds MPI
# and backprop::dist, whose program runs as a world of one without mpirun.
if(DIST)
  if(NOT EXISTS "${prefix}/include/backprop/dist/data_parallel.hpp")
    message(FATAL_ERROR "the install has no include/backprop/dist/data_parallel.hpp")
  endif()
  set(dist_build "${WORK_DIR}/build_dist")
  run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer_dist" -B "${dist_build}" "-DCMAKE_PREFIX_PATH=${prefix}"
      -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build "${dist_build}")
  run("${dist_build}/consumer_dist")
endif()

# pkg-config, without CMake: the flags of `pkg-config --cflags --libs backprop`, used as they are.
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig"
                        "${PKG_CONFIG}" --cflags --libs backprop
                OUTPUT_VARIABLE flags ERROR_VARIABLE error RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs backprop failed (${rc}): ${error}")
endif()
message(STATUS "pkg-config --cflags --libs backprop: ${flags}")
separate_arguments(flags UNIX_COMMAND "${flags}")
run("${CXX}" -std=c++20 -O2 "${SOURCE_DIR}/tests/consumer/main.cpp" ${flags} -o "${WORK_DIR}/consumer_pkg_config")
run("${WORK_DIR}/consumer_pkg_config")

# Configures tests/consumer_subdir, a parent project that add_subdirectory()s Backprop, without a
# build type, and checks that Backprop behaves as a guest there:
# - the parent's CMAKE_BUILD_TYPE stays empty (Backprop defaults to Release only on its own);
# - the parent has no Backprop tests, examples, tools or benchmarks: its only programs and custom
#   targets are its own, beside Backprop's libraries;
# - `cmake --install` of the parent installs the parent's program and nothing of Backprop's;
# then builds it (unoptimised, as no build type means) and runs its program.
# Called by CTest with -DSOURCE_DIR=... -DWORK_DIR=...
cmake_minimum_required(VERSION 3.20) # policies of the project, IN_LIST among them
include(${CMAKE_CURRENT_LIST_DIR}/run_command.cmake)
file(REMOVE_RECURSE "${WORK_DIR}")
set(build "${WORK_DIR}/build")
# CMake 3.22 and later take CMAKE_BUILD_TYPE from the environment when none is given.
unset(ENV{CMAKE_BUILD_TYPE})
# Ask CMake's file API for the code model: the targets of the parent, with their types.
file(WRITE "${build}/.cmake/api/v1/query/codemodel-v2" "")
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer_subdir" -B "${build}")

file(STRINGS "${build}/CMakeCache.txt" build_type REGEX "^CMAKE_BUILD_TYPE:")
if(NOT build_type MATCHES "^CMAKE_BUILD_TYPE:[A-Z]*=$")
  message(FATAL_ERROR "Backprop set the parent's build type: ${build_type}")
endif()

file(GLOB index "${build}/.cmake/api/v1/reply/index-*.json")
file(READ "${index}" json)
string(JSON codemodel_file GET "${json}" reply codemodel-v2 jsonFile)
file(READ "${build}/.cmake/api/v1/reply/${codemodel_file}" codemodel)
string(JSON n LENGTH "${codemodel}" configurations 0 targets)
math(EXPR last "${n} - 1")
set(libraries "")
set(foreign "")
foreach(i RANGE ${last})
  string(JSON target_file GET "${codemodel}" configurations 0 targets ${i} jsonFile)
  file(READ "${build}/.cmake/api/v1/reply/${target_file}" target)
  string(JSON name GET "${target}" name)
  string(JSON type GET "${target}" type)
  if(type MATCHES "_LIBRARY$")
    list(APPEND libraries ${name})
  elseif(NOT name STREQUAL "consumer")
    list(APPEND foreign "${name} (${type})")
  endif()
endforeach()
if(foreign)
  message(FATAL_ERROR "Backprop added targets other than its libraries to the parent: ${foreign}")
endif()
if(NOT "nn" IN_LIST libraries OR NOT "autograd" IN_LIST libraries)
  message(FATAL_ERROR "the code model lists the libraries ${libraries}, without autograd and nn")
endif()

run(${CMAKE_COMMAND} --build "${build}" --parallel 2)
run(${CMAKE_COMMAND} --install "${build}" --prefix "${WORK_DIR}/prefix")
file(GLOB_RECURSE installed RELATIVE "${WORK_DIR}/prefix" "${WORK_DIR}/prefix/*")
if(NOT installed STREQUAL "bin/consumer")
  message(FATAL_ERROR "installing the parent should install bin/consumer alone, not: ${installed}")
endif()
run("${build}/consumer")

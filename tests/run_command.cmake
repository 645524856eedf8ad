# run(command args...): runs a command of a CMake-script test and fails the test, naming the
# command, when it exits non-zero. Included by tests/consumer_test.cmake and
# tests/consumer_subdir_test.cmake.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}")
  endif()
endfunction()

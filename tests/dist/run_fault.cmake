# Runs tests/dist/dist_fault under mpirun and checks that the job ends within a bound, with a
# non-zero status and (where a handler of ours runs) the message naming rank 1 and its error.
# Called by CTest with -DMPIRUN=... -DFLAGS=a|b|c (mpirun's options, | between them) -DNP=...
# -DPROGRAM=... -DMODE=... -DEXPECT=<regular expression the output must match, or empty>
# [-DREFUSE=<regular expression the output must not match>]
cmake_minimum_required(VERSION 3.20)
set(bound_seconds 30)
string(REPLACE "|" ";" flags "${FLAGS}")
string(TIMESTAMP start "%s")
execute_process(COMMAND "${MPIRUN}" -np ${NP} ${flags} "${PROGRAM}" ${MODE}
  TIMEOUT ${bound_seconds} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
message(STATUS "mpirun -np ${NP} dist_fault ${MODE}: status ${rc} after ${seconds} s\n${out}${err}")
if(rc MATCHES "timeout")
  message(FATAL_ERROR "the job hung: still running after ${bound_seconds} s")
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "the job ended with status 0 although rank 1 failed")
endif()
if(out MATCHES "all steps done" OR err MATCHES "all steps done|must not be reached")
  message(FATAL_ERROR "a rank went on after rank 1 failed")
endif()
if(EXPECT AND NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output does not match '${EXPECT}'")
endif()
if(REFUSE AND "${out}${err}" MATCHES "${REFUSE}")
  message(FATAL_ERROR "the output matches '${REFUSE}', which it must not")
endif()

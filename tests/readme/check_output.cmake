# Runs a README program and compares its standard output with what the README shows it printing,
# exactly (a changed format or number is a stale README). Called by CTest with
# -DPROGRAM=... -DEXPECTED=... -DWORK_DIR=...
execute_process(COMMAND "${PROGRAM}" WORKING_DIRECTORY "${WORK_DIR}"
  OUTPUT_VARIABLE printed RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} failed (${rc})")
endif()
file(READ "${EXPECTED}" shown)
if(NOT printed STREQUAL shown)
  message(FATAL_ERROR "${PROGRAM} printed\n${printed}\nbut README.md shows\n${shown}")
endif()
message(STATUS "${PROGRAM} printed what README.md shows:\n${printed}")

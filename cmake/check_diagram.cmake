# ctest helper: fails when docs/state-machine.md differs from what the table generates.
execute_process(COMMAND ${GEN} OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "state diagram generator failed")
endif()
file(READ ${DOC} committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "docs/state-machine.md is stale: run build/native/earshot_state_diagram > docs/state-machine.md")
endif()

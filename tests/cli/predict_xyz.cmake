# SPDX-License-Identifier: GPL-2.0-or-later
# Converts a reference input.data file to extended XYZ and runs bpnn predict on it.
execute_process(COMMAND ${COMPARE} to-xyz ${INPUT} ${XYZ} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "conversion of ${INPUT} to extended XYZ failed")
endif()
execute_process(COMMAND ${BPNN} predict ${POTENTIAL} ${XYZ} -o ${OUTPUT} --force RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "bpnn predict on ${XYZ} failed")
endif()

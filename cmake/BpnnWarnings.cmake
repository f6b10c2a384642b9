# SPDX-License-Identifier: GPL-2.0-or-later
# Compiler warnings for bpnn's own targets (not for LAMMPS or Kokkos code).
function(bpnn_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             -Wnon-virtual-dtor -Wconversion
                                             -Wno-sign-conversion)
  endif()
  if(BPNN_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

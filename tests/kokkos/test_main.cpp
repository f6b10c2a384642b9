// SPDX-License-Identifier: GPL-2.0-or-later
// Catch2 main that initializes Kokkos (Serial and OpenMP back ends) for the
// whole test run, with 2 OpenMP threads so that the OpenMP tests exercise
// the atomic updates of concurrent threads.
#define CATCH_CONFIG_RUNNER
#include <Kokkos_Core.hpp>

#include <catch2/catch.hpp>

#include <stdlib.h>

int main(int argc, char* argv[]) {
    // Kokkos 3.4 prints a warning about thread binding at initialization
    // unless OMP_PROC_BIND is set; CTest's test discovery would read that
    // warning as a test name. Binding stays off on shared machines.
    setenv("OMP_PROC_BIND", "false", 0);
#if KOKKOS_VERSION >= 30700
    Kokkos::initialize(Kokkos::InitializationSettings().set_num_threads(2));
#else
    Kokkos::InitArguments arguments;
    arguments.num_threads = 2;
    Kokkos::initialize(arguments);
#endif
    int result = 0;
    {
        result = Catch::Session().run(argc, argv);
    }
    Kokkos::finalize();
    return result;
}

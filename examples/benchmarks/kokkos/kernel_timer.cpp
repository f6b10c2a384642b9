// SPDX-License-Identifier: GPL-2.0-or-later
// A minimal Kokkos Tools library that sums the wall time of every kernel by
// its name and prints the table to standard error when Kokkos finalizes.
// The bpnn kernels are named after their stage (bpnn::descriptors,
// bpnn::adjoint, ...), so the table is a profile of the pipeline.
//
//   g++ -O2 -shared -fPIC kernel_timer.cpp -o kernel_timer.so
//   KOKKOS_PROFILE_LIBRARY=$PWD/kernel_timer.so lmp -k on t 1 -sf kk -in in.file
//
// The timer assumes that kernels do not overlap in time, as with one
// execution space instance in LAMMPS. It fences nothing itself.
// NOTE: used with the OpenMP back end only. On a GPU the times may cover
// only the kernel launches.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct RunningKernel {
    std::string name;
    Clock::time_point start;
};

std::vector<RunningKernel> running;
std::map<std::string, std::pair<double, long>> totals;  // seconds and calls by name

void beginKernel(const char* name, uint64_t* id) {
    running.push_back({name, Clock::now()});
    *id = running.size() - 1;
}

void endKernel(uint64_t) {
    if (running.empty()) return;
    const RunningKernel kernel = running.back();
    running.pop_back();
    auto& total = totals[kernel.name];
    total.first += std::chrono::duration<double>(Clock::now() - kernel.start).count();
    total.second += 1;
}

}  // namespace

extern "C" {

void kokkosp_init_library(int, uint64_t, uint32_t, void*) {}

void kokkosp_finalize_library() {
    std::vector<std::pair<double, std::string>> rows;
    for (const auto& entry : totals) rows.emplace_back(entry.second.first, entry.first);
    std::sort(rows.rbegin(), rows.rend());
    std::fprintf(stderr, "%12s %10s  %s\n", "seconds", "calls", "kernel");
    for (const auto& row : rows) {
        std::fprintf(stderr, "%12.4f %10ld  %s\n", row.first, totals[row.second].second, row.second.c_str());
    }
}

void kokkosp_begin_parallel_for(const char* name, uint32_t, uint64_t* id) { beginKernel(name, id); }
void kokkosp_end_parallel_for(uint64_t id) { endKernel(id); }
void kokkosp_begin_parallel_reduce(const char* name, uint32_t, uint64_t* id) { beginKernel(name, id); }
void kokkosp_end_parallel_reduce(uint64_t id) { endKernel(id); }
void kokkosp_begin_parallel_scan(const char* name, uint32_t, uint64_t* id) { beginKernel(name, id); }
void kokkosp_end_parallel_scan(uint64_t id) { endKernel(id); }

}  // extern "C"

// SPDX-License-Identifier: GPL-2.0-or-later
// Times the core library on a LAMMPS data file (atom_style atomic):
// neighbor list, energy only, and energy with forces and virial (both from
// the same neighbor list, as in MD between list rebuilds), and prints
// atom-steps per second and the peak resident memory of the process. Times
// are wall-clock times, with the process's CPU time in brackets: on a
// loaded machine the CPU time is the better estimate of the unloaded time.
//
//   bpnn_library_benchmark POTENTIAL_DIR DATA_FILE TYPE_ELEMENTS
//       [--length-factor F] [--replicate NX NY NZ] [--subbox F] [--repeat N]
//
// TYPE_ELEMENTS maps LAMMPS atom types to elements, for example "H,O".
// --length-factor converts the data file's lengths to the potential's unit
// (1.8897261328 for Angstrom to Bohr). Only orthogonal boxes are read.
// --subbox F keeps the atoms in the corner of the box whose edges are F
// times the box edges, as a periodic box of that size. It makes smaller
// systems of the same density for timing only: molecules cut at the new
// faces meet atoms of the opposite face at unphysical distances.
#include "core/evaluator.h"
#include "core/neighbor_list.h"
#include "core/potential.h"

#include <sys/resource.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace bpnn;

namespace {

Structure readLammpsData(const std::string& path, const std::vector<std::string>& elements, double factor) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    Structure s;
    s.periodic = {true, true, true};
    std::string line;
    double lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
    const char* labels[3] = {"xlo xhi", "ylo yhi", "zlo zhi"};
    while (std::getline(in, line)) {
        for (int c = 0; c < 3; ++c) {
            if (line.find(labels[c]) != std::string::npos) std::sscanf(line.c_str(), "%lf %lf", &lo[c], &hi[c]);
        }
        if (line.find("xy xz yz") != std::string::npos) {
            double xy = 0, xz = 0, yz = 0;
            std::sscanf(line.c_str(), "%lf %lf %lf", &xy, &xz, &yz);
            if (xy != 0.0 || xz != 0.0 || yz != 0.0) throw std::runtime_error(path + ": triclinic boxes are not supported here");
        }
        if (line.rfind("Atoms", 0) == 0) break;
    }
    for (int c = 0; c < 3; ++c) s.cell[c][c] = (hi[c] - lo[c]) * factor;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        long id = 0;
        std::size_t type = 0;
        double x, y, z;
        if (!(words >> id >> type >> x >> y >> z)) {
            if (!s.positions.empty()) break;
            continue;
        }
        if (type < 1 || type > elements.size()) throw std::runtime_error(path + ": atom type " + std::to_string(type) + " has no element");
        s.positions.push_back(Vec3{(x - lo[0]) * factor, (y - lo[1]) * factor, (z - lo[2]) * factor});
        s.symbols.push_back(elements[type - 1]);
    }
    return s;
}

Structure replicate(const Structure& s, int nx, int ny, int nz) {
    Structure out = s;
    out.positions.clear();
    out.symbols.clear();
    for (int i = 0; i < nx; ++i)
        for (int j = 0; j < ny; ++j)
            for (int k = 0; k < nz; ++k)
                for (std::size_t a = 0; a < s.size(); ++a) {
                    Vec3 p = s.positions[a];
                    for (int c = 0; c < 3; ++c) p[c] += i * s.cell[0][c] + j * s.cell[1][c] + k * s.cell[2][c];
                    out.positions.push_back(p);
                    out.symbols.push_back(s.symbols[a]);
                }
    for (int c = 0; c < 3; ++c) {
        out.cell[0][c] *= nx;
        out.cell[1][c] *= ny;
        out.cell[2][c] *= nz;
    }
    return out;
}

Structure subbox(const Structure& s, double fraction) {
    if (!(fraction > 0.0 && fraction <= 1.0)) {
        throw std::runtime_error("--subbox must lie in (0, 1], not " + std::to_string(fraction));
    }
    Structure out = s;
    out.positions.clear();
    out.symbols.clear();
    for (int c = 0; c < 3; ++c) out.cell[c][c] *= fraction;
    for (std::size_t a = 0; a < s.size(); ++a) {
        const Vec3& p = s.positions[a];
        if (p[0] < out.cell[0][0] && p[1] < out.cell[1][1] && p[2] < out.cell[2][2]) {
            out.positions.push_back(p);
            out.symbols.push_back(s.symbols[a]);
        }
    }
    return out;
}

// Wall-clock and CPU time of one timed section, in seconds.
struct Timing {
    double wall = 1e300;
    double cpu = 1e300;
};

double cpuSeconds() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// Runs `section` and keeps the smaller of its times and those in `best`.
template <class Section>
void measure(Timing& best, Section section) {
    const auto wallStart = std::chrono::steady_clock::now();
    const double cpuStart = cpuSeconds();
    section();
    const double cpu = cpuSeconds() - cpuStart;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    best.wall = std::min(best.wall, wall);
    best.cpu = std::min(best.cpu, cpu);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s POTENTIAL_DIR DATA_FILE TYPE_ELEMENTS [--length-factor F] "
                             "[--replicate NX NY NZ] [--subbox F] [--repeat N]\n", argv[0]);
        return 2;
    }
    try {
        double factor = 1.0, fraction = 1.0;
        int nx = 1, ny = 1, nz = 1, repeat = 3;
        for (int i = 4; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "--length-factor" && i + 1 < argc) factor = std::atof(argv[++i]);
            else if (arg == "--replicate" && i + 3 < argc) {
                nx = std::atoi(argv[++i]);
                ny = std::atoi(argv[++i]);
                nz = std::atoi(argv[++i]);
            } else if (arg == "--subbox" && i + 1 < argc) fraction = std::atof(argv[++i]);
            else if (arg == "--repeat" && i + 1 < argc) repeat = std::atoi(argv[++i]);
            else throw std::runtime_error("unknown or incomplete option " + arg);
        }
        std::vector<std::string> elements;
        std::stringstream typeList(argv[3]);
        for (std::string e; std::getline(typeList, e, ',');) elements.push_back(e);

        const Potential potential = readPotential(argv[1]);
        const Structure structure =
            subbox(replicate(readLammpsData(argv[2], elements, factor), nx, ny, nz), fraction);
        Evaluator evaluator(potential);
        const double n = static_cast<double>(structure.size());

        // As in MD, the neighbor list is built once and the evaluations read
        // it, so that their times leave out the list (timed on its own).
        const std::vector<int> elementOf = evaluator.elementIndices(structure);
        NeighborList neighborList = buildNeighborList(structure, potential.maxCutoff());
        std::vector<double> forceArray(3 * structure.size());
        auto evaluate = [&](bool derivatives) {
            EvaluationRequest request;
            request.numCenters = structure.size();
            request.elements = elementOf.data();
            request.derivatives = derivatives;
            request.gather = [&neighborList](std::size_t center, std::vector<Neighbor>& out) {
                out.assign(neighborList.begin(center), neighborList.end(center));
            };
            double virial[9] = {};
            EvaluationOutput output;
            if (derivatives) {
                std::fill(forceArray.begin(), forceArray.end(), 0.0);
                output.forces = forceArray.data();
                output.virial = virial;
            }
            evaluator.evaluate(request, output);
        };
        Timing list, energy, forces;
        for (int r = 0; r < repeat; ++r) {
            neighborList = NeighborList{};  // so that only one list is held at a time
            measure(list, [&] { neighborList = buildNeighborList(structure, potential.maxCutoff()); });
            measure(energy, [&] { evaluate(false); });
            measure(forces, [&] { evaluate(true); });
        }
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        std::printf("atoms %zu, best of %d runs, one thread\n", structure.size(), repeat);
        std::printf("  neighbor list        %8.2f us/atom (CPU %.2f)\n", 1e6 * list.wall / n, 1e6 * list.cpu / n);
        std::printf("  energy only          %8.2f us/atom (CPU %.2f)  %10.0f atom-steps/s\n", 1e6 * energy.wall / n,
                    1e6 * energy.cpu / n, n / energy.wall);
        std::printf("  energy and forces    %8.2f us/atom (CPU %.2f)  %10.0f atom-steps/s\n", 1e6 * forces.wall / n,
                    1e6 * forces.cpu / n, n / forces.wall);
        std::printf("  forces / energy cost %8.2f (CPU %.2f)\n", forces.wall / energy.wall, forces.cpu / energy.cpu);
        std::printf("  peak memory          %8.1f MB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bpnn_library_benchmark: %s\n", error.what());
        return 1;
    }
    return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// Times the core library on a LAMMPS data file (atom_style atomic):
// neighbor list, energy only, and energy with forces and virial, and prints
// atom-steps per second and the peak resident memory of the process.
//
//   bpnn_library_benchmark POTENTIAL_DIR DATA_FILE TYPE_ELEMENTS
//       [--length-factor F] [--replicate NX NY NZ] [--repeat N]
//
// TYPE_ELEMENTS maps LAMMPS atom types to elements, for example "H,O".
// --length-factor converts the data file's lengths to the potential's unit
// (1.8897261328 for Angstrom to Bohr). Only orthogonal boxes are read.
#include "core/evaluator.h"
#include "core/potential.h"

#include <sys/resource.h>

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

double seconds(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s POTENTIAL_DIR DATA_FILE TYPE_ELEMENTS [--length-factor F] "
                             "[--replicate NX NY NZ] [--repeat N]\n", argv[0]);
        return 2;
    }
    try {
        double factor = 1.0;
        int nx = 1, ny = 1, nz = 1, repeat = 3;
        for (int i = 4; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "--length-factor" && i + 1 < argc) factor = std::atof(argv[++i]);
            else if (arg == "--replicate" && i + 3 < argc) {
                nx = std::atoi(argv[++i]);
                ny = std::atoi(argv[++i]);
                nz = std::atoi(argv[++i]);
            } else if (arg == "--repeat" && i + 1 < argc) repeat = std::atoi(argv[++i]);
            else throw std::runtime_error("unknown or incomplete option " + arg);
        }
        std::vector<std::string> elements;
        std::stringstream typeList(argv[3]);
        for (std::string e; std::getline(typeList, e, ',');) elements.push_back(e);

        const Potential potential = readPotential(argv[1]);
        const Structure structure = replicate(readLammpsData(argv[2], elements, factor), nx, ny, nz);
        Evaluator evaluator(potential);
        const double n = static_cast<double>(structure.size());
        double bestList = 1e300, bestEnergy = 1e300, bestForces = 1e300;
        for (int r = 0; r < repeat; ++r) {
            auto start = std::chrono::steady_clock::now();
            const NeighborList list = buildNeighborList(structure, potential.maxCutoff());
            bestList = std::min(bestList, seconds(start));
            start = std::chrono::steady_clock::now();
            evaluator.evaluate(structure, false);
            bestEnergy = std::min(bestEnergy, seconds(start));
            start = std::chrono::steady_clock::now();
            evaluator.evaluate(structure, true);
            bestForces = std::min(bestForces, seconds(start));
        }
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        std::printf("atoms %zu, best of %d runs, one thread\n", structure.size(), repeat);
        std::printf("  neighbor list        %8.2f us/atom\n", 1e6 * bestList / n);
        std::printf("  energy only          %8.2f us/atom  %10.0f atom-steps/s\n", 1e6 * bestEnergy / n, n / bestEnergy);
        std::printf("  energy and forces    %8.2f us/atom  %10.0f atom-steps/s\n", 1e6 * bestForces / n, n / bestForces);
        std::printf("  forces / energy cost %8.2f\n", bestForces / bestEnergy);
        std::printf("  peak memory          %8.1f MB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bpnn_library_benchmark: %s\n", error.what());
        return 1;
    }
    return 0;
}

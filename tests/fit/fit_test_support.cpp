// SPDX-License-Identifier: GPL-2.0-or-later
#include "fit_test_support.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace bpnn {
namespace fittest {

std::string dataPath(const std::string& relative) { return std::string(BPNN_TEST_DATA_DIR) + "/" + relative; }

std::string makeTempDir(const std::string& name) {
    namespace fs = std::filesystem;
    static int counter = 0;
    const fs::path path = fs::temp_directory_path() /
                          ("bpnn-fit-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name);
    fs::remove_all(path);
    fs::create_directories(path);
    return path.string();
}

void writeTextFile(const std::string& path, const std::string& content) {
    std::ofstream out(path);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string readTextFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string syntheticSettings(Family family, char activation, const std::string& extra, int nodes) {
    std::ostringstream s;
    s << "number_of_elements 2\n"
      << "elements H O\n"
      << "atom_energy H -0.1\n"
      << "atom_energy O -0.7\n"
      << "cutoff_type 6 0.0\n"
      << "scale_symmetry_functions\n"
      << "center_symmetry_functions\n"
      << "scale_min_short -1.0\n"
      << "scale_max_short 1.0\n"
      << "global_hidden_layers_short 2\n"
      << "global_nodes_short " << nodes << " " << nodes << "\n"
      << "global_activation_short " << activation << " " << activation << " l\n";
    const bool all = family == Family::All;
    if (family == Family::Radial || all) {
        s << "symfunction_short H 2 H 0.5 0.0 4.0\n"
          << "symfunction_short H 2 O 0.8 1.0 4.0\n"
          << "symfunction_short O 2 H 0.5 0.9 4.0\n"
          << "symfunction_short O 2 O 0.3 0.0 4.0\n"
          << "symfunction_short H 12 0.2 0.0 4.0\n"
          << "symfunction_short O 12 0.6 1.2 4.0\n";
    }
    if (family == Family::Angular || all) {
        s << "symfunction_short H 3 O H 0.1 1.0 2.0 4.0\n"
          << "symfunction_short H 3 O O 0.05 -1.0 1.0 4.0 0.5\n"
          << "symfunction_short O 3 H H 0.1 -1.0 4.0 4.0\n"
          << "symfunction_short O 9 H O 0.05 1.0 1.0 4.0\n"
          << "symfunction_short H 9 H H 0.02 1.0 2.5 4.0\n"
          << "symfunction_short H 13 0.1 0.0 1.0 2.0 4.0\n"
          << "symfunction_short O 13 0.05 0.5 -1.0 1.0 4.0\n";
    }
    if (family == Family::Compact || all) {
        s << "symfunction_short H 20 O 0.5 4.0 p2\n"
          << "symfunction_short O 20 H 0.0 4.0 p3a\n"
          << "symfunction_short H 21 H O 0.0 4.0 30.0 150.0 p2\n"
          << "symfunction_short O 22 H H 0.5 4.0 0.0 120.0 p4\n"
          << "symfunction_short H 23 0.5 4.0 e\n"
          << "symfunction_short O 24 0.0 4.0 60.0 180.0 p1\n"
          << "symfunction_short O 25 0.0 4.0 45.0 135.0 p2a\n"
          << "symfunction_short H 25 0.0 4.0 0.0 180.0 p3\n";
    }
    s << extra;
    return s.str();
}

namespace {

bool farEnough(const std::vector<Vec3>& positions, const Vec3& candidate, const Structure& structure,
               double minDistance) {
    for (const Vec3& other : positions) {
        for (int a = -1; a <= 1; ++a) {
            for (int b = -1; b <= 1; ++b) {
                for (int c = -1; c <= 1; ++c) {
                    if (!structure.isPeriodic() && (a || b || c)) continue;
                    double d2 = 0.0;
                    for (int k = 0; k < 3; ++k) {
                        const double shift = a * structure.cell[0][static_cast<std::size_t>(k)] +
                                             b * structure.cell[1][static_cast<std::size_t>(k)] +
                                             c * structure.cell[2][static_cast<std::size_t>(k)];
                        const double d = candidate[static_cast<std::size_t>(k)] - other[static_cast<std::size_t>(k)] - shift;
                        d2 += d * d;
                    }
                    if (d2 < minDistance * minDistance) return false;
                }
            }
        }
    }
    return true;
}

}  // namespace

std::vector<Structure> randomStructures(std::mt19937& random, std::size_t count, std::size_t atoms, double edge,
                                        double minDistance) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<Structure> structures;
    for (std::size_t s = 0; s < count; ++s) {
        Structure structure;
        structure.line = 1 + 100 * s;
        const bool periodic = s % 2 == 0;
        if (periodic) {
            structure.periodic = {true, true, true};
            structure.cell = {Vec3{edge, 0.0, 0.0}, Vec3{0.3, edge, 0.0}, Vec3{-0.2, 0.4, edge}};
        }
        for (std::size_t i = 0; i < atoms; ++i) {
            Vec3 candidate{};
            for (int attempt = 0; attempt < 10000; ++attempt) {
                if (periodic) {
                    const double u = unit(random), v = unit(random), w = unit(random);
                    for (std::size_t k = 0; k < 3; ++k) {
                        candidate[k] = u * structure.cell[0][k] + v * structure.cell[1][k] + w * structure.cell[2][k];
                    }
                } else {
                    for (double& x : candidate) x = edge * unit(random);
                }
                if (farEnough(structure.positions, candidate, structure, minDistance)) break;
            }
            structure.positions.push_back(candidate);
            structure.symbols.push_back(i % 3 == 0 ? "O" : "H");
            structure.forces.push_back(Vec3{0.3 * normal(random), 0.3 * normal(random), 0.3 * normal(random)});
            structure.charges.push_back(0.0);
            structure.atomEnergies.push_back(0.0);
        }
        structure.energy = -0.5 * static_cast<double>(atoms) + 0.2 * normal(random);
        structure.hasEnergy = true;
        structure.hasForces = true;
        structures.push_back(structure);
    }
    return structures;
}

std::string writeSettings(const std::string& directory, const std::string& text) {
    const std::string path = directory + "/input.nn";
    writeTextFile(path, text);
    return path;
}

}  // namespace fittest
}  // namespace bpnn

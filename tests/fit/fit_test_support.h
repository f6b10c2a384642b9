// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers of the fitting tests: temporary directories, settings files with
// chosen symmetry functions and activations, and random structures.
#pragma once

#include "core/structure.h"

#include <random>
#include <string>
#include <vector>

namespace bpnn {
namespace fittest {

std::string dataPath(const std::string& relative);

// A fresh, empty directory under the system's temporary directory.
std::string makeTempDir(const std::string& name);

void writeTextFile(const std::string& path, const std::string& content);
std::string readTextFile(const std::string& path);

// Symmetry function families of the synthetic H-O settings.
enum class Family { Radial, Angular, Compact, All };

// input.nn text for elements H and O with the functions of one family,
// two hidden layers of `nodes` nodes with the given activation code, a
// linear output layer and the given extra lines (training keywords).
std::string syntheticSettings(Family family, char activation, const std::string& extra, int nodes = 4);

// Random H-O structures with no pair closer than minDistance, random
// reference energies (about -0.5 per atom) and forces. Periodic cells
// alternate with isolated clusters.
std::vector<Structure> randomStructures(std::mt19937& random, std::size_t count, std::size_t atoms,
                                        double edge, double minDistance);

// Writes settings to DIR/input.nn and returns the path.
std::string writeSettings(const std::string& directory, const std::string& text);

}  // namespace fittest
}  // namespace bpnn

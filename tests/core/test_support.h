// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the core library tests: data paths, temporary
// directories, reference files and synthetic potentials.
#pragma once

#include "core/evaluator.h"
#include "core/potential.h"
#include "core/structure.h"

#include <random>
#include <string>
#include <vector>

namespace bpnn::test {

std::string dataPath(const std::string& relative);

// A fresh, empty directory under the system's temporary directory.
std::string makeTempDir(const std::string& name);

void writeTextFile(const std::string& path, const std::string& content);

// Per-atom energies of reference-atomic-energies.txt, by structure.
std::vector<std::vector<double>> readAtomicEnergies(const std::string& path);

// A two-element (H, O) potential that exercises every symmetry function
// type, with random weights and scaling statistics. The hidden layers use
// `activation`, the output layer is linear.
Potential makeSyntheticPotential(CutoffType cutoff, double alpha, Activation activation,
                                 std::mt19937& random);

// The H and O potential of makeSyntheticPotential (tanh cutoff, softplus)
// with only angular functions of types 3, 9 and 13 and cutoff
// kAngularPowerCutoff. Within a group their etas are integer multiples of
// each other (ratios 2 to 33), with and without shifts r_s, and some zetas
// are not integers.
constexpr double kAngularPowerCutoff = 4.1;
Potential makeAngularPowerPotential(std::mt19937& random);

// Random structures of H and O atoms with no pair closer than minDistance.
Structure makeRandomCell(std::mt19937& random, std::size_t numAtoms, bool triclinic, double edge,
                         double minDistance);
Structure makeRandomCluster(std::mt19937& random, std::size_t numAtoms, double extent,
                            double minDistance);

// Energy of a structure without derivatives.
double energyOf(Evaluator& evaluator, const Structure& structure);

}  // namespace bpnn::test

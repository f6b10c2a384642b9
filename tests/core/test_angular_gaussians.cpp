// SPDX-License-Identifier: GPL-2.0-or-later
// Angular Gaussian symmetry functions (types 3, 9, 13) whose etas are
// integer multiples of each other, with and without shifts r_s, and
// non-integer zetas. The triplet loops compute such Gaussians as powers of
// one exp and skip triplets with r_jk beyond the cutoff. These tests compare
// the values with a plain triple loop over the defining formulas, and the
// forces with finite differences.
#include "core/evaluator.h"
#include "core/formulas.h"
#include "core/neighbor_list.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace bpnn;

namespace {

const double kCutoff = test::kAngularPowerCutoff;

// The symmetry functions of every atom from their definitions: a loop over
// all neighbor pairs (j, k), each unordered pair once.
std::vector<std::vector<double>> directValues(const Potential& potential, const Structure& structure,
                                              const std::vector<int>& elements) {
    const NeighborList list = buildNeighborList(structure, kCutoff);
    const formula::CutoffParams cutoff = formula::makeCutoff(potential.cutoffType, kCutoff, potential.cutoffAlpha);
    auto fc = [&](double r) {
        double value, derivative;
        formula::cutoffFunction(cutoff, r, value, derivative);
        return value;
    };
    std::vector<std::vector<double>> values(structure.size());
    for (std::size_t i = 0; i < structure.size(); ++i) {
        const ElementModel& model = potential.elements[static_cast<std::size_t>(elements[i])];
        values[i].assign(model.symmetryFunctions.size(), 0.0);
        const std::size_t count = list.count(i);
        const Neighbor* nb = list.begin(i);
        for (std::size_t s = 0; s < model.symmetryFunctions.size(); ++s) {
            const SymmetryFunction& sf = model.symmetryFunctions[s];
            double sum = 0.0;
            for (std::size_t a = 0; a < count; ++a) {
                for (std::size_t b = a + 1; b < count; ++b) {
                    const int ea = elements[static_cast<std::size_t>(nb[a].index)];
                    const int eb = elements[static_cast<std::size_t>(nb[b].index)];
                    double weight = 1.0;
                    if (sf.type == 13) {
                        weight = potential.elements[static_cast<std::size_t>(ea)].atomicNumber *
                                 potential.elements[static_cast<std::size_t>(eb)].atomicNumber;
                    } else if (!((ea == sf.neighbor1 && eb == sf.neighbor2) ||
                                 (ea == sf.neighbor2 && eb == sf.neighbor1))) {
                        continue;
                    }
                    const double rij = nb[a].r, rik = nb[b].r;
                    const double dx = nb[b].dx - nb[a].dx, dy = nb[b].dy - nb[a].dy, dz = nb[b].dz - nb[a].dz;
                    const double rjk = std::sqrt(dx * dx + dy * dy + dz * dz);
                    const double dot = nb[a].dx * nb[b].dx + nb[a].dy * nb[b].dy + nb[a].dz * nb[b].dz;
                    const double cosine = dot / (rij * rik);
                    const double base = 1.0 + sf.lambda * cosine;
                    if (base <= 0.0) continue;
                    double exponent = (rij - sf.rs) * (rij - sf.rs) + (rik - sf.rs) * (rik - sf.rs);
                    double radial = fc(rij) * fc(rik);
                    if (sf.type != 9) {
                        exponent += (rjk - sf.rs) * (rjk - sf.rs);
                        radial *= fc(rjk);
                    }
                    sum += weight * std::pow(2.0, 1.0 - sf.zeta) * std::pow(base, sf.zeta) *
                           std::exp(-sf.eta * exponent) * radial;
                }
            }
            values[i][s] = sum;
        }
    }
    return values;
}

double forceError(Evaluator& evaluator, const Structure& structure) {
    const Evaluator::StructureResult result = evaluator.evaluate(structure);
    const double h = 1e-4;
    double worst = 0.0, largest = 0.0;
    for (std::size_t i = 0; i < structure.size(); ++i) {
        for (int c = 0; c < 3; ++c) {
            auto energy = [&](double step) {
                Structure moved = structure;
                moved.positions[i][c] += step;
                return test::energyOf(evaluator, moved);
            };
            const double fd = -(8.0 * (energy(h) - energy(-h)) - (energy(2 * h) - energy(-2 * h))) / (12.0 * h);
            worst = std::max(worst, std::fabs(result.forces[i][c] - fd));
            largest = std::max(largest, std::fabs(fd));
        }
    }
    REQUIRE(largest > 1e-3);
    return worst / largest;
}

}  // namespace

TEST_CASE("angular Gaussian powers match definition", "[angular]") {
    std::mt19937 random(2026);
    const Potential potential = test::makeAngularPowerPotential(random);
    Evaluator evaluator(potential);
    for (int trial = 0; trial < 3; ++trial) {
        const Structure structure = trial == 2 ? test::makeRandomCluster(random, 14, 3.6, 0.9)
                                               : test::makeRandomCell(random, 16, trial == 1, 4.6, 0.9);
        const std::vector<int> elements = evaluator.elementIndices(structure);
        const std::vector<std::vector<double>> expected = directValues(potential, structure, elements);
        const std::vector<std::vector<double>> actual = evaluator.symmetryFunctions(structure);
        double worst = 0.0, largest = 0.0;
        for (std::size_t i = 0; i < structure.size(); ++i) {
            for (std::size_t s = 0; s < expected[i].size(); ++s) {
                worst = std::max(worst, std::fabs(actual[i][s] - expected[i][s]));
                largest = std::max(largest, std::fabs(expected[i][s]));
            }
        }
        INFO("trial " << trial << ": largest value " << largest << ", largest difference " << worst);
        REQUIRE(largest > 0.1);
        CHECK(worst < 1e-12 * largest);
    }
}

TEST_CASE("angular Gaussian powers: finite differences", "[angular][fd]") {
    std::mt19937 random(77);
    const Potential potential = test::makeAngularPowerPotential(random);
    Evaluator evaluator(potential);
    CHECK(forceError(evaluator, test::makeRandomCell(random, 12, true, 4.4, 0.9)) < 1e-6);
    CHECK(forceError(evaluator, test::makeRandomCluster(random, 10, 3.6, 0.9)) < 1e-6);
}

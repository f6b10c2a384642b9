// SPDX-License-Identifier: GPL-2.0-or-later
// Energies, per-atom energies and forces of real n2p2 potentials against
// n2p2 v2.3.0's own results (tests/data/PROVENANCE.md).
#include "core/evaluator.h"
#include "core/potential.h"
#include "core/structure_io.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace bpnn;

namespace {

// n2p2 v2.3.0 computes wrong forces when an atom has several images of the
// same neighbor in range (tests/data/PROVENANCE.md).
bool smallerThanCutoff(const Structure& s) {
    return s.comment.find("smaller than the cutoff") != std::string::npos;
}

void checkAgainstReference(const std::string& name) {
    const Potential potential = readPotential(test::dataPath("potentials/" + name));
    const std::vector<Structure> structures = readRunnerData(test::dataPath("reference/" + name + "/reference.data"));
    const auto atomEnergies = test::readAtomicEnergies(test::dataPath("reference/" + name + "/reference-atomic-energies.txt"));
    REQUIRE(structures.size() == atomEnergies.size());
    REQUIRE(structures.size() > 50);
    Evaluator evaluator(potential);
    double worstEnergy = 0.0, worstForce = 0.0, worstAtomEnergy = 0.0;
    for (std::size_t s = 0; s < structures.size(); ++s) {
        const Structure& structure = structures[s];
        INFO(name << " structure " << s + 1 << " (" << structure.comment << ")");
        const Evaluator::StructureResult result = evaluator.evaluate(structure);
        const double n = static_cast<double>(structure.size());
        const double energyError = std::fabs(result.energy - structure.energy) / n;
        CHECK(energyError < 1e-9);
        worstEnergy = std::max(worstEnergy, energyError);
        REQUIRE(atomEnergies[s].size() == structure.size());
        for (std::size_t i = 0; i < structure.size(); ++i) {
            const double atomError = std::fabs(result.atomEnergies[i] - atomEnergies[s][i]);
            CHECK(atomError < 1e-9);
            worstAtomEnergy = std::max(worstAtomEnergy, atomError);
        }
        if (smallerThanCutoff(structure)) continue;  // forces: see test "small cells"
        for (std::size_t i = 0; i < structure.size(); ++i) {
            for (int c = 0; c < 3; ++c) {
                const double forceError = std::fabs(result.forces[i][c] - structure.forces[i][c]);
                CHECK(forceError < 1e-8);
                worstForce = std::max(worstForce, forceError);
            }
        }
    }
    WARN(name << ": max |dE|/atom " << worstEnergy << ", max |dF| " << worstForce << ", max |dE_i| "
              << worstAtomEnergy);
}

}  // namespace

TEST_CASE("reference water potential matches n2p2", "[reference]") { checkAgainstReference("H2O_RPBE-D3"); }

TEST_CASE("reference Cu2S potential matches n2p2", "[reference]") { checkAgainstReference("Cu2S_PBE"); }

TEST_CASE("small cells: forces match finite differences", "[reference]") {
    for (const std::string name : {"H2O_RPBE-D3", "Cu2S_PBE"}) {
        const Potential potential = readPotential(test::dataPath("potentials/" + name));
        Evaluator evaluator(potential);
        std::size_t checked = 0;
        for (const Structure& structure : readRunnerData(test::dataPath("reference/" + name + "/reference.data"))) {
            if (!smallerThanCutoff(structure)) continue;
            ++checked;
            INFO(name << ": " << structure.comment);
            const Evaluator::StructureResult result = evaluator.evaluate(structure);
            const double h = 1e-5;
            Vec3 total{0.0, 0.0, 0.0}, referenceTotal{0.0, 0.0, 0.0};
            for (std::size_t i = 0; i < structure.size(); ++i) {
                for (int c = 0; c < 3; ++c) {
                    Structure plus = structure, minus = structure;
                    plus.positions[i][c] += h;
                    minus.positions[i][c] -= h;
                    const double fd = -(test::energyOf(evaluator, plus) - test::energyOf(evaluator, minus)) / (2 * h);
                    CHECK(std::fabs(result.forces[i][c] - fd) < 1e-6 * std::max(1.0, std::fabs(fd)));
                    total[c] += result.forces[i][c];
                    referenceTotal[c] += structure.forces[i][c];
                }
            }
            for (int c = 0; c < 3; ++c) CHECK(std::fabs(total[c]) < 1e-10);
            // The reference violates momentum conservation, which is why its
            // forces are not the standard here.
            CHECK(std::fabs(referenceTotal[0]) + std::fabs(referenceTotal[1]) + std::fabs(referenceTotal[2]) > 1e-8);
        }
        CHECK(checked == 1);
    }
}

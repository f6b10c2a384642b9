// SPDX-License-Identifier: GPL-2.0-or-later
// The Kokkos kernels against the core library (bpnn::Evaluator) on the
// Serial and OpenMP back ends: every reference structure of both n2p2
// potentials, a synthetic potential with every symmetry function type,
// chunking, ignored atoms and invalid input.
#include <Kokkos_Core.hpp>

#include "kokkos/structure_evaluation.h"

#include "core/errors.h"
#include "core/evaluator.h"
#include "core/potential.h"
#include "core/structure_io.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace bpnn;

namespace {

constexpr double kEnergyTolerance = 1e-10;  // per atom
constexpr double kForceTolerance = 1e-9;

struct Deviations {
    double energyPerAtom = 0.0;
    double atomEnergy = 0.0;
    double force = 0.0;
    double virial = 0.0;
    double atomVirial = 0.0;
};

// Largest |E_i| and |F| of a result, at least 1.
double magnitudeOf(const Evaluator::StructureResult& result) {
    double largest = 1.0;
    for (double energy : result.atomEnergies) largest = std::max(largest, std::fabs(energy));
    for (const Vec3& force : result.forces) {
        for (double component : force) largest = std::max(largest, std::fabs(component));
    }
    return largest;
}

// Compares a Kokkos result with the core library's result for the same
// structure, with one CHECK per quantity, and records the largest deviations.
// Tolerances are absolute for the real potentials (scale 1) and relative to
// magnitudeOf(expected) for random weights, which can give large values.
void compareResults(const Evaluator::StructureResult& expected, const Evaluator::StructureResult& actual,
                    Deviations& worst, double scale = 1.0) {
    const double energyTolerance = kEnergyTolerance * scale;
    const double forceTolerance = kForceTolerance * scale;
    const std::size_t n = expected.atomEnergies.size();
    REQUIRE(actual.atomEnergies.size() == n);
    const double energyError = std::fabs(actual.energy - expected.energy) / static_cast<double>(std::max<std::size_t>(n, 1));
    CHECK(energyError < energyTolerance);
    worst.energyPerAtom = std::max(worst.energyPerAtom, energyError / scale);
    CHECK(actual.extrapolations == expected.extrapolations);
    for (std::size_t i = 0; i < n; ++i) {
        const double atomError = std::fabs(actual.atomEnergies[i] - expected.atomEnergies[i]);
        CHECK(atomError < energyTolerance);
        worst.atomEnergy = std::max(worst.atomEnergy, atomError / scale);
        for (std::size_t c = 0; c < 3; ++c) {
            const double forceError = std::fabs(actual.forces[i][c] - expected.forces[i][c]);
            CHECK(forceError < forceTolerance);
            worst.force = std::max(worst.force, forceError / scale);
        }
        for (std::size_t k = 0; k < 9; ++k) {
            const double error = std::fabs(actual.atomVirials[i][k] - expected.atomVirials[i][k]);
            CHECK(error < forceTolerance);
            worst.atomVirial = std::max(worst.atomVirial, error / scale);
        }
    }
    for (std::size_t k = 0; k < 9; ++k) {
        const double error = std::fabs(actual.virial[k] - expected.virial[k]);
        CHECK(error < forceTolerance * static_cast<double>(std::max<std::size_t>(n, 1)));
        worst.virial = std::max(worst.virial, error / scale);
    }
}

void report(const std::string& label, const Deviations& worst) {
    WARN(label << ": max |dE|/atom " << worst.energyPerAtom << ", max |dE_i| " << worst.atomEnergy << ", max |dF| "
               << worst.force << ", max |dW| " << worst.virial << ", max |dW_i| " << worst.atomVirial);
}

template <class ExecSpace>
void checkReferenceStructures(const std::string& name, const std::string& backend,
                              kokkos::HostPath path = kokkos::HostPath::Kernels) {
    const Potential potential = readPotential(test::dataPath("potentials/" + name));
    const std::vector<Structure> structures = readRunnerData(test::dataPath("reference/" + name + "/reference.data"));
    REQUIRE(structures.size() > 50);
    Evaluator core(potential);
    kokkos::Evaluator<ExecSpace> device(potential, 256, path);
    Deviations worst;
    double worstAgainstN2p2 = 0.0;
    for (std::size_t s = 0; s < structures.size(); ++s) {
        const Structure& structure = structures[s];
        INFO(name << " structure " << s + 1 << " (" << structure.comment << ") on " << backend);
        const Evaluator::StructureResult expected = core.evaluate(structure);
        const Evaluator::StructureResult actual = kokkos::evaluateStructure(device, potential, structure);
        compareResults(expected, actual, worst);
        // The n2p2 energies make sure that the comparison is not between
        // two equally wrong results.
        const double n2p2Error = std::fabs(actual.energy - structure.energy) / static_cast<double>(structure.size());
        CHECK(n2p2Error < 1e-9);
        worstAgainstN2p2 = std::max(worstAgainstN2p2, n2p2Error);
    }
    report(name + " on " + backend + " (" + std::to_string(structures.size()) + " structures)", worst);
    WARN(name << " on " << backend << ": max |dE|/atom against n2p2 " << worstAgainstN2p2);
}

// Random cells and a cluster with the synthetic potential, which has every
// symmetry function type, for every cutoff type.
template <class ExecSpace>
void checkSyntheticPotential(const std::string& backend) {
    const std::pair<CutoffType, double> cutoffs[] = {
        {CutoffType::Hard, 0.0},  {CutoffType::Cos, 0.2},   {CutoffType::TanhUnnormalized, 0.0},
        {CutoffType::Tanh, 0.0},  {CutoffType::Exp, 0.1},   {CutoffType::Poly1, 0.3},
        {CutoffType::Poly2, 0.0}, {CutoffType::Poly3, 0.5}, {CutoffType::Poly4, 0.25}};
    const Activation activations[] = {Activation::Tanh,    Activation::Logistic, Activation::Softplus,
                                      Activation::Gaussian, Activation::Cos,      Activation::RevLogistic,
                                      Activation::Exp,      Activation::Harmonic, Activation::Relu};
    std::mt19937 random(42);
    Deviations worst;
    for (std::size_t t = 0; t < std::size(cutoffs); ++t) {
        const Activation activation = activations[t % std::size(activations)];
        const Potential potential = test::makeSyntheticPotential(cutoffs[t].first, cutoffs[t].second, activation, random);
        Evaluator core(potential);
        kokkos::Evaluator<ExecSpace> device(potential, 5, kokkos::HostPath::Kernels);
        const Structure structures[] = {test::makeRandomCell(random, 20, true, 5.5, 0.9),
                                        test::makeRandomCell(random, 6, false, 2.6, 0.9),
                                        test::makeRandomCluster(random, 12, 4.0, 0.9)};
        for (const Structure& structure : structures) {
            INFO("cutoff type " << static_cast<int>(cutoffs[t].first) << ", activation "
                                << activationCode(activation) << ", " << structure.size() << " atoms on " << backend);
            const Evaluator::StructureResult expected = core.evaluate(structure);
            const double scale = magnitudeOf(expected);
            INFO("largest |E_i| or |F| " << scale);
            CHECK(scale < 1e6);
            compareResults(expected, kokkos::evaluateStructure(device, potential, structure), worst, scale);
        }
    }
    report("synthetic potential on " + backend, worst);
}

// Every third atom marked as ignored (element -1), as LAMMPS does for atom
// types mapped to NULL, against the core library's generic evaluate().
template <class ExecSpace>
void checkIgnoredAtoms(const std::string& backend, kokkos::HostPath path = kokkos::HostPath::Kernels) {
    const Potential potential = readPotential(test::dataPath("potentials/H2O_RPBE-D3"));
    const std::vector<Structure> structures = readRunnerData(test::dataPath("reference/H2O_RPBE-D3/reference.data"));
    const Structure& structure = structures.front();
    std::vector<int> elements = kokkos::structureElements(potential, structure);
    for (std::size_t i = 0; i < elements.size(); i += 3) elements[i] = -1;
    const NeighborList list = buildNeighborList(structure, potential.maxCutoff());
    const std::size_t n = structure.size();

    Evaluator core(potential);
    EvaluationRequest request;
    request.numCenters = n;
    request.elements = elements.data();
    request.gather = [&list](std::size_t center, std::vector<Neighbor>& out) {
        out.assign(list.begin(center), list.end(center));
    };
    std::vector<double> forces(3 * n, 0.0), atomEnergies(n, 0.0);
    double virial[9] = {};
    EvaluationOutput expected;
    expected.forces = forces.data();
    expected.atomEnergies = atomEnergies.data();
    expected.virial = virial;
    core.evaluate(request, expected);

    const kokkos::ListNeighborSource<ExecSpace> source = kokkos::uploadNeighborList<ExecSpace>(list, elements);
    kokkos::Evaluator<ExecSpace> device(potential, 7, path);
    kokkos::OutputViews<ExecSpace> output;
    output.forces = decltype(output.forces)("forces", n);
    output.atomEnergies = decltype(output.atomEnergies)("atom_energies", n);
    const kokkos::EvaluationTotals totals = device.evaluate(source, static_cast<int>(n), output);
    const auto actualForces = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), output.forces);
    const auto actualEnergies = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), output.atomEnergies);

    INFO(backend);
    CHECK(std::fabs(totals.energy - expected.energy) / static_cast<double>(n) < kEnergyTolerance);
    for (std::size_t i = 0; i < n; ++i) {
        CHECK(std::fabs(actualEnergies(i) - atomEnergies[i]) < kEnergyTolerance);
        if (elements[i] < 0) CHECK(actualEnergies(i) == 0.0);
        for (std::size_t c = 0; c < 3; ++c) CHECK(std::fabs(actualForces(i, c) - forces[3 * i + c]) < kForceTolerance);
    }
    for (std::size_t k = 0; k < 9; ++k) CHECK(std::fabs(totals.virial[k] - virial[k]) < kForceTolerance * static_cast<double>(n));
}

}  // namespace

TEST_CASE("water reference structures on Serial", "[reference]") {
    checkReferenceStructures<Kokkos::Serial>("H2O_RPBE-D3", "Serial");
}

TEST_CASE("Cu2S reference structures on Serial", "[reference]") {
    checkReferenceStructures<Kokkos::Serial>("Cu2S_PBE", "Serial");
}

TEST_CASE("water reference structures on OpenMP", "[reference]") {
    REQUIRE(Kokkos::OpenMP().concurrency() >= 2);
    checkReferenceStructures<Kokkos::OpenMP>("H2O_RPBE-D3", "OpenMP");
}

TEST_CASE("Cu2S reference structures on OpenMP", "[reference]") {
    REQUIRE(Kokkos::OpenMP().concurrency() >= 2);
    checkReferenceStructures<Kokkos::OpenMP>("Cu2S_PBE", "OpenMP");
}

// The host path splits the centers among the threads and runs the core
// library on each part. The sums over the parts must give the same results.
TEST_CASE("core library path: water on Serial", "[reference][host-path]") {
    checkReferenceStructures<Kokkos::Serial>("H2O_RPBE-D3", "Serial, core library path", kokkos::HostPath::CoreLibrary);
}

TEST_CASE("core library path: water on OpenMP", "[reference][host-path]") {
    REQUIRE(Kokkos::OpenMP().concurrency() >= 2);
    checkReferenceStructures<Kokkos::OpenMP>("H2O_RPBE-D3", "OpenMP, core library path", kokkos::HostPath::CoreLibrary);
}

TEST_CASE("core library path: Cu2S on OpenMP", "[reference][host-path]") {
    REQUIRE(Kokkos::OpenMP().concurrency() >= 2);
    checkReferenceStructures<Kokkos::OpenMP>("Cu2S_PBE", "OpenMP, core library path", kokkos::HostPath::CoreLibrary);
}

TEST_CASE("core library path: ignored atoms", "[masked][host-path]") {
    checkIgnoredAtoms<Kokkos::OpenMP>("OpenMP, core library path", kokkos::HostPath::CoreLibrary);
}

TEST_CASE("every symmetry function type on Serial", "[synthetic]") { checkSyntheticPotential<Kokkos::Serial>("Serial"); }

TEST_CASE("every symmetry function type on OpenMP", "[synthetic]") { checkSyntheticPotential<Kokkos::OpenMP>("OpenMP"); }

// Angular Gaussians that the kernels compute as powers of others (etas in
// integer ratios, with shifts, non-integer zetas), against the core library.
TEST_CASE("angular Gaussian powers on OpenMP", "[powers]") {
    std::mt19937 random(2027);
    const Potential potential = test::makeAngularPowerPotential(random);
    Evaluator core(potential);
    kokkos::Evaluator<Kokkos::OpenMP> device(potential, 6, kokkos::HostPath::Kernels);
    Deviations worst;
    const Structure structures[] = {test::makeRandomCell(random, 16, true, 4.6, 0.9),
                                    test::makeRandomCluster(random, 14, 3.6, 0.9)};
    for (const Structure& structure : structures) {
        INFO(structure.size() << " atoms");
        const Evaluator::StructureResult expected = core.evaluate(structure);
        const double scale = magnitudeOf(expected);
        INFO("largest |E_i| or |F| " << scale);
        CHECK(scale > 1e-3);
        compareResults(expected, kokkos::evaluateStructure(device, potential, structure), worst, scale);
    }
    report("angular Gaussian powers on OpenMP", worst);
}

TEST_CASE("ignored atoms on Serial", "[masked]") { checkIgnoredAtoms<Kokkos::Serial>("Serial"); }

TEST_CASE("ignored atoms on OpenMP", "[masked]") { checkIgnoredAtoms<Kokkos::OpenMP>("OpenMP"); }

TEST_CASE("chunk size does not change results", "[chunks]") {
    const Potential potential = readPotential(test::dataPath("potentials/H2O_RPBE-D3"));
    const std::vector<Structure> structures = readRunnerData(test::dataPath("reference/H2O_RPBE-D3/reference.data"));
    const Structure& structure = *std::max_element(structures.begin(), structures.end(),
                                                   [](const Structure& a, const Structure& b) { return a.size() < b.size(); });
    Evaluator core(potential);
    const Evaluator::StructureResult expected = core.evaluate(structure);
    Deviations worst;
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, structure.size() - 1, structure.size() + 10}) {
        INFO("chunk size " << chunk << " for " << structure.size() << " atoms");
        kokkos::Evaluator<Kokkos::OpenMP> device(potential, chunk, kokkos::HostPath::Kernels);
        compareResults(expected, kokkos::evaluateStructure(device, potential, structure), worst);
        // Evaluating twice reuses the chunk buffers.
        compareResults(expected, kokkos::evaluateStructure(device, potential, structure), worst);
    }
}

TEST_CASE("energies without derivatives", "[energy-only]") {
    const Potential potential = readPotential(test::dataPath("potentials/Cu2S_PBE"));
    const std::vector<Structure> structures = readRunnerData(test::dataPath("reference/Cu2S_PBE/reference.data"));
    Evaluator core(potential);
    for (const kokkos::HostPath path : {kokkos::HostPath::Kernels, kokkos::HostPath::CoreLibrary}) {
    kokkos::Evaluator<Kokkos::OpenMP> device(potential, 64, path);
    for (std::size_t s = 0; s < 10; ++s) {
        const Evaluator::StructureResult expected = core.evaluate(structures[s], false);
        const Evaluator::StructureResult actual = kokkos::evaluateStructure(device, potential, structures[s], false);
        CHECK(std::fabs(actual.energy - expected.energy) / static_cast<double>(structures[s].size()) < kEnergyTolerance);
        for (const Vec3& force : actual.forces) CHECK((force[0] == 0.0 && force[1] == 0.0 && force[2] == 0.0));
    }
    }
}

TEST_CASE("structure with an unknown element is rejected", "[errors]") {
    const Potential potential = readPotential(test::dataPath("potentials/H2O_RPBE-D3"));
    Structure structure = readRunnerData(test::dataPath("reference/H2O_RPBE-D3/reference.data")).front();
    structure.symbols[1] = "Cu";
    kokkos::Evaluator<Kokkos::Serial> device(potential, 16, kokkos::HostPath::Kernels);
    CHECK_THROWS_WITH(kokkos::evaluateStructure(device, potential, structure),
                      Catch::Contains("atom 2 has element 'Cu'") && Catch::Contains("its elements: H O"));
}

TEST_CASE("too many Gaussians in one angular group are rejected", "[errors]") {
    Potential potential = readPotential(test::dataPath("potentials/H2O_RPBE-D3"));
    ElementModel& oxygen = potential.elements[1];
    SymmetryFunction angular;
    for (const SymmetryFunction& sf : oxygen.symmetryFunctions) {
        if (sf.isAngular()) angular = sf;
    }
    REQUIRE(angular.type == 3);
    for (int k = 0; k <= kokkos::kMaxGaussiansPerGroup; ++k) {
        angular.eta = 0.01 * (k + 1);
        oxygen.symmetryFunctions.push_back(angular);
    }
    CHECK_THROWS_AS(kokkos::flattenPotential(potential), InputError);
    CHECK_THROWS_WITH(kokkos::flattenPotential(potential), Catch::Contains("element O") &&
                                                               Catch::Contains("distinct (eta, r_s) pairs"));
}

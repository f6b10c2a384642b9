// SPDX-License-Identifier: GPL-2.0-or-later
// Regression check of the whole fitting pipeline: fit the 101 Lennard-Jones
// dimers of n2p2's LJ example, then compare the written potential with the
// Lennard-Jones energy and force on a fine grid of distances.
#include "core/evaluator.h"
#include "core/potential.h"
#include "core/structure.h"
#include "fit/fit_settings.h"
#include "fit/trainer.h"
#include "fit_test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace bpnn;
using namespace bpnn::fittest;

namespace {

struct DimerLine {
    double r = 0.0;
    double energy = 0.0;
    double slope = 0.0;  // dE/dr
};

// The comment lines of the data: "comment r = R, E = E, dEdr = D".
std::vector<DimerLine> readDimerComments(const std::string& path) {
    std::ifstream in(path);
    std::vector<DimerLine> lines;
    std::string text;
    while (std::getline(in, text)) {
        if (text.rfind("comment", 0) != 0) continue;
        for (char& c : text) {
            if (c == ',' || c == '=') c = ' ';
        }
        std::istringstream tokens(text);
        std::string word, rName, eName, dName;
        DimerLine line;
        tokens >> word >> rName >> line.r >> eName >> line.energy >> dName >> line.slope;
        REQUIRE(rName == "r");
        REQUIRE(dName == "dEdr");
        lines.push_back(line);
    }
    return lines;
}

double lennardJones(double epsilon, double sigma, double r, double& slope) {
    const double x = std::pow(sigma / r, 6.0);
    slope = -24.0 * epsilon * (2.0 * x * x - x) / r;
    return 4.0 * epsilon * (x * x - x);
}

struct GridErrors {
    double energy = 0.0;
    double force = 0.0;
};

// Largest deviations of a dimer potential from Lennard-Jones on 401
// distances from rMin to rMax.
GridErrors gridErrors(const Potential& potential, double epsilon, double sigma, double rMin, double rMax) {
    Evaluator evaluator(potential);
    const Vec3 direction{1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0};
    GridErrors errors;
    const int steps = 400;
    for (int k = 0; k <= steps; ++k) {
        const double r = rMin + (rMax - rMin) * k / steps;
        Structure dimer;
        dimer.symbols = {"Ne", "Ne"};
        dimer.positions = {Vec3{0.3, -0.2, 0.1}, Vec3{0.3 + r * direction[0], -0.2 + r * direction[1], 0.1 + r * direction[2]}};
        const Evaluator::StructureResult predicted = evaluator.evaluate(dimer);
        double slope;
        const double energy = lennardJones(epsilon, sigma, r, slope);
        errors.energy = std::max(errors.energy, std::abs(predicted.energy - energy));
        for (std::size_t c = 0; c < 3; ++c) {
            // F_2 = -dE/dr u, F_1 = +dE/dr u.
            errors.force = std::max(errors.force, std::abs(predicted.forces[1][c] + slope * direction[c]));
            errors.force = std::max(errors.force, std::abs(predicted.forces[0][c] - slope * direction[c]));
        }
    }
    return errors;
}

}  // namespace

TEST_CASE("Lennard-Jones dimer fit on a distance grid", "[lj]") {
    const std::string data = dataPath("LJ/input.data");
    const std::vector<DimerLine> lines = readDimerComments(data);
    REQUIRE(lines.size() == 101);

    // epsilon and sigma from one line: with x = (sigma / r)^6 the ratio
    // q = r E' / E = -6 (2x - 1) / (x - 1) gives x = (6 + q) / (12 + q).
    const DimerLine& probe = lines[50];
    const double q = probe.r * probe.slope / probe.energy;
    const double x = (6.0 + q) / (12.0 + q);
    const double epsilon = probe.energy / (4.0 * (x * x - x));
    const double sigma = probe.r * std::pow(x, 1.0 / 6.0);
    CHECK(epsilon == Approx(1.0).epsilon(1e-6));
    CHECK(sigma == Approx(1.0).epsilon(1e-6));
    double rMin = HUGE_VAL, rMax = 0.0;
    for (const DimerLine& line : lines) {
        double slope;
        const double energy = lennardJones(epsilon, sigma, line.r, slope);
        INFO("r = " << line.r);
        CHECK(line.energy == Approx(energy).margin(1e-7).epsilon(1e-7));
        CHECK(line.slope == Approx(slope).margin(1e-6).epsilon(1e-7));
        rMin = std::min(rMin, line.r);
        rMax = std::max(rMax, line.r);
    }

    fit::FitRequest request;
    request.settingsFile = dataPath("LJ/input.nn");
    request.dataFile = data;
    request.outputDirectory = makeTempDir("lj");
    fit::readFitSettings(request.settingsFile, request.settings);
    request.settings.optimizer = fit::OptimizerType::Lbfgs;
    request.settings.epochs = 300;
    std::ostringstream log;
    std::atomic<bool> stop{false};
    const fit::FitResult result = fit::runTraining(request, log, stop);
    INFO(log.str());
    REQUIRE(result.epochs > 0);

    const GridErrors errors = gridErrors(readPotential(request.outputDirectory), epsilon, sigma, rMin, rMax);
    INFO("largest energy error " << errors.energy << ", largest force error " << errors.force);
    CHECK(errors.energy < 2e-3);
    CHECK(errors.force < 2e-2);
}

TEST_CASE("LJ_fitted potential on a distance grid", "[lj]") {
    // The potential in potentials/LJ_fitted, fitted to the same data.
    const GridErrors errors = gridErrors(readPotential(std::string(BPNN_POTENTIALS_DIR) + "/LJ_fitted"), 1.0, 1.0, 1.0, 2.0);
    INFO("largest energy error " << errors.energy << ", largest force error " << errors.force);
    CHECK(errors.energy < 2e-3);
    CHECK(errors.force < 2e-2);
}

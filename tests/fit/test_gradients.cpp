// SPDX-License-Identifier: GPL-2.0-or-later
// The loss gradient and the Jacobian rows of the fitting engine against
// central finite differences, and its predictions against the core
// evaluator, for every activation function and symmetry function family.
#include "core/evaluator.h"
#include "fit/model.h"
#include "fit/setup.h"
#include "fit_test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace bpnn;
using namespace bpnn::fit;
using namespace bpnn::fittest;

namespace {

const char* familyName(Family family) {
    switch (family) {
        case Family::Radial: return "radial";
        case Family::Angular: return "angular";
        case Family::Compact: return "compact";
        case Family::All: return "all";
    }
    return "?";
}

struct Fixture {
    FitSettings settings;
    FitProblem problem;
    Eigen::VectorXd parameters;
};

Fixture makeFixture(Family family, char activation, double energyWeight, const std::string& extra = "") {
    const std::string dir = makeTempDir("gradient");
    const std::string path = writeSettings(
        dir, syntheticSettings(family, activation, "use_short_forces\nforce_weight 3.0\nrandom_seed 11\n" + extra));
    std::mt19937 generator(2024);
    const std::vector<Structure> data = randomStructures(generator, 4, 9, 4.5, 0.9);
    Fixture fixture;
    readFitSettings(path, fixture.settings);
    fixture.settings.testFraction = 0.0;
    fixture.settings.energyWeight = energyWeight;
    Random random(fixture.settings.seed);
    fixture.problem = setupProblem(path, data, "random.data", fixture.settings, random);
    initializeWeights(fixture.problem, fixture.settings, random);
    Model model(fixture.problem.potential, fixture.problem.structures, fixture.problem.loss);
    fixture.parameters = model.parameters(fixture.problem.potential);
    // Nonzero biases, so that every parameter's derivative is exercised.
    for (Eigen::Index j = 0; j < fixture.parameters.size(); ++j) {
        if (fixture.parameters(j) == 0.0) fixture.parameters(j) = 0.3 * (random.uniform() - 0.5);
    }
    return fixture;
}

void checkGradient(const Model& model, const Eigen::VectorXd& parameters, const std::vector<std::size_t>& set) {
    Eigen::VectorXd gradient;
    const double loss = model.evaluate(parameters, set, &gradient, nullptr);
    REQUIRE(std::isfinite(loss));
    REQUIRE(gradient.size() == parameters.size());
    const double scale = gradient.cwiseAbs().maxCoeff();
    REQUIRE(scale > 0.0);
    Eigen::VectorXd shifted = parameters;
    for (Eigen::Index j = 0; j < parameters.size(); ++j) {
        const double h = 1e-5 * std::max(1.0, std::abs(parameters(j)));
        shifted(j) = parameters(j) + h;
        const double up = model.evaluate(shifted, set, nullptr, nullptr);
        shifted(j) = parameters(j) - h;
        const double down = model.evaluate(shifted, set, nullptr, nullptr);
        shifted(j) = parameters(j);
        const double difference = (up - down) / (2.0 * h);
        INFO("parameter " << j << " of " << parameters.size() << ": analytic " << gradient(j) << ", finite difference "
                          << difference);
        CHECK(std::abs(difference - gradient(j)) <= 1e-6 * scale);
    }
}

}  // namespace

TEST_CASE("loss gradient against finite differences", "[gradient]") {
    const Family family = GENERATE(Family::Radial, Family::Angular, Family::Compact);
    const char activation = GENERATE('l', 't', 's', 'p', 'r', 'g', 'c', 'S', 'e', 'h');
    const double energyWeight = GENERATE(1.0, 0.0);
    INFO("family " << familyName(family) << ", activation " << activation << ", energy weight " << energyWeight);
    Fixture fixture = makeFixture(family, activation, energyWeight);
    Model model(fixture.problem.potential, fixture.problem.structures, fixture.problem.loss);
    checkGradient(model, fixture.parameters, fixture.problem.train);
}

TEST_CASE("loss gradient with normalize_nodes and sigma scaling", "[gradient]") {
    const std::string dir = makeTempDir("gradient-nodes");
    std::string text = syntheticSettings(Family::All, 't', "use_short_forces\nnormalize_nodes\n");
    text.replace(text.find("scale_symmetry_functions\ncenter_symmetry_functions\n"),
                 std::string("scale_symmetry_functions\ncenter_symmetry_functions\n").size(),
                 "scale_symmetry_functions_sigma\n");
    const std::string path = writeSettings(dir, text);
    std::mt19937 generator(7);
    const std::vector<Structure> data = randomStructures(generator, 3, 8, 4.5, 0.9);
    FitSettings settings;
    readFitSettings(path, settings);
    settings.testFraction = 0.0;
    settings.normalization = NormalizationMode::Off;
    Random random(3);
    FitProblem problem = setupProblem(path, data, "random.data", settings, random);
    initializeWeights(problem, settings, random);
    REQUIRE(problem.potential.normalizeNodes);
    REQUIRE(problem.potential.scaling == ScalingMode::Sigma);
    Model model(problem.potential, problem.structures, problem.loss);
    checkGradient(model, model.parameters(problem.potential), problem.train);
}

TEST_CASE("residual rows against finite differences and the loss", "[gradient]") {
    const char activation = GENERATE('t', 'p', 'g');
    Fixture fixture = makeFixture(Family::All, activation, 1.0);
    Model model(fixture.problem.potential, fixture.problem.structures, fixture.problem.loss);
    const Eigen::VectorXd& w = fixture.parameters;

    // The loss is the mean of the squared energy residuals plus the mean of
    // the squared force residuals.
    double energySum = 0.0, forceSum = 0.0;
    std::size_t numForces = 0;
    for (std::size_t s : fixture.problem.train) {
        const FitStructure& fs = fixture.problem.structures[s];
        const double r = model.residual(w, ResidualIndex{s, -1, 0}, nullptr);
        energySum += r * r;
        for (std::size_t k = 0; k < fs.numAtoms; ++k) {
            for (int c = 0; c < 3; ++c) {
                const double rf = model.residual(w, ResidualIndex{s, static_cast<int>(k), c}, nullptr);
                forceSum += rf * rf;
                ++numForces;
            }
        }
    }
    const double expected = energySum / static_cast<double>(fixture.problem.train.size()) +
                            forceSum / static_cast<double>(numForces);
    const double loss = model.evaluate(w, fixture.problem.train, nullptr, nullptr);
    CHECK(loss == Approx(expected).epsilon(1e-12));

    const std::vector<ResidualIndex> rows = {{0, -1, 0}, {1, -1, 0}, {0, 0, 0}, {0, 4, 2}, {1, 3, 1}, {2, 8, 0}};
    for (const ResidualIndex& row : rows) {
        Eigen::VectorXd gradient(w.size());
        model.residual(w, row, gradient.data());
        const double scale = gradient.cwiseAbs().maxCoeff();
        REQUIRE(scale > 0.0);
        Eigen::VectorXd shifted = w;
        for (Eigen::Index j = 0; j < w.size(); ++j) {
            const double h = 1e-5 * std::max(1.0, std::abs(w(j)));
            shifted(j) = w(j) + h;
            const double up = model.residual(shifted, row, nullptr);
            shifted(j) = w(j) - h;
            const double down = model.residual(shifted, row, nullptr);
            shifted(j) = w(j);
            INFO("structure " << row.structure << " atom " << row.atom << " component " << row.component
                              << " parameter " << j);
            CHECK(std::abs((up - down) / (2.0 * h) - gradient(j)) <= 1e-6 * scale);
        }
    }
}

TEST_CASE("model predictions equal the core evaluator", "[gradient]") {
    const Family family = GENERATE(Family::Radial, Family::Angular, Family::Compact);
    Fixture fixture = makeFixture(family, 't', 1.0);
    Model model(fixture.problem.potential, fixture.problem.structures, fixture.problem.loss);
    Potential potential = fixture.problem.potential;
    model.applyParameters(fixture.parameters, potential);
    std::vector<Prediction> predictions;
    model.evaluate(fixture.parameters, fixture.problem.train, nullptr, nullptr, &predictions);

    std::mt19937 generator(2024);
    const std::vector<Structure> data = randomStructures(generator, 4, 9, 4.5, 0.9);
    Evaluator evaluator(potential);
    for (std::size_t k = 0; k < fixture.problem.train.size(); ++k) {
        const Structure& structure = data[fixture.problem.train[k]];
        const Evaluator::StructureResult result = evaluator.evaluate(structure);
        CHECK(predictions[k].energy == Approx(result.energy).epsilon(1e-13));
        for (std::size_t i = 0; i < structure.size(); ++i) {
            for (std::size_t c = 0; c < 3; ++c) {
                INFO("structure " << k << " atom " << i << " component " << c);
                CHECK(predictions[k].forces[3 * i + c] == Approx(result.forces[i][c]).margin(1e-12));
            }
        }
    }
}

// SPDX-License-Identifier: GPL-2.0-or-later
// Training settings, data validation, the train/test split, scaling and
// normalization statistics, and initial weights.
#include "core/errors.h"
#include "core/evaluator.h"
#include "fit/fit_settings.h"
#include "fit/setup.h"
#include "fit/training_data.h"
#include "fit_test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

using namespace bpnn;
using namespace bpnn::fit;
using namespace bpnn::fittest;

namespace {

Structure dimer(const std::string& a, const std::string& b, double r) {
    Structure s;
    s.symbols = {a, b};
    s.positions = {Vec3{0.0, 0.0, 0.0}, Vec3{r, 0.0, 0.0}};
    s.forces = {Vec3{0.1, 0.0, 0.0}, Vec3{-0.1, 0.0, 0.0}};
    s.energy = -1.0;
    s.hasEnergy = true;
    s.hasForces = true;
    return s;
}

std::string errorOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const std::exception& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST_CASE("settings from n2p2 and bpnn keywords", "[settings]") {
    const std::string dir = makeTempDir("settings");
    const std::string path = writeSettings(dir, syntheticSettings(Family::Radial, 't',
        "random_seed 42\ntest_fraction 0.25\nepochs 7\nuse_short_forces\nforce_weight 3.5\nenergy_weight 0.5\n"
        "weights_min -0.5\nweights_max 0.25\nkalman_epsilon 0.02\nkalman_q0 0.002\nkalman_qtau 1.5\n"
        "kalman_qmin 1e-7\nkalman_eta 0.05\nkalman_etatau 1.0\nkalman_etamax 2.0\nshort_energy_fraction 0.5\n"
        "short_force_fraction 0.1\ntask_batch_size_energy 2\ntask_batch_size_force 4\ngradient_adam_eta 0.01\n"
        "gradient_adam_beta1 0.8\ngradient_adam_beta2 0.99\ngradient_adam_epsilon 1e-6\nfit_batch_size 4\n"
        "fit_optimizer kalman\nfit_patience 3\nfit_threads 2\nnormalize_data_set ref\nupdater_type 1\n"
        "write_trainpoints 1\n"));
    FitSettings settings;
    readFitSettings(path, settings);
    CHECK(settings.seed == 42);
    CHECK(settings.testFraction == 0.25);
    CHECK(settings.epochs == 7);
    CHECK(settings.useForces);
    CHECK(settings.forceWeight == 3.5);
    CHECK(settings.energyWeight == 0.5);
    CHECK(settings.weightsMin == -0.5);
    CHECK(settings.weightsMax == 0.25);

    CHECK(settings.kalman.epsilon == 0.02);
    CHECK(settings.kalman.q0 == 0.002);
    CHECK(settings.kalman.qtau == 1.5);
    CHECK(settings.kalman.qmin == 1e-7);
    CHECK(settings.kalman.eta == 0.05);
    CHECK(settings.kalman.etatau == 1.0);
    CHECK(settings.kalman.etamax == 2.0);
    CHECK(settings.kalman.energyFraction == 0.5);
    CHECK(settings.kalman.forceFraction == 0.1);
    CHECK(settings.kalman.energyBatch == 2);
    CHECK(settings.kalman.forceBatch == 4);

    CHECK(settings.adam.learningRate == 0.01);
    CHECK(settings.adam.beta1 == 0.8);
    CHECK(settings.adam.beta2 == 0.99);
    CHECK(settings.adam.epsilon == 1e-6);
    CHECK(settings.adam.batchSize == 4);

    CHECK(settings.optimizer == OptimizerType::Kalman);
    CHECK(settings.patience == 3);
    CHECK(settings.threads == 2);
    CHECK(settings.normalization == NormalizationMode::Data);

    bool updaterNote = false, ignoredNote = false;
    for (const std::string& note : settings.notes) {
        updaterNote = updaterNote || note.find("'updater_type' has no effect") != std::string::npos;
        ignoredNote = ignoredNote || note.find("write_trainpoints") != std::string::npos;
    }
    CHECK(updaterNote);
    CHECK(ignoredNote);
    CHECK_NOTHROW(validateFitSettings(settings));
}

TEST_CASE("settings defaults without training keywords", "[settings]") {
    const std::string dir = makeTempDir("settings-defaults");
    const std::string path = writeSettings(dir, syntheticSettings(Family::Radial, 't', ""));
    FitSettings settings;
    readFitSettings(path, settings);
    CHECK(settings.optimizer == OptimizerType::Lbfgs);
    CHECK_FALSE(settings.useForces);  // n2p2 fits forces only with use_short_forces
    CHECK(settings.normalization == NormalizationMode::Auto);
    CHECK(settings.lbfgs.history == 30);
    CHECK(settings.lbfgs.iterationsPerEpoch == 10);
}

TEST_CASE("settings reject invalid values", "[settings]") {
    const std::string dir = makeTempDir("settings-invalid");
    auto messageFor = [&](const std::string& extra) {
        const std::string path = writeSettings(dir, syntheticSettings(Family::Radial, 't', extra));
        return errorOf([&] {
            FitSettings settings;
            readFitSettings(path, settings);
            validateFitSettings(settings);
        });
    };
    CHECK_THAT(messageFor("fit_optimizer sgd\n"), Catch::Contains("input.nn:19: unknown optimizer 'sgd'"));
    CHECK_THAT(messageFor("epochs many\n"), Catch::Contains("input.nn:19"));
    CHECK_THAT(messageFor("epochs -3\n"), Catch::Contains("'epochs' must not be negative"));
    CHECK_THAT(messageFor("test_fraction 1.5\n"), Catch::Contains("invalid test fraction 1.5"));
    CHECK_THAT(messageFor("normalize_data_set force\n"), Catch::Contains("normalize_data_set 'force'"));
    CHECK_THAT(messageFor("fit_optimizer kalman\nkalman_type 1\n"), Catch::Contains("kalman_type 1"));
    CHECK_THAT(messageFor("weights_min 1.0\nweights_max -1.0\n"), Catch::Contains("must be smaller than weights_max"));
    CHECK_THAT(messageFor("force_weight -1\n"), Catch::Contains("invalid force weight -1"));
    CHECK_THAT(messageFor("random_seed 1 2\n"), Catch::Contains("'random_seed' takes one value"));
    CHECK(messageFor("fit_optimizer adam\nkalman_type 1\n").empty());  // the Kalman type only matters for kalman
}

TEST_CASE("data validation names structure and line", "[data]") {
    const std::string dir = makeTempDir("validation");
    const std::string path = writeSettings(dir, syntheticSettings(Family::Radial, 't', ""));
    const Potential potential = readPotentialSettings(path);
    auto messageFor = [&](const std::vector<Structure>& data, bool forces, double minDistance) {
        return errorOf([&] { validateStructures(data, potential, dir + "/data.xyz", forces, minDistance); });
    };

    CHECK_THAT(messageFor({}, true, 0.1), Catch::Contains("no structures found"));

    std::vector<Structure> data = {dimer("H", "O", 1.0), dimer("O", "C", 1.0)};
    data[1].line = 5;
    // Extended XYZ: the atoms of a frame follow its count and comment lines.
    CHECK_THAT(messageFor(data, true, 0.1),
               Catch::Contains("data.xyz:8: structure 2 (starting at line 5), atom 2: element 'C' is not in the settings (elements: H O)"));

    data = {dimer("H", "O", 1.0), dimer("H", "H", 0.05)};
    data[1].line = 5;
    CHECK_THAT(messageFor(data, true, 0.1), Catch::Contains("data.xyz:7: structure 2 (starting at line 5), atom 1: closer than 0.1"));
    CHECK(messageFor(data, true, 0.01).empty());

    data = {dimer("H", "O", 0.0)};
    CHECK_THAT(messageFor(data, true, 0.0), Catch::Contains("same position as atom 1"));

    data = {dimer("H", "O", 1.0)};
    data[0].hasEnergy = false;
    CHECK_THAT(messageFor(data, true, 0.1), Catch::Contains("has no reference energy"));

    data = {dimer("H", "O", 1.0)};
    data[0].hasForces = false;
    CHECK_THAT(messageFor(data, true, 0.1), Catch::Contains("has no reference forces, but forces are fitted"));
    CHECK(messageFor(data, false, 0.1).empty());

    data = {dimer("H", "O", 1.0)};
    data[0].forces[1][2] = std::nan("");
    CHECK_THAT(messageFor(data, true, 0.1), Catch::Contains("atom 2: non-finite reference force"));

    data = {dimer("H", "O", 1.0)};
    data[0].positions.clear();
    data[0].symbols.clear();
    CHECK_THAT(messageFor(data, true, 0.1), Catch::Contains("has no atoms"));

    // An atom close to its own periodic image in a small cell.
    Structure cell = dimer("H", "O", 1.0);
    cell.periodic = {true, true, true};
    cell.cell = {Vec3{2.0, 0.0, 0.0}, Vec3{0.0, 2.0, 0.0}, Vec3{0.0, 0.0, 0.05}};
    CHECK_THAT(messageFor({cell}, true, 0.1), Catch::Contains("its own periodic image"));
}

TEST_CASE("split is reproducible and disjoint", "[data]") {
    std::vector<std::size_t> train, test, train2, test2;
    Random random(5);
    splitStructures(20, 0.1, random, train, test);
    CHECK(test.size() == 2);
    CHECK(train.size() == 18);
    std::set<std::size_t> all(train.begin(), train.end());
    all.insert(test.begin(), test.end());
    CHECK(all.size() == 20);
    Random same(5);
    splitStructures(20, 0.1, same, train2, test2);
    CHECK(test2 == test);
    Random other(6);
    splitStructures(20, 0.5, other, train2, test2);
    CHECK(test2.size() == 10);

    Random random3(1);
    splitStructures(20, 0.0, random3, train, test);
    CHECK(test.empty());
    splitStructures(1, 0.5, random3, train, test);
    CHECK(test.empty());
    CHECK(train.size() == 1);
    splitStructures(3, 0.01, random3, train, test);
    CHECK(test.size() == 1);  // at least one test structure when the fraction is positive
}

TEST_CASE("statistics follow nnp-norm and nnp-scaling", "[data]") {
    const std::string dir = makeTempDir("statistics");
    const std::string path = writeSettings(dir, syntheticSettings(Family::All, 't', "use_short_forces\n"));
    std::mt19937 generator(4);
    const std::vector<Structure> data = randomStructures(generator, 6, 7, 4.5, 0.9);
    FitSettings settings;
    readFitSettings(path, settings);
    settings.testFraction = 0.34;
    settings.normalization = NormalizationMode::Data;
    Random random(2);
    const FitProblem problem = setupProblem(path, data, "random.data", settings, random);
    REQUIRE(problem.test.size() == 2);

    // Energies per atom without the atom_energy offsets (H -0.1, O -0.7),
    // sample standard deviation over the training structures.
    std::vector<double> perAtom;
    std::vector<double> components;
    for (std::size_t s : problem.train) {
        double offset = 0.0;
        for (const std::string& symbol : data[s].symbols) offset += symbol == "H" ? -0.1 : -0.7;
        perAtom.push_back((data[s].energy - offset) / static_cast<double>(data[s].size()));
        for (const Vec3& f : data[s].forces) components.insert(components.end(), f.begin(), f.end());
    }
    auto meanOf = [](const std::vector<double>& v) {
        double sum = 0.0;
        for (double x : v) sum += x;
        return sum / static_cast<double>(v.size());
    };
    auto sigmaOf = [&](const std::vector<double>& v) {
        const double mean = meanOf(v);
        double sum = 0.0;
        for (double x : v) sum += (x - mean) * (x - mean);
        return std::sqrt(sum / static_cast<double>(v.size() - 1));
    };
    const double sigmaEnergy = sigmaOf(perAtom);
    const double sigmaForce = sigmaOf(components);
    CHECK(problem.statistics.meanEnergy == Approx(meanOf(perAtom)).epsilon(1e-13));
    CHECK(problem.statistics.sigmaEnergy == Approx(sigmaEnergy).epsilon(1e-12));
    CHECK(problem.statistics.sigmaForce == Approx(sigmaForce).epsilon(1e-12));
    CHECK(problem.potential.normalize);
    CHECK(problem.potential.meanEnergy == Approx(meanOf(perAtom)).epsilon(1e-13));
    CHECK(problem.potential.convEnergy == Approx(1.0 / sigmaEnergy).epsilon(1e-12));
    CHECK(problem.potential.convLength == Approx(sigmaForce / sigmaEnergy).epsilon(1e-12));

    // Symmetry function statistics over all structures, from the core
    // evaluator's symmetry functions.
    Evaluator evaluator(problem.potential);
    for (std::size_t e = 0; e < problem.potential.elements.size(); ++e) {
        const ElementModel& model = problem.potential.elements[e];
        for (std::size_t k = 0; k < model.symmetryFunctions.size(); ++k) {
            std::vector<double> values;
            for (const Structure& structure : data) {
                const std::vector<std::vector<double>> g = evaluator.symmetryFunctions(structure);
                for (std::size_t i = 0; i < structure.size(); ++i) {
                    if (structure.symbols[i] == model.symbol) values.push_back(g[i][k]);
                }
            }
            const SymmetryFunction& sf = model.symmetryFunctions[k];
            INFO("element " << model.symbol << " function " << k + 1);
            CHECK(sf.gmin == *std::min_element(values.begin(), values.end()));
            CHECK(sf.gmax == *std::max_element(values.begin(), values.end()));
            CHECK(sf.gmean == Approx(meanOf(values)).epsilon(1e-12));
            CHECK(sf.gsigma == Approx(sigmaOf(values)).epsilon(1e-10));
        }
    }
}

TEST_CASE("normalization modes", "[data]") {
    const std::string dir = makeTempDir("normalization");
    std::mt19937 generator(8);
    const std::vector<Structure> data = randomStructures(generator, 4, 6, 4.5, 0.9);
    const std::string keywords = "mean_energy -0.4\nconv_energy 3.0\nconv_length 2.0\n";
    const std::string withKeywords = writeSettings(dir, syntheticSettings(Family::Radial, 't', keywords));

    FitSettings settings;
    Random random(1);
    FitProblem problem = setupProblem(withKeywords, data, "random.data", settings, random);
    CHECK(problem.potential.normalize);
    CHECK(problem.potential.meanEnergy == -0.4);
    CHECK(problem.potential.convEnergy == 3.0);
    CHECK(problem.potential.convLength == 2.0);

    settings.normalization = NormalizationMode::Off;
    problem = setupProblem(withKeywords, data, "random.data", settings, random);
    CHECK_FALSE(problem.potential.normalize);

    settings.normalization = NormalizationMode::Data;
    problem = setupProblem(withKeywords, data, "random.data", settings, random);
    CHECK(problem.potential.normalize);
    CHECK(problem.potential.convEnergy == Approx(1.0 / problem.statistics.sigmaEnergy));

    const std::string dir2 = makeTempDir("normalization-none");
    const std::string without = writeSettings(dir2, syntheticSettings(Family::Radial, 't', ""));
    settings.normalization = NormalizationMode::Settings;
    CHECK_THROWS_WITH(setupProblem(without, data, "random.data", settings, random),
                      Catch::Contains("input.nn has no mean_energy"));

    // One training structure: no standard deviation to normalize with.
    settings.normalization = NormalizationMode::Data;
    settings.testFraction = 0.0;
    const std::vector<Structure> one = randomStructures(generator, 1, 12, 4.5, 0.9);
    CHECK_THROWS_WITH(setupProblem(without, one, "random.data", settings, random),
                      Catch::Contains("cannot normalize energies"));
}

TEST_CASE("initial weights follow the settings", "[setup]") {
    const std::string dir = makeTempDir("weights");
    const std::string path = writeSettings(dir, syntheticSettings(Family::Radial, 't', "weights_min -0.5\nweights_max 0.5\n", 6));
    std::mt19937 generator(3);
    const std::vector<Structure> data = randomStructures(generator, 4, 6, 4.5, 0.9);
    FitSettings settings;
    readFitSettings(path, settings);
    Random random(9);
    FitProblem problem = setupProblem(path, data, "random.data", settings, random);
    initializeWeights(problem, settings, random);
    for (const ElementModel& model : problem.potential.elements) {
        for (std::size_t l = 0; l < model.layers.size(); ++l) {
            const Layer& layer = model.layers[l];
            const bool output = l + 1 == model.layers.size();
            const double bound = 0.5 * (output ? 1.0 : std::sqrt(6.0 / static_cast<double>(layer.weights.rows() + layer.weights.cols())));
            INFO("element " << model.symbol << " layer " << l);
            CHECK(layer.weights.cwiseAbs().maxCoeff() <= bound);
            CHECK(layer.weights.cwiseAbs().maxCoeff() > 0.5 * bound);
            CHECK(layer.bias.isZero());
        }
    }

    // Without normalization the output starts at the mean energy per atom.
    settings.normalization = NormalizationMode::Off;
    Random again(9);
    problem = setupProblem(path, data, "random.data", settings, again);
    initializeWeights(problem, settings, again);
    for (const ElementModel& model : problem.potential.elements) {
        CHECK(model.layers.back().bias(0) == problem.statistics.meanEnergy);
        CHECK(model.layers.back().weights.cwiseAbs().maxCoeff() <= 0.5 * problem.loss.sigmaEnergy);
    }
}

// SPDX-License-Identifier: GPL-2.0-or-later
// The training loop: optimizers, stop conditions, interruption, output
// files and the written potential.
#include "core/evaluator.h"
#include "core/potential.h"
#include "core/structure_io.h"
#include "fit/setup.h"
#include "fit/trainer.h"
#include "fit_test_support.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace bpnn;
using namespace bpnn::fit;
using namespace bpnn::fittest;

namespace {

struct Run {
    FitRequest request;
    std::string directory;
};

Run prepare(const std::string& name, OptimizerType optimizer, std::size_t epochs) {
    Run run;
    run.directory = makeTempDir(name);
    run.request.settingsFile = writeSettings(
        run.directory, syntheticSettings(Family::All, 't', "use_short_forces\nrandom_seed 5\ntest_fraction 0.25\n"));
    // Reference values from a potential with random weights, so that they
    // can be fitted exactly.
    std::mt19937 generator(31);
    std::vector<Structure> data = randomStructures(generator, 12, 9, 4.5, 0.9);
    FitSettings teacherSettings;
    readFitSettings(run.request.settingsFile, teacherSettings);
    Random random(77);
    FitProblem teacher = setupProblem(run.request.settingsFile, data, "random.data", teacherSettings, random);
    initializeWeights(teacher, teacherSettings, random);
    Evaluator evaluator(teacher.potential);
    for (Structure& structure : data) {
        const Evaluator::StructureResult result = evaluator.evaluate(structure);
        structure.energy = result.energy;
        structure.forces = result.forces;
    }
    run.request.dataFile = run.directory + "/input.data";
    writeRunnerData(run.request.dataFile, data);
    run.request.outputDirectory = run.directory + "/out";
    readFitSettings(run.request.settingsFile, run.request.settings);
    run.request.settings.optimizer = optimizer;
    run.request.settings.epochs = epochs;
    run.request.settings.kalman.forceFraction = 0.05;
    return run;
}

FitResult execute(const Run& run, bool stopNow = false) {
    std::ostringstream log;
    std::atomic<bool> stop{stopNow};
    return runTraining(run.request, log, stop);
}

// Rows of a CSV file without its header, split at commas.
std::vector<std::vector<std::string>> readCsv(const std::string& path) {
    std::istringstream in(readTextFile(path));
    std::vector<std::vector<std::string>> rows;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::vector<std::string> fields;
        std::istringstream cells(line);
        std::string cell;
        while (std::getline(cells, cell, ',')) fields.push_back(cell);
        rows.push_back(fields);
    }
    return rows;
}

}  // namespace

TEST_CASE("optimizers lower the training loss", "[training]") {
    const OptimizerType optimizer = GENERATE(OptimizerType::Lbfgs, OptimizerType::Kalman, OptimizerType::Adam);
    INFO("optimizer " << optimizerName(optimizer));
    const Run run = prepare("optimizers", optimizer, 8);
    const FitResult result = execute(run);
    CHECK(result.epochs == 8);
    CHECK_FALSE(result.interrupted);
    const auto curve = readCsv(run.request.outputDirectory + "/learning-curve.csv");
    REQUIRE(curve.size() == 9);
    CHECK(std::stoul(curve[0][0]) == 0);
    const double initial = std::stod(curve[0][6]);
    const double last = std::stod(curve.back()[6]);
    CHECK(last < (optimizer == OptimizerType::Lbfgs ? 0.1 : 0.9) * initial);
    CHECK(result.lastTrain.loss == Approx(last).epsilon(1e-9));
}

TEST_CASE("written potential reproduces the reported predictions", "[training]") {
    const Run run = prepare("written", OptimizerType::Lbfgs, 5);
    const FitResult result = execute(run);
    const Potential potential = readPotential(run.request.outputDirectory);
    Evaluator evaluator(potential);
    const std::vector<Structure> data = readStructures(run.request.dataFile);

    const auto energies = readCsv(run.request.outputDirectory + "/parity-energy.csv");
    const auto forces = readCsv(run.request.outputDirectory + "/parity-forces.csv");
    REQUIRE(energies.size() == 3);  // 25 % of 12 structures
    double squared = 0.0;
    std::size_t row = 0;
    for (const auto& line : energies) {
        const std::size_t number = std::stoul(line[0]);
        const Structure& structure = data.at(number - 1);
        const Evaluator::StructureResult predicted = evaluator.evaluate(structure);
        const double atoms = static_cast<double>(structure.size());
        CHECK(std::stoul(line[1]) == structure.size());
        CHECK(std::stod(line[2]) == Approx(structure.energy / atoms).epsilon(1e-15));
        CHECK(std::stod(line[3]) == Approx(predicted.energy / atoms).epsilon(1e-13));
        squared += std::pow(predicted.energy / atoms - structure.energy / atoms, 2);
        for (std::size_t i = 0; i < structure.size(); ++i) {
            for (std::size_t c = 0; c < 3; ++c, ++row) {
                const auto& f = forces.at(row);
                REQUIRE(std::stoul(f[0]) == number);
                REQUIRE(std::stoul(f[1]) == i + 1);
                CHECK(std::stod(f[3]) == Approx(structure.forces[i][c]).epsilon(1e-15));
                CHECK(std::stod(f[4]) == Approx(predicted.forces[i][c]).margin(1e-12));
            }
        }
    }
    CHECK(row == forces.size());
    // The summary's test RMSE belongs to the written potential.
    CHECK(result.bestTest.energyRmse() == Approx(std::sqrt(squared / 3.0)).epsilon(1e-10));
}

TEST_CASE("stop conditions end the fit", "[training]") {
    SECTION("targets") {
        Run run = prepare("targets", OptimizerType::Lbfgs, 50);
        run.request.settings.targetEnergyRmse = 1e9;
        run.request.settings.targetForceRmse = 1e9;
        const FitResult result = execute(run);
        CHECK(result.epochs == 1);
        CHECK_THAT(result.stopReason, Catch::Contains("targets are reached"));
    }
    SECTION("time limit") {
        Run run = prepare("time", OptimizerType::Lbfgs, 50);
        run.request.settings.maxSeconds = 1e-9;
        const FitResult result = execute(run);
        CHECK(result.epochs == 1);
        CHECK_THAT(result.stopReason, Catch::Contains("time limit"));
    }
    SECTION("patience") {
        Run run = prepare("patience", OptimizerType::Kalman, 200);
        run.request.settings.patience = 2;
        const FitResult result = execute(run);
        REQUIRE(result.epochs < 200);
        CHECK_THAT(result.stopReason, Catch::Contains("no better test loss for 2 epochs"));
        CHECK(result.epochs - result.bestEpoch == 2);
    }
    SECTION("epoch limit") {
        const Run run = prepare("limit", OptimizerType::Adam, 3);
        const FitResult result = execute(run);
        CHECK(result.epochs == 3);
        CHECK_THAT(result.stopReason, Catch::Contains("epoch limit (3)"));
    }
}

TEST_CASE("interrupted fit keeps its files", "[training]") {
    const Run run = prepare("interrupted", OptimizerType::Kalman, 4);
    const FitResult stopped = execute(run, true);
    CHECK(stopped.interrupted);
    CHECK(stopped.epochs == 0);
    CHECK_THAT(stopped.stopReason, Catch::Contains("interrupted during epoch 1"));
    // The initial potential is on disk and loads.
    CHECK_NOTHROW(readPotential(run.request.outputDirectory));
    // No epoch finished, so there is no checkpoint to resume from.
    Run resume = run;
    resume.request.resume = true;
    CHECK_THROWS_WITH(execute(resume), Catch::Contains("no checkpoint to resume from"));
}

TEST_CASE("output files are not overwritten", "[training]") {
    Run run = prepare("overwrite", OptimizerType::Lbfgs, 1);
    execute(run);
    const std::string before = readTextFile(run.request.outputDirectory + "/weights.001.data");
    run.request.settings.epochs = 2;
    CHECK_THROWS_WITH(execute(run), Catch::Contains("file exists and would be overwritten"));
    CHECK(readTextFile(run.request.outputDirectory + "/weights.001.data") == before);
    run.request.overwrite = true;
    CHECK(execute(run).epochs == 2);
}

TEST_CASE("damaged checkpoint is rejected", "[training]") {
    Run run = prepare("damaged", OptimizerType::Kalman, 2);
    execute(run);
    const std::string path = run.request.outputDirectory + "/fit-checkpoint.bin";
    const auto size = std::filesystem::file_size(path);
    std::filesystem::resize_file(path, size / 2);
    run.request.resume = true;
    run.request.settings.epochs = 3;
    CHECK_THROWS_WITH(execute(run), Catch::Contains("the checkpoint is damaged"));
}

TEST_CASE("energies only from mixed extended XYZ", "[training]") {
    Run run = prepare("mixed-xyz", OptimizerType::Lbfgs, 2);
    std::vector<Structure> data = readStructures(run.request.dataFile);
    for (std::size_t s = 0; s < data.size(); s += 2) data[s].hasForces = false;
    run.request.dataFile = run.directory + "/data.xyz";
    writeExtendedXyz(run.request.dataFile, data);
    run.request.settings.testFraction = 0.0;

    // Fitting forces needs them in every frame.
    CHECK_THROWS_WITH(execute(run), Catch::Contains("structure 1 (starting at line 1) has no reference forces"));

    run.request.settings.useForces = false;
    run.request.overwrite = true;
    const FitResult result = execute(run);
    CHECK(result.epochs == 2);
    // Force errors cover the frames that have forces: 6 frames of 9 atoms.
    CHECK(result.bestTrain.numForces == 6 * 9 * 3);
    const auto forces = readCsv(run.request.outputDirectory + "/parity-forces.csv");
    CHECK(forces.size() == 6 * 9 * 3);
    for (const auto& row : forces) CHECK(std::stoul(row[0]) % 2 == 0);
}

TEST_CASE("unit comments reach the written input.nn", "[training]") {
    Run run = prepare("units", OptimizerType::Lbfgs, 1);
    const std::string settings = readTextFile(run.request.settingsFile);
    writeTextFile(run.request.settingsFile,
                  "# Length unit : Angstrom\n#   Energy unit: eV (DFT)\n# Reference method: PBE\n# no declaration here\n" +
                      settings);
    execute(run);
    const std::string written = readTextFile(run.request.outputDirectory + "/input.nn");
    CHECK_THAT(written, Catch::Contains("\n# Length unit : Angstrom\n#   Energy unit: eV (DFT)\n# Reference method: PBE\n"));
    CHECK_THAT(written, !Catch::Contains("no declaration here"));
    // The comments change nothing that bpnn reads.
    CHECK_NOTHROW(readPotential(run.request.outputDirectory));
}

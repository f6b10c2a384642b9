// SPDX-License-Identifier: GPL-2.0-or-later
// Reproducibility of fits: results that do not depend on the number of
// threads, and a resumed fit that ends with the same weights as an
// uninterrupted one.
#include "core/structure_io.h"
#include "fit/model.h"
#include "fit/setup.h"
#include "fit/trainer.h"
#include "fit_test_support.h"

#include <catch2/catch.hpp>

#include <sstream>

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace bpnn;
using namespace bpnn::fit;
using namespace bpnn::fittest;

namespace {

// A settings file and an input.data of random structures in a fresh directory.
struct FitInputs {
    std::string directory;
    std::string settings;
    std::string data;
};

FitInputs writeInputs(const std::string& name, std::size_t structures, int nodes = 4) {
    FitInputs inputs;
    inputs.directory = makeTempDir(name);
    inputs.settings = writeSettings(inputs.directory, syntheticSettings(Family::All, 't',
                                                                         "use_short_forces\nrandom_seed 17\n"
                                                                         "test_fraction 0.2\nforce_weight 2.0\n",
                                                                         nodes));
    std::mt19937 generator(99);
    inputs.data = inputs.directory + "/input.data";
    writeRunnerData(inputs.data, randomStructures(generator, structures, 9, 4.5, 0.9));
    return inputs;
}

FitResult runFit(const FitInputs& inputs, const std::string& output, OptimizerType optimizer, std::size_t epochs,
              int threads, bool resume) {
    FitRequest request;
    request.settingsFile = inputs.settings;
    request.dataFile = inputs.data;
    request.outputDirectory = inputs.directory + "/" + output;
    request.resume = resume;
    readFitSettings(request.settingsFile, request.settings);
    request.settings.optimizer = optimizer;
    request.settings.epochs = epochs;
    request.settings.threads = threads;
    request.settings.lbfgs.iterationsPerEpoch = 3;
    request.settings.kalman.forceFraction = 0.05;
    request.settings.adam.batchSize = 2;
    std::ostringstream log;
    std::atomic<bool> stop{false};
    return runTraining(request, log, stop);
}

bool identical(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    return a.size() == b.size() && (a.array() == b.array()).all();
}

}  // namespace

#ifdef _OPENMP
TEST_CASE("loss gradient independent of thread count", "[determinism]") {
    const FitInputs inputs = writeInputs("threads-gradient", 80);
    FitSettings settings;
    readFitSettings(inputs.settings, settings);
    Random random(settings.seed);
    FitProblem problem = setupProblem(inputs.settings, readStructures(inputs.data), inputs.data, settings, random);
    initializeWeights(problem, settings, random);
    const Model model(problem.potential, problem.structures, problem.loss);
    const Eigen::VectorXd parameters = model.parameters(problem.potential);
    const int saved = omp_get_max_threads();

    omp_set_num_threads(1);
    Eigen::VectorXd reference;
    ErrorSums referenceSums;
    const double referenceLoss = model.evaluate(parameters, problem.train, &reference, &referenceSums);
    for (int threads : {2, 3, 4}) {
        omp_set_num_threads(threads);
        Eigen::VectorXd gradient;
        ErrorSums sums;
        const double loss = model.evaluate(parameters, problem.train, &gradient, &sums);
        INFO(threads << " threads");
        CHECK(loss == referenceLoss);
        CHECK(sums.forceSquared == referenceSums.forceSquared);
        CHECK(identical(gradient, reference));
    }
    omp_set_num_threads(saved);
}

TEST_CASE("fit independent of thread count", "[determinism]") {
    const OptimizerType optimizer = GENERATE(OptimizerType::Lbfgs, OptimizerType::Kalman, OptimizerType::Adam);
    INFO("optimizer " << optimizerName(optimizer));
    // Networks of 24 nodes have enough weights (more than 1024) for the
    // Kalman filter to share its covariance products between threads.
    const FitInputs inputs = writeInputs("threads-fit", 40, 24);
    const int saved = omp_get_max_threads();
    runFit(inputs, "one", optimizer, 2, 1, false);
    runFit(inputs, "three", optimizer, 2, 3, false);
    omp_set_num_threads(saved);
    const CheckpointSummary one = readCheckpointSummary(inputs.directory + "/one");
    const CheckpointSummary three = readCheckpointSummary(inputs.directory + "/three");
    REQUIRE(one.parameters.size() > 1024);
    CHECK(identical(one.parameters, three.parameters));
    CHECK(identical(one.best, three.best));
}
#endif

TEST_CASE("resumed fit equals an uninterrupted fit", "[determinism]") {
    const OptimizerType optimizer = GENERATE(OptimizerType::Lbfgs, OptimizerType::Kalman, OptimizerType::Adam);
    INFO("optimizer " << optimizerName(optimizer));
    const FitInputs inputs = writeInputs("resume", 12);
    const FitResult whole = runFit(inputs, "whole", optimizer, 6, 0, false);
    REQUIRE(whole.epochs == 6);
    const FitResult first = runFit(inputs, "parts", optimizer, 2, 0, false);
    REQUIRE(first.epochs == 2);
    const FitResult second = runFit(inputs, "parts", optimizer, 6, 0, true);
    REQUIRE(second.epochs == 6);

    const CheckpointSummary a = readCheckpointSummary(inputs.directory + "/whole");
    const CheckpointSummary b = readCheckpointSummary(inputs.directory + "/parts");
    CHECK(a.epoch == 6);
    CHECK(b.epoch == 6);
    CHECK(identical(a.parameters, b.parameters));
    CHECK(identical(a.best, b.best));
    CHECK(whole.bestEpoch == second.bestEpoch);
    for (const char* file : {"weights.001.data", "weights.008.data", "scaling.data", "input.nn"}) {
        INFO(file);
        CHECK(readTextFile(inputs.directory + "/whole/" + file) == readTextFile(inputs.directory + "/parts/" + file));
    }
    // The learning curves agree in every column except the training time.
    auto withoutTime = [](const std::string& path) {
        std::istringstream in(readTextFile(path));
        std::string line, result;
        while (std::getline(in, line)) {
            const std::size_t epochEnd = line.find(',');
            const std::size_t timeEnd = line.find(',', epochEnd + 1);
            result += line.substr(0, epochEnd) + line.substr(timeEnd) + "\n";
        }
        return result;
    };
    CHECK(withoutTime(inputs.directory + "/whole/learning-curve.csv") ==
          withoutTime(inputs.directory + "/parts/learning-curve.csv"));
}

TEST_CASE("resume rejects changed inputs", "[determinism]") {
    const FitInputs inputs = writeInputs("resume-changed", 6);
    runFit(inputs, "out", OptimizerType::Lbfgs, 1, 0, false);
    FitRequest request;
    request.settingsFile = inputs.settings;
    request.dataFile = inputs.data;
    request.outputDirectory = inputs.directory + "/out";
    request.resume = true;
    readFitSettings(request.settingsFile, request.settings);
    request.settings.optimizer = OptimizerType::Lbfgs;
    request.settings.forceWeight = 5.0;  // differs from the checkpointed fit
    std::ostringstream log;
    std::atomic<bool> stop{false};
    CHECK_THROWS_WITH(runTraining(request, log, stop), Catch::Contains("other settings, data or training options"));
}

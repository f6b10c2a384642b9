// SPDX-License-Identifier: GPL-2.0-or-later
// The training loop of `bpnn fit`: epochs, progress lines, the learning
// curve, early stopping, the best potential on disk, checkpoints,
// --resume, interruption and the final parity files and summary.
//
// Files in the output directory:
//   input.nn, scaling.data, weights.NNN.data   the best potential so far;
//                         input.nn keeps the unit comments of the settings
//   fit-checkpoint.bin    the state after the last checkpointed epoch
//   learning-curve.csv    one row per epoch
//   parity-energy.csv, parity-forces.csv   test set predictions of the
//                         best potential (training set when there is no test set)
#pragma once

#include "fit/fit_settings.h"
#include "fit/model.h"

#include <Eigen/Dense>

#include <atomic>
#include <ostream>
#include <string>

namespace bpnn {
namespace fit {

struct FitRequest {
    std::string settingsFile;
    std::string dataFile;
    std::string outputDirectory;
    bool overwrite = false;  // --force
    bool resume = false;
    FitSettings settings;
};

struct FitResult {
    std::size_t epochs = 0;     // completed epochs, including those before a resume
    std::size_t bestEpoch = 0;  // epoch of the written potential (0: initial weights)
    ErrorSums bestTrain;
    ErrorSums bestTest;
    ErrorSums lastTrain;
    ErrorSums lastTest;
    bool interrupted = false;
    std::string stopReason;
    double seconds = 0.0;  // wall time of this run, setup included
};

// Names of the files that a fit writes into its output directory.
extern const char* const kCheckpointFile;
extern const char* const kLearningCurveFile;
extern const char* const kParityEnergyFile;
extern const char* const kParityForcesFile;

// Epoch and current parameters stored in the checkpoint of an output
// directory, for tools and tests. Throws InputError for a missing or
// damaged checkpoint.
struct CheckpointSummary {
    std::size_t epoch = 0;
    Eigen::VectorXd parameters;
    Eigen::VectorXd best;
};
CheckpointSummary readCheckpointSummary(const std::string& directory);

// Runs a fit and writes its progress to log. Setting stop (from a signal
// handler, for example) ends the run at the next update. The epoch in
// progress is then discarded, and the best potential and the last
// checkpoint stay on disk. Throws InputError for invalid input and
// std::runtime_error when the optimizer diverges.
FitResult runTraining(const FitRequest& request, std::ostream& log, const std::atomic<bool>& stop);

}  // namespace fit
}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
// Training parameters of `bpnn fit`: defaults, the n2p2 training keywords of
// input.nn that apply to bpnn, and bpnn's own fit_* keywords. Command-line
// options override both (see fit_command.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bpnn {
namespace fit {

enum class OptimizerType { Adam, Lbfgs, Kalman };

// Energy normalization of the network output (see Potential):
//   Auto:     Settings when input.nn has mean_energy, conv_energy and
//             conv_length (as n2p2's nnp-train uses them), else Data
//   Data:     those values computed from the training set as n2p2's
//             nnp-norm does
//   Settings: the values of those keywords in input.nn
//   Off:      no normalization, the network outputs physical energies
enum class NormalizationMode { Auto, Data, Settings, Off };

const char* optimizerName(OptimizerType type);
bool parseOptimizer(const std::string& text, OptimizerType& type);
const char* normalizationName(NormalizationMode mode);
bool parseNormalization(const std::string& text, NormalizationMode& mode);

struct AdamSettings {
    double learningRate = 1e-3;  // gradient_adam_eta
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-8;
    std::size_t batchSize = 1;  // structures per update
};

struct LbfgsSettings {
    std::size_t history = 30;  // stored (s, y) pairs
    std::size_t iterationsPerEpoch = 10;
};

// Extended Kalman filter parameters, named as n2p2's kalman_* keywords.
// The per-epoch decay rates qtau and etatau are spread over the updates of
// an epoch.
struct KalmanSettings {
    bool fadingMemory = false;  // kalman_type 1, which bpnn does not implement
    double epsilon = 0.01;  // initial covariance P = I / epsilon
    double q0 = 0.01;       // process noise, annealed as q0 exp(-qtau epoch) down to qmin
    double qtau = 2.302;
    double qmin = 1e-6;
    double eta = 0.01;  // inverse measurement noise, grown as eta exp(etatau epoch) up to etamax
    double etatau = 2.302;
    double etamax = 1.0;
    double energyFraction = 1.0;   // energy rows used per epoch, as a fraction of the training energies
    double forceFraction = 0.02;   // force rows used per epoch, as a fraction of the training force components
    std::size_t energyBatch = 1;   // rows per energy update
    std::size_t forceBatch = 8;    // rows per force update
};

struct FitSettings {
    OptimizerType optimizer = OptimizerType::Lbfgs;
    std::size_t epochs = 100;
    std::uint64_t seed = 1;
    double testFraction = 0.1;
    bool useForces = true;
    double energyWeight = 1.0;
    double forceWeight = 1.0;
    double weightsMin = -1.0;
    double weightsMax = 1.0;
    NormalizationMode normalization = NormalizationMode::Auto;
    std::size_t patience = 0;  // epochs without a better test loss before stopping; 0: never stop early
    double targetEnergyRmse = 0.0;  // stop once both train RMSEs are at or below these; 0: no target
    double targetForceRmse = 0.0;
    double maxSeconds = 0.0;  // wall-time limit of the training loop; 0: none
    double minDistance = 0.1;  // closest allowed interatomic distance, in the data's length unit
    std::size_t checkpointInterval = 1;  // epochs between checkpoints
    int threads = 0;  // 0: OpenMP's default
    AdamSettings adam;
    LbfgsSettings lbfgs;
    KalmanSettings kalman;

    // Notes for the log from reading input.nn, such as n2p2 keywords without effect.
    std::vector<std::string> notes;
};

// Reads the training keywords of an n2p2 input.nn into settings, leaving
// the defaults for keywords that are absent. Throws InputError naming the
// file and line for an invalid value or an n2p2 training mode that bpnn
// does not implement.
void readFitSettings(const std::string& settingsFile, FitSettings& settings);

// Checks the ranges of all settings, whichever source set them. Throws
// InputError naming the setting.
void validateFitSettings(const FitSettings& settings);

}  // namespace fit
}  // namespace bpnn

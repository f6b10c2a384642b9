// SPDX-License-Identifier: GPL-2.0-or-later
// Everything that happens before the first epoch: the untrained potential
// from input.nn, validation and features of the data, the train/test
// split, scaling statistics, energy normalization and initial weights.
#pragma once

#include "core/potential.h"
#include "core/structure.h"
#include "fit/fit_settings.h"
#include "fit/model.h"
#include "fit/random.h"
#include "fit/training_data.h"

#include <functional>
#include <string>
#include <vector>

namespace bpnn {
namespace fit {

struct FitProblem {
    Potential potential;  // architecture, scaling statistics, normalization; weights set by initializeWeights
    std::vector<FitStructure> structures;
    std::vector<std::size_t> train;
    std::vector<std::size_t> test;
    DataStatistics statistics;  // of the training set
    LossSettings loss;
    std::vector<std::string> notes;  // decisions worth a line in the log
};

// Builds the problem from an input.nn and structures read from dataFile.
// Draws the train/test split from random. Throws InputError for invalid
// settings or data.
FitProblem setupProblem(const std::string& settingsFile, const std::vector<Structure>& data,
                        const std::string& dataFile, const FitSettings& settings, Random& random);

// Draws initial weights: uniform in [weights_min, weights_max], hidden
// layers scaled by sqrt(6 / (inputs + outputs)) (Glorot and Bengio, as
// n2p2 does for tanh layers), biases zero. Without energy normalization the
// output layer is scaled by sigma_E and its bias set to the mean energy per
// atom, so that initial energies are of the right size.
void initializeWeights(FitProblem& problem, const FitSettings& settings, Random& random);

}  // namespace fit
}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
#include "fit/setup.h"

#include "core/errors.h"
#include "core/text_parsing.h"

#include <cmath>

namespace bpnn {
namespace fit {
namespace {

void setNormalization(FitProblem& problem, const FitSettings& settings, const std::string& settingsFile) {
    Potential& potential = problem.potential;
    NormalizationMode mode = settings.normalization;
    if (mode == NormalizationMode::Auto) mode = potential.normalize ? NormalizationMode::Settings : NormalizationMode::Data;
    const DataStatistics& stats = problem.statistics;
    switch (mode) {
        case NormalizationMode::Settings:
            if (!potential.normalize) {
                throw InputError(settingsFile, 0,
                                 "normalization from the settings requested, but input.nn has no mean_energy, "
                                 "conv_energy and conv_length: use --normalize data or off");
            }
            problem.notes.push_back("energy normalization from input.nn: mean_energy " +
                                    formatDouble(potential.meanEnergy) + ", conv_energy " +
                                    formatDouble(potential.convEnergy) + ", conv_length " +
                                    formatDouble(potential.convLength));
            return;
        case NormalizationMode::Off:
            potential.normalize = false;
            potential.meanEnergy = 0.0;
            potential.convEnergy = 1.0;
            potential.convLength = 1.0;
            problem.notes.push_back("energy normalization off: the networks output energies in physical units");
            return;
        case NormalizationMode::Data:
        case NormalizationMode::Auto:
            break;
    }
    if (!(stats.sigmaEnergy > 0.0)) {
        throw InputError("cannot normalize energies: the training set has " + std::to_string(problem.train.size()) +
                         " structure(s) and the standard deviation of their energies per atom is zero; add "
                         "structures or use --normalize off");
    }
    potential.normalize = true;
    potential.meanEnergy = stats.meanEnergy;
    potential.convEnergy = 1.0 / stats.sigmaEnergy;
    potential.convLength = settings.useForces && stats.sigmaForce > 0.0 ? stats.sigmaForce / stats.sigmaEnergy : 1.0;
    problem.notes.push_back("energy normalization from the training set (as n2p2's nnp-norm): mean_energy " +
                            formatDouble(potential.meanEnergy) + ", conv_energy " + formatDouble(potential.convEnergy) +
                            ", conv_length " + formatDouble(potential.convLength));
}

}  // namespace

FitProblem setupProblem(const std::string& settingsFile, const std::vector<Structure>& data,
                        const std::string& dataFile, const FitSettings& settings, Random& random) {
    FitProblem problem;
    problem.potential = readPotentialSettings(settingsFile);
    validateStructures(data, problem.potential, dataFile, settings.useForces, settings.minDistance);
    if (settings.testFraction > 0.0 && data.size() < 2) {
        problem.notes.push_back("only one structure: no test set");
    }
    splitStructures(data.size(), settings.testFraction, random, problem.train, problem.test);

    // Fitting forces needs the derivatives. Data with forces gets them for
    // reporting force errors as well.
    bool anyForces = false;
    for (const Structure& structure : data) anyForces = anyForces || structure.hasForces;
    const bool derivatives = settings.useForces || anyForces;
    problem.structures = prepareStructures(data, problem.potential, derivatives);
    if (derivatives && !settings.useForces) {
        for (std::size_t s = 0; s < data.size(); ++s) {
            // Structures without forces in a mixed XYZ file: report no force error.
            if (!data[s].hasForces) problem.structures[s].forces.clear();
        }
    }

    // Symmetry function statistics over all structures, as n2p2's
    // nnp-scaling computes them from the whole data file, so that test
    // structures do not extrapolate. They use no reference values.
    std::vector<std::size_t> all(problem.structures.size());
    for (std::size_t s = 0; s < all.size(); ++s) all[s] = s;
    computeScalingStatistics(problem.potential, problem.structures, all, settingsFile);
    std::vector<std::size_t> trainingAtoms(problem.potential.elements.size(), 0);
    for (std::size_t s : problem.train) {
        for (int element : problem.structures[s].elements) ++trainingAtoms[static_cast<std::size_t>(element)];
    }
    for (std::size_t e = 0; e < trainingAtoms.size(); ++e) {
        if (trainingAtoms[e] == 0) {
            throw InputError(dataFile, 0,
                             "element " + problem.potential.elements[e].symbol + " occurs only in test structures, "
                             "so its network cannot be fitted: lower the test fraction or change the seed");
        }
    }
    scaleInputs(problem.potential, problem.structures);
    problem.statistics = computeDataStatistics(problem.structures, problem.train);
    setNormalization(problem, settings, settingsFile);

    LossSettings& loss = problem.loss;
    loss.energyWeight = settings.energyWeight;
    loss.forceWeight = settings.forceWeight;
    loss.useForces = settings.useForces;
    loss.sigmaEnergy = problem.statistics.sigmaEnergy;
    loss.sigmaForce = problem.statistics.sigmaForce;
    if (!(loss.sigmaEnergy > 0.0)) {
        loss.sigmaEnergy = 1.0;
        problem.notes.push_back("the training energies per atom do not vary: energy residuals are not scaled");
    }
    if (!(loss.sigmaForce > 0.0)) {
        loss.sigmaForce = 1.0;
        if (settings.useForces) problem.notes.push_back("the training forces do not vary: force residuals are not scaled");
    }
    return problem;
}

void initializeWeights(FitProblem& problem, const FitSettings& settings, Random& random) {
    const double width = settings.weightsMax - settings.weightsMin;
    for (ElementModel& model : problem.potential.elements) {
        for (std::size_t l = 0; l < model.layers.size(); ++l) {
            Layer& layer = model.layers[l];
            const bool output = l + 1 == model.layers.size();
            double scale = 1.0;
            if (!output) scale = std::sqrt(6.0 / static_cast<double>(layer.weights.rows() + layer.weights.cols()));
            if (output && !problem.potential.normalize) scale = problem.loss.sigmaEnergy;
            for (Eigen::Index in = 0; in < layer.weights.cols(); ++in) {
                for (Eigen::Index out = 0; out < layer.weights.rows(); ++out) {
                    layer.weights(out, in) = scale * (settings.weightsMin + width * random.uniform());
                }
            }
            layer.bias.setZero();
            if (output && !problem.potential.normalize && layer.activation == Activation::Identity) {
                // With normalize_nodes the bias is divided by the number of inputs too.
                const double inputs = problem.potential.normalizeNodes ? static_cast<double>(layer.weights.cols()) : 1.0;
                layer.bias.setConstant(problem.statistics.meanEnergy * inputs);
            }
        }
    }
}

}  // namespace fit
}  // namespace bpnn

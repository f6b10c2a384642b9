// SPDX-License-Identifier: GPL-2.0-or-later
#include "potential.h"

#include <algorithm>

namespace bpnn {

bool SymmetryFunction::isAngular() const {
    return type == 3 || type == 9 || type == 13 || type == 21 || type == 22 || type == 24 || type == 25;
}

bool SymmetryFunction::isCompact() const { return type >= 20; }

bool SymmetryFunction::isWeighted() const { return type == 12 || type == 13 || type >= 23; }

bool SymmetryFunction::isWide() const { return type == 9 || type == 22 || type == 25; }

std::size_t ElementModel::numWeights() const {
    std::size_t count = 0;
    for (const Layer& layer : layers) count += static_cast<std::size_t>(layer.weights.size() + layer.bias.size());
    return count;
}

int Potential::elementIndex(const std::string& symbol) const {
    for (std::size_t i = 0; i < elements.size(); ++i) {
        if (elements[i].symbol == symbol) return static_cast<int>(i);
    }
    return -1;
}

double Potential::maxCutoff() const {
    double cutoff = 0.0;
    for (const ElementModel& model : elements) {
        for (const SymmetryFunction& sf : model.symmetryFunctions) cutoff = std::max(cutoff, sf.rc);
    }
    return cutoff;
}

std::size_t Potential::numWeights() const {
    std::size_t count = 0;
    for (const ElementModel& model : elements) count += model.numWeights();
    return count;
}

double scalingFactor(const Potential& potential, const SymmetryFunction& sf) {
    const double range = potential.scaleMax - potential.scaleMin;
    switch (potential.scaling) {
        case ScalingMode::Scale:
        case ScalingMode::ScaleCenter: return range / (sf.gmax - sf.gmin);
        case ScalingMode::Sigma: return range / sf.gsigma;
        case ScalingMode::None:
        case ScalingMode::Center: break;
    }
    return 1.0;
}

double scaleSymmetryFunction(const Potential& potential, const SymmetryFunction& sf, double g) {
    switch (potential.scaling) {
        case ScalingMode::None: return g;
        case ScalingMode::Center: return g - sf.gmean;
        case ScalingMode::Scale: return potential.scaleMin + scalingFactor(potential, sf) * (g - sf.gmin);
        case ScalingMode::ScaleCenter:
        case ScalingMode::Sigma: return potential.scaleMin + scalingFactor(potential, sf) * (g - sf.gmean);
    }
    return g;
}

namespace {
constexpr std::pair<char, Activation> kActivationCodes[] = {
    {'l', Activation::Identity}, {'t', Activation::Tanh},     {'s', Activation::Logistic},
    {'p', Activation::Softplus}, {'r', Activation::Relu},     {'g', Activation::Gaussian},
    {'c', Activation::Cos},      {'S', Activation::RevLogistic}, {'e', Activation::Exp},
    {'h', Activation::Harmonic}};
}  // namespace

char activationCode(Activation activation) {
    for (const auto& entry : kActivationCodes) {
        if (entry.second == activation) return entry.first;
    }
    return '?';
}

bool parseActivation(const std::string& code, Activation& activation) {
    if (code.size() != 1) return false;
    for (const auto& entry : kActivationCodes) {
        if (entry.first == code[0]) {
            activation = entry.second;
            return true;
        }
    }
    return false;
}

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
#include "network.h"

#include <vector>

namespace bpnn {

void evaluateNetwork(const ElementModel& model, bool normalizeNodes, const Eigen::MatrixXd& inputs,
                     Eigen::VectorXd& outputs, Eigen::MatrixXd* inputGradient) {
    const std::size_t numLayers = model.layers.size();
    // Derivatives f'(z) of every layer, kept for the backward pass.
    std::vector<Eigen::MatrixXd> slopes(inputGradient ? numLayers : 0);
    Eigen::MatrixXd activations = inputs;

    for (std::size_t l = 0; l < numLayers; ++l) {
        const Layer& layer = model.layers[l];
        Eigen::MatrixXd z = layer.weights * activations;
        z.colwise() += layer.bias;
        if (normalizeNodes) z /= static_cast<double>(layer.weights.cols());
        if (inputGradient) slopes[l].resize(z.rows(), z.cols());
        for (Eigen::Index c = 0; c < z.cols(); ++c) {
            for (Eigen::Index r = 0; r < z.rows(); ++r) {
                double f, df;
                formula::activate(layer.activation, z(r, c), f, df);
                z(r, c) = f;
                if (inputGradient) slopes[l](r, c) = df;
            }
        }
        activations.swap(z);
    }
    outputs = activations.row(0).transpose();
    if (!inputGradient) return;

    // Backward pass: delta contains dOutput/da for the current layer's outputs.
    Eigen::MatrixXd delta = Eigen::MatrixXd::Ones(1, inputs.cols());
    for (std::size_t l = numLayers; l-- > 0;) {
        const Layer& layer = model.layers[l];
        delta = delta.cwiseProduct(slopes[l]);
        if (normalizeNodes) delta /= static_cast<double>(layer.weights.cols());
        delta = layer.weights.transpose() * delta;
    }
    *inputGradient = std::move(delta);
}

AtomNetwork::AtomNetwork(const ElementModel& model, bool normalizeNodes)
    : model_(model), normalizeNodes_(normalizeNodes) {
    for (const Layer& layer : model.layers) {
        activations_.emplace_back(layer.weights.rows());
        slopes_.emplace_back(layer.weights.rows());
    }
}

double AtomNetwork::evaluate(const Eigen::VectorXd& input, Eigen::VectorXd& inputGradient) {
    const std::size_t numLayers = model_.layers.size();
    for (std::size_t l = 0; l < numLayers; ++l) {
        const Layer& layer = model_.layers[l];
        Eigen::VectorXd& a = activations_[l];
        if (l == 0) {
            a.noalias() = layer.weights * input;
        } else {
            a.noalias() = layer.weights * activations_[l - 1];
        }
        a += layer.bias;
        if (normalizeNodes_) a /= static_cast<double>(layer.weights.cols());
        for (Eigen::Index r = 0; r < a.size(); ++r) {
            double f, df;
            formula::activate(layer.activation, a(r), f, df);
            a(r) = f;
            slopes_[l](r) = df;
        }
    }

    // Backward pass: delta_ is dOutput/da of the current layer's outputs.
    delta_.setOnes(1);
    for (std::size_t l = numLayers; l-- > 0;) {
        const Layer& layer = model_.layers[l];
        delta_.array() *= slopes_[l].array();
        if (normalizeNodes_) delta_ /= static_cast<double>(layer.weights.cols());
        next_.noalias() = layer.weights.transpose() * delta_;
        delta_.swap(next_);
    }
    inputGradient = delta_;
    return activations_[numLayers - 1](0);
}

}  // namespace bpnn

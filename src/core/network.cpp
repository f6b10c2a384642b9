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

}  // namespace bpnn

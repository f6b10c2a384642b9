// SPDX-License-Identifier: GPL-2.0-or-later
#include "fit/element_network.h"

#include <math.h>

namespace bpnn {
namespace fit {

void activateSecond(Activation type, double x, double& f, double& df, double& d2f) {
    formula::activate(type, x, f, df);
    switch (type) {
        case Activation::Identity:
        case Activation::Relu:
            d2f = 0.0;
            return;
        case Activation::Tanh:
            d2f = -2.0 * f * df;
            return;
        case Activation::Logistic:
            // Zero beyond the limit where formula::activate saturates.
            d2f = df * (1.0 - 2.0 * f);
            return;
        case Activation::Softplus:
            // f' is the logistic function s, so f'' = s (1 - s). Both are
            // constant beyond the saturation limit.
            d2f = fabs(x) > formula::kActivationExpLimit ? 0.0 : df * (1.0 - df);
            return;
        case Activation::Gaussian:
            d2f = (x * x - 1.0) * f;
            return;
        case Activation::Cos:
            d2f = -f;
            return;
        case Activation::RevLogistic: {
            const double s = 1.0 - f;  // the logistic function
            d2f = -s * (1.0 - s) * (1.0 - 2.0 * s);
            return;
        }
        case Activation::Exp:
            d2f = f;
            return;
        case Activation::Harmonic:
            d2f = 2.0;
            return;
    }
    d2f = 0.0;
}

NetworkShape NetworkShape::fromModel(const ElementModel& model, bool normalizeNodes) {
    NetworkShape shape;
    shape.normalizeNodes = normalizeNodes;
    shape.sizes.push_back(static_cast<Eigen::Index>(model.symmetryFunctions.size()));
    for (const Layer& layer : model.layers) {
        shape.sizes.push_back(layer.weights.rows());
        shape.activations.push_back(layer.activation);
        shape.weightOffsets.push_back(shape.numParameters);
        shape.numParameters += static_cast<std::size_t>(layer.weights.size());
        shape.biasOffsets.push_back(shape.numParameters);
        shape.numParameters += static_cast<std::size_t>(layer.bias.size());
    }
    return shape;
}

double NetworkShape::nodeScale(std::size_t layer) const {
    return normalizeNodes ? 1.0 / static_cast<double>(sizes[layer]) : 1.0;
}

void NetworkShape::gather(const ElementModel& model, double* parameters) const {
    for (std::size_t l = 0; l < numLayers(); ++l) {
        const Layer& layer = model.layers[l];
        Eigen::Map<Eigen::MatrixXd>(parameters + weightOffsets[l], sizes[l + 1], sizes[l]) = layer.weights;
        Eigen::Map<Eigen::VectorXd>(parameters + biasOffsets[l], sizes[l + 1]) = layer.bias;
    }
}

void NetworkShape::scatter(const double* parameters, ElementModel& model) const {
    for (std::size_t l = 0; l < numLayers(); ++l) {
        Layer& layer = model.layers[l];
        layer.weights = Eigen::Map<const Eigen::MatrixXd>(parameters + weightOffsets[l], sizes[l + 1], sizes[l]);
        layer.bias = Eigen::Map<const Eigen::VectorXd>(parameters + biasOffsets[l], sizes[l + 1]);
    }
}

namespace {

Eigen::Map<const Eigen::MatrixXd> weightsOf(const NetworkShape& shape, const double* parameters, std::size_t l) {
    return Eigen::Map<const Eigen::MatrixXd>(parameters + shape.weightOffsets[l], shape.sizes[l + 1], shape.sizes[l]);
}

Eigen::Map<const Eigen::VectorXd> biasOf(const NetworkShape& shape, const double* parameters, std::size_t l) {
    return Eigen::Map<const Eigen::VectorXd>(parameters + shape.biasOffsets[l], shape.sizes[l + 1]);
}

}  // namespace

void NetworkPass::forward(const NetworkShape& shape, const double* parameters, const Eigen::MatrixXd& inputs,
                          bool secondOrder) {
    shape_ = &shape;
    const std::size_t numLayers = shape.numLayers();
    const Eigen::Index columns = inputs.cols();
    activations_.resize(numLayers + 1);
    slopes_.resize(numLayers);
    curvatures_.resize(secondOrder ? numLayers : 0);
    activations_[0] = inputs;
    for (std::size_t l = 0; l < numLayers; ++l) {
        Eigen::MatrixXd& z = activations_[l + 1];
        z.noalias() = weightsOf(shape, parameters, l) * activations_[l];
        z.colwise() += biasOf(shape, parameters, l);
        const double scale = shape.nodeScale(l);
        if (scale != 1.0) z *= scale;
        Eigen::MatrixXd& slope = slopes_[l];
        slope.resize(z.rows(), columns);
        if (secondOrder) curvatures_[l].resize(z.rows(), columns);
        const Activation activation = shape.activations[l];
        for (Eigen::Index c = 0; c < columns; ++c) {
            for (Eigen::Index r = 0; r < z.rows(); ++r) {
                double f, df;
                if (secondOrder) {
                    double d2f;
                    activateSecond(activation, z(r, c), f, df, d2f);
                    curvatures_[l](r, c) = d2f;
                } else {
                    formula::activate(activation, z(r, c), f, df);
                }
                z(r, c) = f;
                slope(r, c) = df;
            }
        }
    }
    outputs_ = activations_[numLayers].row(0);
}

const Eigen::MatrixXd& NetworkPass::inputGradient(const double* parameters) {
    const NetworkShape& shape = *shape_;
    Eigen::MatrixXd& delta = adjoint_;
    delta = Eigen::MatrixXd::Ones(1, outputs_.size());
    for (std::size_t l = shape.numLayers(); l-- > 0;) {
        preAdjoint_ = delta.cwiseProduct(slopes_[l]) * shape.nodeScale(l);
        delta.noalias() = weightsOf(shape, parameters, l).transpose() * preAdjoint_;
    }
    inputGradient_ = delta;
    return inputGradient_;
}

void NetworkPass::tangent(const double* parameters, const Eigen::MatrixXd& inputTangent) {
    const NetworkShape& shape = *shape_;
    const std::size_t numLayers = shape.numLayers();
    tangents_.resize(numLayers + 1);
    preTangents_.resize(numLayers);
    tangents_[0] = inputTangent;
    for (std::size_t l = 0; l < numLayers; ++l) {
        preTangents_[l].noalias() = weightsOf(shape, parameters, l) * tangents_[l];
        const double scale = shape.nodeScale(l);
        if (scale != 1.0) preTangents_[l] *= scale;
        tangents_[l + 1] = preTangents_[l].cwiseProduct(slopes_[l]);
    }
}

void NetworkPass::reverse(const double* parameters, const Eigen::RowVectorXd& alpha, const Eigen::RowVectorXd* beta,
                          double* gradient) {
    const NetworkShape& shape = *shape_;
    const std::size_t numLayers = shape.numLayers();
    // adjoint_ is dL/dA_{l+1}, tangentAdjoint_ is dL/dAdot_{l+1}.
    adjoint_ = alpha;
    if (beta) tangentAdjoint_ = *beta;
    for (std::size_t l = numLayers; l-- > 0;) {
        const double scale = shape.nodeScale(l);
        // dL/dZ_l = adjoint f'(Z) + tangentAdjoint f''(Z) Zdot
        preAdjoint_ = adjoint_.cwiseProduct(slopes_[l]);
        if (beta) {
            preAdjoint_ += tangentAdjoint_.cwiseProduct(curvatures_[l]).cwiseProduct(preTangents_[l]);
            // dL/dZdot_l = tangentAdjoint f'(Z)
            preTangentAdjoint_ = tangentAdjoint_.cwiseProduct(slopes_[l]);
        }
        if (scale != 1.0) {
            preAdjoint_ *= scale;
            if (beta) preTangentAdjoint_ *= scale;
        }
        Eigen::Map<Eigen::MatrixXd> weightGradient(gradient + shape.weightOffsets[l], shape.sizes[l + 1], shape.sizes[l]);
        Eigen::Map<Eigen::VectorXd> biasGradient(gradient + shape.biasOffsets[l], shape.sizes[l + 1]);
        weightGradient.noalias() += preAdjoint_ * activations_[l].transpose();
        if (beta) weightGradient.noalias() += preTangentAdjoint_ * tangents_[l].transpose();
        biasGradient += preAdjoint_.rowwise().sum();
        if (l == 0) break;
        const auto weights = weightsOf(shape, parameters, l);
        adjoint_.noalias() = weights.transpose() * preAdjoint_;
        if (beta) tangentAdjoint_.noalias() = weights.transpose() * preTangentAdjoint_;
    }
}

}  // namespace fit
}  // namespace bpnn

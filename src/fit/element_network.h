// SPDX-License-Identifier: GPL-2.0-or-later
// One element's feed-forward network in the fitting engine. The weights
// live in a flat parameter vector. A batch of atoms (one column each) goes
// through the forward pass, the backward pass to the inputs, a forward-mode
// tangent pass and a reverse pass that accumulates gradients with respect
// to the weights.
//
// The force loss needs d/dw of (dy/dx . v) for an input direction v per atom
// (Pearlmutter's R-operator). The tangent pass computes ydot = dy/dx . v
// alongside the forward pass, and the reverse pass differentiates
//   sum_atoms alpha_a y_a + beta_a ydot_a
// with respect to all weights in one sweep, so that one atom costs a small
// multiple of one forward pass: O(W) per atom.
#pragma once

#include "core/potential.h"

#include <Eigen/Dense>

#include <cstddef>
#include <vector>

namespace bpnn {
namespace fit {

// Second derivative f''(x) of an activation function, with f and f' as
// formula::activate computes them.
void activateSecond(Activation type, double x, double& f, double& df, double& d2f);

// Architecture of one element's network and where each layer's parameters
// sit in the element's slice of the parameter vector. Per layer the weight
// matrix (outputs x inputs) is stored column-major, followed by the biases.
struct NetworkShape {
    std::vector<Eigen::Index> sizes;  // inputs, hidden layer sizes, 1
    std::vector<Activation> activations;  // one per layer
    bool normalizeNodes = false;
    std::vector<std::size_t> weightOffsets;
    std::vector<std::size_t> biasOffsets;
    std::size_t numParameters = 0;

    static NetworkShape fromModel(const ElementModel& model, bool normalizeNodes);
    std::size_t numLayers() const { return activations.size(); }
    // 1 / inputs of layer l with normalize_nodes, else 1.
    double nodeScale(std::size_t layer) const;

    // Copies between an ElementModel's layers and a parameter slice.
    void gather(const ElementModel& model, double* parameters) const;
    void scatter(const double* parameters, ElementModel& model) const;
};

// Workspace for the passes of one batch of atoms of one element. Not
// thread-safe: each thread needs its own.
class NetworkPass {
public:
    // Forward pass over the columns of inputs (scaled symmetry functions).
    // With secondOrder, f'' is kept for the tangent reverse pass.
    void forward(const NetworkShape& shape, const double* parameters, const Eigen::MatrixXd& inputs,
                 bool secondOrder);

    const Eigen::RowVectorXd& outputs() const { return outputs_; }

    // dy/dx for every column, shape of the inputs. Needs forward().
    const Eigen::MatrixXd& inputGradient(const double* parameters);

    // Tangent pass: ydot = dy/dx . inputTangent per column. Needs
    // forward(..., secondOrder = true).
    void tangent(const double* parameters, const Eigen::MatrixXd& inputTangent);

    // Adds d/dw sum_a (alpha_a y_a + beta_a ydot_a) to gradient (the
    // element's slice). A null beta skips the tangent terms, which need not
    // have been computed then.
    void reverse(const double* parameters, const Eigen::RowVectorXd& alpha, const Eigen::RowVectorXd* beta,
                 double* gradient);

private:
    const NetworkShape* shape_ = nullptr;
    std::vector<Eigen::MatrixXd> activations_;  // A_0 (inputs) .. A_L
    std::vector<Eigen::MatrixXd> slopes_;        // f'(Z_l)
    std::vector<Eigen::MatrixXd> curvatures_;    // f''(Z_l)
    std::vector<Eigen::MatrixXd> tangents_;      // Adot_0 .. Adot_L
    std::vector<Eigen::MatrixXd> preTangents_;   // Zdot_l
    Eigen::RowVectorXd outputs_;
    Eigen::MatrixXd inputGradient_;
    Eigen::MatrixXd adjoint_;
    Eigen::MatrixXd tangentAdjoint_;
    Eigen::MatrixXd preAdjoint_;
    Eigen::MatrixXd preTangentAdjoint_;
};

}  // namespace fit
}  // namespace bpnn

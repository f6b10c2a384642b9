// SPDX-License-Identifier: GPL-2.0-or-later
// Forward and backward passes of an element's feed-forward network over a
// batch of atoms, so that each layer is one dense matrix product.
#pragma once

#include "potential.h"

#include <Eigen/Dense>

#include <vector>

namespace bpnn {

// Evaluates the network for the columns of `inputs` (scaled symmetry
// functions, one column per atom) and writes one output per atom. When
// inputGradient is given, it receives dOutput/dInput with the shape of
// inputs, from one backward pass.
void evaluateNetwork(const ElementModel& model, bool normalizeNodes, const Eigen::MatrixXd& inputs,
                     Eigen::VectorXd& outputs, Eigen::MatrixXd* inputGradient);

// The same passes for one atom, with buffers that are allocated once: the
// evaluator runs the network atom by atom when it needs forces.
class AtomNetwork {
public:
    AtomNetwork(const ElementModel& model, bool normalizeNodes);

    // Returns the network output for `input` (scaled symmetry functions) and
    // writes dOutput/dInput to inputGradient.
    double evaluate(const Eigen::VectorXd& input, Eigen::VectorXd& inputGradient);

private:
    const ElementModel& model_;
    bool normalizeNodes_;
    std::vector<Eigen::VectorXd> activations_;  // per layer: f(z)
    std::vector<Eigen::VectorXd> slopes_;       // per layer: f'(z)
    Eigen::VectorXd delta_, next_;
};

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
// Forward and backward passes of an element's feed-forward network over a
// batch of atoms, so that each layer is one dense matrix product.
#pragma once

#include "potential.h"

#include <Eigen/Dense>

namespace bpnn {

// Evaluates the network for the columns of `inputs` (scaled symmetry
// functions, one column per atom) and writes one output per atom. When
// inputGradient is given, it receives dOutput/dInput with the shape of
// inputs, from one backward pass.
void evaluateNetwork(const ElementModel& model, bool normalizeNodes, const Eigen::MatrixXd& inputs,
                     Eigen::VectorXd& outputs, Eigen::MatrixXd* inputGradient);

}  // namespace bpnn

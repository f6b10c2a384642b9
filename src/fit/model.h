// SPDX-License-Identifier: GPL-2.0-or-later
// The fitted model as a function of its parameter vector: predictions,
// the training loss and its gradient, and single residuals with their
// gradients (rows of the Jacobian) for the Kalman filter.
//
// With residuals
//   r_E = w_E (E - E_ref) / (N sigma_E)         per structure of N atoms
//   r_F = w_F (F - F_ref) / sigma_F             per force component
// the loss over a set of structures is mean(r_E^2) + mean(r_F^2), each mean
// over the set's energies and force components. sigma_E and sigma_F are
// the standard deviations of the training energies per atom and of the
// training force components, so the loss does not depend on units.
//
// Forces come from the stored derivatives dG/dR (FitStructure):
//   F_k = -sum_i sum_s a_is dG_is/dR_k,  a_is = dE_i/dG_is,
// and the force part of the gradient from one tangent and one reverse pass
// through each network (NetworkPass), with the input direction
// v_is = f_s sum_k dG_is/dR_k . dL/dF_k (f_s the scaling factor of G_s).
#pragma once

#include "core/potential.h"
#include "fit/element_network.h"
#include "fit/training_data.h"

#include <Eigen/Dense>

#include <cstddef>
#include <vector>

namespace bpnn {
namespace fit {

struct LossSettings {
    double energyWeight = 1.0;  // w_E
    double forceWeight = 1.0;   // w_F
    bool useForces = true;      // include r_F in the loss
    double sigmaEnergy = 1.0;
    double sigmaForce = 1.0;
};

// Sums over a set of structures: the loss and the squared errors in
// physical units (energy per atom, force components).
struct ErrorSums {
    double loss = 0.0;
    double energySquared = 0.0;
    std::size_t numEnergies = 0;
    double forceSquared = 0.0;
    std::size_t numForces = 0;

    void add(const ErrorSums& other);
    double energyRmse() const;  // per atom
    double forceRmse() const;   // NaN when no forces were evaluated
};

struct Prediction {
    double energy = 0.0;
    std::vector<double> forces;  // 3 per atom; empty without stored derivatives
};

// One residual of the Jacobian: the energy of a structure (atom < 0) or a
// force component of one of its atoms.
struct ResidualIndex {
    std::size_t structure = 0;
    int atom = -1;
    int component = 0;
};

class Model {
public:
    // The potential supplies the architecture, the scaling statistics and the
    // normalization, but not the weights. structures must outlive the model.
    Model(const Potential& potential, const std::vector<FitStructure>& structures, const LossSettings& settings);

    std::size_t numParameters() const { return numParameters_; }
    const LossSettings& settings() const { return settings_; }
    const std::vector<FitStructure>& structures() const { return structures_; }

    // Copies weights between a potential and a parameter vector.
    Eigen::VectorXd parameters(const Potential& potential) const;
    void applyParameters(const Eigen::VectorXd& parameters, Potential& potential) const;

    // First parameter of each element's network, and the end.
    const std::vector<std::size_t>& elementOffsets() const { return offsets_; }
    const NetworkShape& shape(std::size_t element) const { return shapes_[element]; }

    // Loss over the structures of `set` (indices into structures()). Adds
    // into sums and, when given, writes the gradient and the predictions
    // (in the order of set). Runs in parallel over fixed blocks of
    // structures and sums them in a fixed order, so that results do not
    // depend on the number of threads.
    double evaluate(const Eigen::VectorXd& parameters, const std::vector<std::size_t>& set, Eigen::VectorXd* gradient,
                    ErrorSums* sums, std::vector<Prediction>* predictions = nullptr) const;

    // One residual (r_E or r_F as defined above) and, when gradient is not
    // null, its gradient with respect to all parameters (written, not added).
    double residual(const Eigen::VectorXd& parameters, const ResidualIndex& index, double* gradient) const;

    // Energy of one atom from its network output.
    double atomEnergy(int element, double output) const;

private:
    struct Workspace;
    std::vector<Eigen::Index> gatherInputs(const std::vector<std::size_t>& set, std::size_t first, std::size_t last,
                                           Workspace& work) const;
    void evaluateBlock(const double* parameters, const std::vector<std::size_t>& set, std::size_t first,
                       std::size_t last, double energyFactor, double forceFactor, double* gradient, ErrorSums& sums,
                       std::vector<Prediction>* predictions, Workspace& work) const;
    void accumulateForces(const FitStructure& fs, const std::vector<std::size_t>& columns,
                          const std::vector<const Eigen::MatrixXd*>& inputGradients, Workspace& work,
                          std::vector<double>& forces) const;
    void accumulateTangents(const FitStructure& fs, const std::vector<std::size_t>& columns,
                            const std::vector<double>& adjoint, Workspace& work) const;

    const std::vector<FitStructure>& structures_;
    LossSettings settings_;
    std::vector<NetworkShape> shapes_;
    std::vector<std::size_t> offsets_;  // per element, plus the total
    std::size_t numParameters_ = 0;
    std::vector<Eigen::VectorXd> factors_;  // per element: dG_scaled/dG of each function
    std::vector<double> atomShift_;         // per element: energy added to every atom
    double outputScale_ = 1.0;              // dE_i / d(network output)
};

// Number of threads that the fitting engine's parallel loops use.
int fitThreads();

}  // namespace fit
}  // namespace bpnn

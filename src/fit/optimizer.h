// SPDX-License-Identifier: GPL-2.0-or-later
// Optimizers of the fitting engine. Each runs one epoch at a time on the
// training set and can save and restore its complete state, so that a
// resumed run repeats the same arithmetic as an uninterrupted one.
#pragma once

#include "fit/binary_io.h"
#include "fit/fit_settings.h"
#include "fit/model.h"
#include "fit/random.h"

#include <Eigen/Dense>

#include <atomic>
#include <memory>
#include <vector>

namespace bpnn {
namespace fit {

class Optimizer {
public:
    virtual ~Optimizer() = default;

    // Runs one epoch and updates parameters. Returns false when it stopped
    // early because stop became true. The epoch is then incomplete, so its
    // state must not be checkpointed. random drives shuffling and sampling.
    virtual bool runEpoch(Eigen::VectorXd& parameters, Random& random, const std::atomic<bool>& stop) = 0;

    // Error sums of the training set at the parameters after the last
    // epoch when the epoch computed them anyway (L-BFGS), else null.
    virtual const ErrorSums* trainSums() const { return nullptr; }

    // True when the optimizer can make no further progress (L-BFGS found
    // no decrease along the gradient).
    virtual bool stalled() const { return false; }

    // A one-line description of the optimizer and its parameters.
    virtual std::string describe() const = 0;

    virtual void save(BinaryWriter& out) const = 0;
    virtual void load(BinaryReader& in) = 0;
};

std::unique_ptr<Optimizer> makeOptimizer(const FitSettings& settings, const Model& model,
                                         const std::vector<std::size_t>& train);

// Adam (Kingma and Ba) on mini-batches of whole structures.
class AdamOptimizer : public Optimizer {
public:
    AdamOptimizer(const AdamSettings& settings, const Model& model, const std::vector<std::size_t>& train);
    bool runEpoch(Eigen::VectorXd& parameters, Random& random, const std::atomic<bool>& stop) override;
    std::string describe() const override;
    void save(BinaryWriter& out) const override;
    void load(BinaryReader& in) override;

private:
    AdamSettings settings_;
    const Model& model_;
    std::vector<std::size_t> train_;
    Eigen::VectorXd first_;   // moment estimates
    Eigen::VectorXd second_;
    std::uint64_t steps_ = 0;
};

// Limited-memory BFGS on the full training set, with a backtracking line
// search that enforces the Armijo condition.
class LbfgsOptimizer : public Optimizer {
public:
    LbfgsOptimizer(const LbfgsSettings& settings, const Model& model, const std::vector<std::size_t>& train);
    bool runEpoch(Eigen::VectorXd& parameters, Random& random, const std::atomic<bool>& stop) override;
    const ErrorSums* trainSums() const override { return hasCurrent_ ? &sums_ : nullptr; }
    bool stalled() const override { return stalled_; }
    std::string describe() const override;
    void save(BinaryWriter& out) const override;
    void load(BinaryReader& in) override;

private:
    bool iterate(Eigen::VectorXd& parameters);
    Eigen::VectorXd direction() const;

    LbfgsSettings settings_;
    const Model& model_;
    std::vector<std::size_t> train_;
    std::vector<Eigen::VectorXd> steps_;      // s = x_new - x_old, oldest first
    std::vector<Eigen::VectorXd> changes_;    // y = g_new - g_old
    bool hasCurrent_ = false;  // loss_, gradient_ and sums_ belong to the current parameters
    double loss_ = 0.0;
    Eigen::VectorXd gradient_;
    ErrorSums sums_;
    double lastStep_ = 0.0;
    bool stalled_ = false;
};

// Extended Kalman filter in the form n2p2 uses (standard type): residual
// rows r with Jacobian H update the weights as
//   X = P H,  A = H^T X + I / eta,  K = X A^-1,
//   w <- w - K r,  P <- P - K X^T + q I,
// where q decays and eta grows over the epochs. Every epoch makes the
// energy and force updates that the fractions ask for, in random order.
class KalmanOptimizer : public Optimizer {
public:
    KalmanOptimizer(const KalmanSettings& settings, const Model& model, const std::vector<std::size_t>& train);
    bool runEpoch(Eigen::VectorXd& parameters, Random& random, const std::atomic<bool>& stop) override;
    std::string describe() const override;
    void save(BinaryWriter& out) const override;
    void load(BinaryReader& in) override;

private:
    void update(Eigen::VectorXd& parameters, const std::vector<ResidualIndex>& rows);

    KalmanSettings settings_;
    const Model& model_;
    std::vector<std::size_t> train_;
    std::size_t energyRows_ = 0;  // per epoch
    std::size_t forceRows_ = 0;
    std::size_t updatesPerEpoch_ = 0;
    std::vector<std::size_t> forceOffsets_;  // prefix sums of 3 N over train_
    Eigen::MatrixXd covariance_;  // P
    std::uint64_t updates_ = 0;
    std::size_t nextEnergy_ = 0;  // position in energyOrder_
    std::vector<std::size_t> energyOrder_;
    // Update buffers.
    Eigen::MatrixXd jacobian_;  // H, parameters x rows
    Eigen::MatrixXd gainInput_;  // X
};

}  // namespace fit
}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
#include "fit/optimizer.h"

#include "core/errors.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <sstream>

namespace bpnn {
namespace fit {

std::unique_ptr<Optimizer> makeOptimizer(const FitSettings& settings, const Model& model,
                                         const std::vector<std::size_t>& train) {
    switch (settings.optimizer) {
        case OptimizerType::Adam: return std::make_unique<AdamOptimizer>(settings.adam, model, train);
        case OptimizerType::Lbfgs: return std::make_unique<LbfgsOptimizer>(settings.lbfgs, model, train);
        case OptimizerType::Kalman: return std::make_unique<KalmanOptimizer>(settings.kalman, model, train);
    }
    return nullptr;
}

namespace {

void checkSize(BinaryReader& in, const Eigen::VectorXd& value, std::size_t expected, const char* what) {
    if (static_cast<std::size_t>(value.size()) != expected) {
        in.fail(std::string(what) + " has " + std::to_string(value.size()) + " entries, expected " +
                std::to_string(expected));
    }
}

}  // namespace

// ---------------------------------------------------------------------------
// Adam

AdamOptimizer::AdamOptimizer(const AdamSettings& settings, const Model& model, const std::vector<std::size_t>& train)
    : settings_(settings), model_(model), train_(train) {
    first_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(model.numParameters()));
    second_ = first_;
}

bool AdamOptimizer::runEpoch(Eigen::VectorXd& parameters, Random& random, const std::atomic<bool>& stop) {
    std::vector<std::size_t> order = train_;
    random.shuffle(order);
    std::vector<std::size_t> batch;
    Eigen::VectorXd gradient;
    for (std::size_t start = 0; start < order.size(); start += settings_.batchSize) {
        if (stop.load()) return false;
        batch.assign(order.begin() + static_cast<long>(start),
                     order.begin() + static_cast<long>(std::min(order.size(), start + settings_.batchSize)));
        model_.evaluate(parameters, batch, &gradient, nullptr);
        ++steps_;
        first_ = settings_.beta1 * first_ + (1.0 - settings_.beta1) * gradient;
        second_ = settings_.beta2 * second_ + (1.0 - settings_.beta2) * gradient.cwiseAbs2();
        const double t = static_cast<double>(steps_);
        const double firstCorrection = 1.0 / (1.0 - std::pow(settings_.beta1, t));
        const double secondCorrection = 1.0 / (1.0 - std::pow(settings_.beta2, t));
        parameters.array() -= settings_.learningRate * (first_.array() * firstCorrection) /
                              ((second_.array() * secondCorrection).sqrt() + settings_.epsilon);
    }
    return true;
}

std::string AdamOptimizer::describe() const {
    std::ostringstream text;
    text << "Adam, learning rate " << settings_.learningRate << ", beta1 " << settings_.beta1 << ", beta2 "
         << settings_.beta2 << ", epsilon " << settings_.epsilon << ", " << settings_.batchSize
         << " structure(s) per batch";
    return text.str();
}

void AdamOptimizer::save(BinaryWriter& out) const {
    out.u64(steps_);
    out.vector(first_);
    out.vector(second_);
}

void AdamOptimizer::load(BinaryReader& in) {
    steps_ = in.u64();
    first_ = in.vector();
    second_ = in.vector();
    checkSize(in, first_, model_.numParameters(), "Adam first moment");
    checkSize(in, second_, model_.numParameters(), "Adam second moment");
}

// ---------------------------------------------------------------------------
// L-BFGS

LbfgsOptimizer::LbfgsOptimizer(const LbfgsSettings& settings, const Model& model,
                               const std::vector<std::size_t>& train)
    : settings_(settings), model_(model), train_(train) {}

Eigen::VectorXd LbfgsOptimizer::direction() const {
    // Two-loop recursion for -H g with H_0 = gamma I.
    Eigen::VectorXd q = gradient_;
    const std::size_t m = steps_.size();
    std::vector<double> alpha(m), rho(m);
    for (std::size_t k = m; k-- > 0;) {
        rho[k] = 1.0 / steps_[k].dot(changes_[k]);
        alpha[k] = rho[k] * steps_[k].dot(q);
        q -= alpha[k] * changes_[k];
    }
    if (m > 0) q *= steps_[m - 1].dot(changes_[m - 1]) / changes_[m - 1].squaredNorm();
    for (std::size_t k = 0; k < m; ++k) {
        const double beta = rho[k] * changes_[k].dot(q);
        q += (alpha[k] - beta) * steps_[k];
    }
    return -q;
}

bool LbfgsOptimizer::iterate(Eigen::VectorXd& parameters) {
    if (!hasCurrent_) {
        sums_ = ErrorSums();
        loss_ = model_.evaluate(parameters, train_, &gradient_, &sums_);
        hasCurrent_ = true;
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        Eigen::VectorXd d = direction();
        double slope = gradient_.dot(d);
        if (!(slope < 0.0)) {
            steps_.clear();
            changes_.clear();
            d = -gradient_;
            slope = -gradient_.squaredNorm();
        }
        if (slope == 0.0) return false;
        // Without curvature information the first step has length 1 in
        // parameter space at most.
        double t = steps_.empty() ? std::min(1.0, 1.0 / d.norm()) : 1.0;
        Eigen::VectorXd trial, trialGradient;
        for (int search = 0; search < 40; ++search) {
            trial = parameters + t * d;
            ErrorSums trialSums;
            const double trialLoss = model_.evaluate(trial, train_, &trialGradient, &trialSums);
            if (std::isfinite(trialLoss) && trialLoss <= loss_ + 1e-4 * t * slope) {
                const Eigen::VectorXd s = trial - parameters;
                const Eigen::VectorXd y = trialGradient - gradient_;
                if (s.dot(y) > 1e-10 * s.norm() * y.norm()) {
                    steps_.push_back(s);
                    changes_.push_back(y);
                    if (steps_.size() > settings_.history) {
                        steps_.erase(steps_.begin());
                        changes_.erase(changes_.begin());
                    }
                }
                parameters = trial;
                loss_ = trialLoss;
                gradient_ = trialGradient;
                sums_ = trialSums;
                lastStep_ = t;
                return true;
            }
            // Minimum of the quadratic through f(0), f'(0) and f(t), kept
            // within [0.1 t, 0.5 t].
            double next = 0.1 * t;
            if (std::isfinite(trialLoss)) {
                const double curvature = trialLoss - loss_ - slope * t;
                if (curvature > 0.0) next = -slope * t * t / (2.0 * curvature);
            }
            t = std::min(0.5 * t, std::max(0.1 * t, next));
        }
        // No decrease along this direction: retry once along -g.
        if (steps_.empty()) return false;
        steps_.clear();
        changes_.clear();
    }
    return false;
}

bool LbfgsOptimizer::runEpoch(Eigen::VectorXd& parameters, Random&, const std::atomic<bool>& stop) {
    for (std::size_t k = 0; k < settings_.iterationsPerEpoch; ++k) {
        if (stop.load()) return false;
        if (!iterate(parameters)) {
            stalled_ = true;
            return true;
        }
    }
    return true;
}

std::string LbfgsOptimizer::describe() const {
    std::ostringstream text;
    text << "L-BFGS on the full training set, " << settings_.history << " stored pairs, "
         << settings_.iterationsPerEpoch << " iteration(s) per epoch";
    return text.str();
}

void LbfgsOptimizer::save(BinaryWriter& out) const {
    out.u64(steps_.size());
    for (std::size_t k = 0; k < steps_.size(); ++k) {
        out.vector(steps_[k]);
        out.vector(changes_[k]);
    }
    out.f64(lastStep_);
    out.u64(stalled_ ? 1 : 0);
}

void LbfgsOptimizer::load(BinaryReader& in) {
    const std::uint64_t count = in.u64();
    if (count > settings_.history) in.fail("more L-BFGS pairs than the history holds");
    steps_.clear();
    changes_.clear();
    for (std::uint64_t k = 0; k < count; ++k) {
        steps_.push_back(in.vector());
        changes_.push_back(in.vector());
        checkSize(in, steps_.back(), model_.numParameters(), "L-BFGS step");
        checkSize(in, changes_.back(), model_.numParameters(), "L-BFGS gradient change");
    }
    lastStep_ = in.f64();
    stalled_ = in.u64() != 0;
    // The loss and gradient at the restored parameters are recomputed: the
    // evaluation is deterministic, so the run continues identically.
    hasCurrent_ = false;
}

// ---------------------------------------------------------------------------
// Kalman filter

namespace {

// Rows (or columns) of P per block in the covariance products. Fixed, so
// that every block product has the same shape however many threads share
// the blocks, and the sums are bit-identical.
constexpr Eigen::Index kCovarianceBlock = 128;

// Below this many parameters an update is too small to be worth threads.
constexpr Eigen::Index kParallelParameters = 1024;

}  // namespace

KalmanOptimizer::KalmanOptimizer(const KalmanSettings& settings, const Model& model,
                                 const std::vector<std::size_t>& train)
    : settings_(settings), model_(model), train_(train) {
    const Eigen::Index n = static_cast<Eigen::Index>(model.numParameters());
    try {
        covariance_ = Eigen::MatrixXd::Identity(n, n) / settings.epsilon;
    } catch (const std::bad_alloc&) {
        throw InputError("the Kalman filter needs a " + std::to_string(n) + " x " + std::to_string(n) +
                         " covariance matrix (" + std::to_string(8.0 * static_cast<double>(n) * static_cast<double>(n) / 1e9) +
                         " GB), which does not fit in memory: use --optimizer adam or lbfgs");
    }
    forceOffsets_.assign(1, 0);
    for (std::size_t s : train_) forceOffsets_.push_back(forceOffsets_.back() + 3 * model.structures()[s].numAtoms);
    energyRows_ = static_cast<std::size_t>(std::llround(settings.energyFraction * static_cast<double>(train_.size())));
    if (model.settings().energyWeight == 0.0) energyRows_ = 0;
    if (model.settings().useForces && model.settings().forceWeight > 0.0) {
        forceRows_ = static_cast<std::size_t>(std::llround(settings.forceFraction * static_cast<double>(forceOffsets_.back())));
    }
    updatesPerEpoch_ = (energyRows_ + settings.energyBatch - 1) / settings.energyBatch +
                       (forceRows_ + settings.forceBatch - 1) / settings.forceBatch;
    if (updatesPerEpoch_ == 0) {
        throw InputError("the Kalman filter would make no updates per epoch: raise short_energy_fraction or "
                         "short_force_fraction (--energy-fraction, --force-fraction)");
    }
}

bool KalmanOptimizer::runEpoch(Eigen::VectorXd& parameters, Random& random, const std::atomic<bool>& stop) {
    std::vector<std::vector<ResidualIndex>> updates;
    std::vector<ResidualIndex> rows;
    for (std::size_t k = 0; k < energyRows_; ++k) {
        if (nextEnergy_ >= energyOrder_.size()) {
            energyOrder_ = train_;
            random.shuffle(energyOrder_);
            nextEnergy_ = 0;
        }
        rows.push_back(ResidualIndex{energyOrder_[nextEnergy_++], -1, 0});
        if (rows.size() == settings_.energyBatch || k + 1 == energyRows_) {
            updates.push_back(rows);
            rows.clear();
        }
    }
    const std::size_t numForces = forceOffsets_.back();
    for (std::size_t k = 0; k < forceRows_; ++k) {
        const std::size_t component = random.below(numForces);
        const std::size_t position =
            static_cast<std::size_t>(std::upper_bound(forceOffsets_.begin(), forceOffsets_.end(), component) -
                                     forceOffsets_.begin()) - 1;
        const std::size_t local = component - forceOffsets_[position];
        rows.push_back(ResidualIndex{train_[position], static_cast<int>(local / 3), static_cast<int>(local % 3)});
        if (rows.size() == settings_.forceBatch || k + 1 == forceRows_) {
            updates.push_back(rows);
            rows.clear();
        }
    }
    random.shuffle(updates);
    for (const std::vector<ResidualIndex>& update : updates) {
        if (stop.load()) return false;
        this->update(parameters, update);
    }
    return true;
}

void KalmanOptimizer::update(Eigen::VectorXd& parameters, const std::vector<ResidualIndex>& rows) {
    const Eigen::Index n = static_cast<Eigen::Index>(model_.numParameters());
    const Eigen::Index m = static_cast<Eigen::Index>(rows.size());
    jacobian_.resize(n, m);
    Eigen::VectorXd residuals(m);
#pragma omp parallel for schedule(dynamic, 1) if (m > 1 && n >= kParallelParameters)
    for (Eigen::Index j = 0; j < m; ++j) {
        residuals(j) = model_.residual(parameters, rows[static_cast<std::size_t>(j)], jacobian_.col(j).data());
    }

    // eta grows and q decays exponentially with the epoch count, spread
    // over the updates of an epoch as in n2p2.
    const double epochs = static_cast<double>(updates_) / static_cast<double>(updatesPerEpoch_);
    const double eta = std::min(settings_.etamax, settings_.eta * std::exp(settings_.etatau * epochs));
    const double noise = std::max(settings_.qmin, settings_.q0 * std::exp(-settings_.qtau * epochs));

    const Eigen::Index numBlocks = (n + kCovarianceBlock - 1) / kCovarianceBlock;
    gainInput_.resize(n, m);
#pragma omp parallel for schedule(dynamic, 1) if (n >= kParallelParameters)
    for (Eigen::Index b = 0; b < numBlocks; ++b) {
        const Eigen::Index first = b * kCovarianceBlock;
        const Eigen::Index size = std::min(kCovarianceBlock, n - first);
        gainInput_.middleRows(first, size).noalias() = covariance_.middleRows(first, size) * jacobian_;
    }
    Eigen::MatrixXd scaling = jacobian_.transpose() * gainInput_;
    scaling.diagonal().array() += 1.0 / eta;
    const Eigen::MatrixXd inverse = scaling.ldlt().solve(Eigen::MatrixXd::Identity(m, m));
    const Eigen::MatrixXd gain = gainInput_ * inverse;
    parameters.noalias() -= gain * residuals;
#pragma omp parallel for schedule(dynamic, 1) if (n >= kParallelParameters)
    for (Eigen::Index b = 0; b < numBlocks; ++b) {
        const Eigen::Index first = b * kCovarianceBlock;
        const Eigen::Index size = std::min(kCovarianceBlock, n - first);
        covariance_.middleCols(first, size).noalias() -= gain * gainInput_.middleRows(first, size).transpose();
    }
    covariance_.diagonal().array() += noise;
    ++updates_;
}

std::string KalmanOptimizer::describe() const {
    std::ostringstream text;
    text << "extended Kalman filter, " << updatesPerEpoch_ << " updates per epoch (" << energyRows_
         << " energy rows in batches of " << settings_.energyBatch << ", " << forceRows_ << " force rows in batches of "
         << settings_.forceBatch << "), epsilon " << settings_.epsilon << ", q0 " << settings_.q0 << ", qtau "
         << settings_.qtau << ", qmin " << settings_.qmin << ", eta " << settings_.eta << ", etatau "
         << settings_.etatau << ", etamax " << settings_.etamax;
    return text.str();
}

void KalmanOptimizer::save(BinaryWriter& out) const {
    out.u64(updates_);
    out.u64(nextEnergy_);
    out.u64(energyOrder_.size());
    for (std::size_t s : energyOrder_) out.u64(s);
    out.matrix(covariance_);
}

void KalmanOptimizer::load(BinaryReader& in) {
    updates_ = in.u64();
    nextEnergy_ = static_cast<std::size_t>(in.u64());
    const std::uint64_t count = in.u64();
    if (count > model_.structures().size()) in.fail("energy update order longer than the data set");
    energyOrder_.resize(count);
    for (std::size_t& s : energyOrder_) {
        s = static_cast<std::size_t>(in.u64());
        if (s >= model_.structures().size()) in.fail("structure index out of range");
    }
    if (nextEnergy_ > energyOrder_.size()) in.fail("energy update position out of range");
    covariance_ = in.matrix();
    const Eigen::Index n = static_cast<Eigen::Index>(model_.numParameters());
    if (covariance_.rows() != n || covariance_.cols() != n) in.fail("covariance matrix of the wrong size");
}

}  // namespace fit
}  // namespace bpnn

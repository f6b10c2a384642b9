// SPDX-License-Identifier: GPL-2.0-or-later
#include "fit/model.h"

#include <cmath>
#include <limits>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace bpnn {
namespace fit {

namespace {

// Structures are evaluated in blocks of at least this many atoms, so that
// the network passes work on matrices of several hundred columns. The
// blocks depend only on the set, never on the number of threads.
constexpr std::size_t kBlockAtoms = 256;

}  // namespace

void ErrorSums::add(const ErrorSums& other) {
    loss += other.loss;
    energySquared += other.energySquared;
    numEnergies += other.numEnergies;
    forceSquared += other.forceSquared;
    numForces += other.numForces;
}

double ErrorSums::energyRmse() const {
    return numEnergies ? std::sqrt(energySquared / static_cast<double>(numEnergies))
                       : std::numeric_limits<double>::quiet_NaN();
}

double ErrorSums::forceRmse() const {
    return numForces ? std::sqrt(forceSquared / static_cast<double>(numForces))
                     : std::numeric_limits<double>::quiet_NaN();
}

int fitThreads() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

// Per-thread buffers of one block evaluation.
struct Model::Workspace {
    struct ElementBuffers {
        NetworkPass pass;
        Eigen::MatrixXd inputs;
        Eigen::MatrixXd tangents;
        Eigen::RowVectorXd alpha;
        Eigen::RowVectorXd beta;
        std::vector<std::pair<std::size_t, std::size_t>> owners;  // (structure slot, atom) per column
    };
    std::vector<ElementBuffers> elements;
    std::vector<std::vector<std::size_t>> columns;  // per slot and atom: column in its element's matrix
    std::vector<double> forces;         // predicted forces of the current structure
    std::vector<double> forceAdjoints;  // dL/dF of the current structure
    std::vector<double> energies;       // per slot
    Eigen::VectorXd scaledGradient;     // a_i of one atom
    Eigen::VectorXd pairValues;         // 3 per pair of one atom
};

Model::Model(const Potential& potential, const std::vector<FitStructure>& structures, const LossSettings& settings)
    : structures_(structures), settings_(settings) {
    for (const ElementModel& model : potential.elements) {
        offsets_.push_back(numParameters_);
        shapes_.push_back(NetworkShape::fromModel(model, potential.normalizeNodes));
        numParameters_ += shapes_.back().numParameters;
        Eigen::VectorXd factors(static_cast<Eigen::Index>(model.symmetryFunctions.size()));
        for (std::size_t s = 0; s < model.symmetryFunctions.size(); ++s) {
            factors(static_cast<Eigen::Index>(s)) = scalingFactor(potential, model.symmetryFunctions[s]);
        }
        factors_.push_back(factors);
        atomShift_.push_back(model.energyOffset + (potential.normalize ? potential.meanEnergy : 0.0));
    }
    offsets_.push_back(numParameters_);
    outputScale_ = potential.normalize ? 1.0 / potential.convEnergy : 1.0;
}

Eigen::VectorXd Model::parameters(const Potential& potential) const {
    Eigen::VectorXd result(static_cast<Eigen::Index>(numParameters_));
    for (std::size_t e = 0; e < shapes_.size(); ++e) shapes_[e].gather(potential.elements[e], result.data() + offsets_[e]);
    return result;
}

void Model::applyParameters(const Eigen::VectorXd& parameters, Potential& potential) const {
    for (std::size_t e = 0; e < shapes_.size(); ++e) {
        shapes_[e].scatter(parameters.data() + offsets_[e], potential.elements[e]);
    }
}

double Model::atomEnergy(int element, double output) const {
    return outputScale_ * output + atomShift_[static_cast<std::size_t>(element)];
}

double Model::evaluate(const Eigen::VectorXd& parameters, const std::vector<std::size_t>& set,
                       Eigen::VectorXd* gradient, ErrorSums* sums, std::vector<Prediction>* predictions) const {
    // Blocks of consecutive structures of the set.
    std::vector<std::size_t> blockStart(1, 0);
    std::size_t atoms = 0;
    std::size_t numForces = 0;
    for (std::size_t k = 0; k < set.size(); ++k) {
        atoms += structures_[set[k]].numAtoms;
        numForces += 3 * structures_[set[k]].numAtoms;
        if (atoms >= kBlockAtoms || k + 1 == set.size()) {
            blockStart.push_back(k + 1);
            atoms = 0;
        }
    }
    const std::size_t numBlocks = blockStart.size() - 1;
    const double energyFactor = set.empty() ? 0.0 : 1.0 / static_cast<double>(set.size());
    const double forceFactor = numForces ? 1.0 / static_cast<double>(numForces) : 0.0;
    if (predictions) predictions->resize(set.size());

    std::vector<ErrorSums> blockSums(numBlocks);
    std::vector<Eigen::VectorXd> blockGradients(gradient ? numBlocks : 0);
    const long count = static_cast<long>(numBlocks);
#pragma omp parallel if (numBlocks > 1)
    {
        Workspace work;
#pragma omp for schedule(dynamic, 1)
        for (long b = 0; b < count; ++b) {
            const std::size_t block = static_cast<std::size_t>(b);
            double* blockGradient = nullptr;
            if (gradient) {
                blockGradients[block] = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(numParameters_));
                blockGradient = blockGradients[block].data();
            }
            evaluateBlock(parameters.data(), set, blockStart[block], blockStart[block + 1], energyFactor, forceFactor,
                          blockGradient, blockSums[block], predictions, work);
        }
    }

    ErrorSums total;
    for (const ErrorSums& part : blockSums) total.add(part);
    if (gradient) {
        gradient->setZero(static_cast<Eigen::Index>(numParameters_));
        for (const Eigen::VectorXd& part : blockGradients) *gradient += part;
    }
    if (sums) sums->add(total);
    return total.loss;
}

// Copies the scaled inputs of the atoms of structures set[first .. last - 1]
// into one matrix per element and returns the number of atoms per element.
std::vector<Eigen::Index> Model::gatherInputs(const std::vector<std::size_t>& set, std::size_t first,
                                              std::size_t last, Workspace& work) const {
    const std::size_t numElements = shapes_.size();
    const std::size_t numSlots = last - first;
    std::vector<Eigen::Index> counts(numElements, 0);
    for (std::size_t slot = 0; slot < numSlots; ++slot) {
        const FitStructure& fs = structures_[set[first + slot]];
        work.columns[slot].resize(fs.numAtoms);
        for (std::size_t i = 0; i < fs.numAtoms; ++i) {
            work.columns[slot][i] = static_cast<std::size_t>(counts[static_cast<std::size_t>(fs.elements[i])]++);
        }
    }
    for (std::size_t e = 0; e < numElements; ++e) {
        Workspace::ElementBuffers& buffers = work.elements[e];
        buffers.inputs.resize(shapes_[e].sizes[0], counts[e]);
        buffers.owners.resize(static_cast<std::size_t>(counts[e]));
    }
    for (std::size_t slot = 0; slot < numSlots; ++slot) {
        const FitStructure& fs = structures_[set[first + slot]];
        for (std::size_t i = 0; i < fs.numAtoms; ++i) {
            Workspace::ElementBuffers& buffers = work.elements[static_cast<std::size_t>(fs.elements[i])];
            const std::size_t column = work.columns[slot][i];
            buffers.inputs.col(static_cast<Eigen::Index>(column)) =
                Eigen::Map<const Eigen::VectorXd>(fs.inputs.data() + fs.inputBegin[i],
                                                  static_cast<Eigen::Index>(fs.numFunctions(i)));
            buffers.owners[column] = {slot, i};
        }
    }

    return counts;
}

void Model::evaluateBlock(const double* parameters, const std::vector<std::size_t>& set, std::size_t first,
                          std::size_t last, double energyFactor, double forceFactor, double* gradient,
                          ErrorSums& sums, std::vector<Prediction>* predictions, Workspace& work) const {
    const std::size_t numElements = shapes_.size();
    const std::size_t numSlots = last - first;
    const bool withForces = structures_[set[first]].hasDerivatives();
    const bool forceGradient = gradient && settings_.useForces && withForces;
    work.elements.resize(numElements);
    work.columns.resize(numSlots);

    const std::vector<Eigen::Index> counts = gatherInputs(set, first, last, work);

    // Forward passes and, for forces, dy/dx scaled to dE_i/dG_raw.
    std::vector<const Eigen::MatrixXd*> inputGradients(numElements, nullptr);
    for (std::size_t e = 0; e < numElements; ++e) {
        Workspace::ElementBuffers& buffers = work.elements[e];
        if (counts[e] == 0) continue;
        const double* elementParameters = parameters + offsets_[e];
        buffers.pass.forward(shapes_[e], elementParameters, buffers.inputs, forceGradient);
        if (withForces) inputGradients[e] = &buffers.pass.inputGradient(elementParameters);
    }

    // Energies and forces of each structure, residuals, loss, and for the
    // gradient the seeds of the reverse pass. The tangent directions of a
    // structure are computed right after its forces, while its derivatives
    // are still in cache.
    work.energies.assign(numSlots, 0.0);
    for (std::size_t e = 0; e < numElements; ++e) {
        const Workspace::ElementBuffers& buffers = work.elements[e];
        for (Eigen::Index column = 0; column < counts[e]; ++column) {
            const std::size_t slot = buffers.owners[static_cast<std::size_t>(column)].first;
            work.energies[slot] += atomEnergy(static_cast<int>(e), buffers.pass.outputs()(column));
        }
    }
    for (std::size_t e = 0; e < numElements; ++e) {
        Workspace::ElementBuffers& buffers = work.elements[e];
        buffers.alpha.resize(counts[e]);
        if (forceGradient) {
            buffers.tangents.resize(buffers.inputs.rows(), counts[e]);
            buffers.beta = Eigen::RowVectorXd::Constant(counts[e], -outputScale_);
        }
    }
    const LossSettings& loss = settings_;
    std::vector<double>& forces = work.forces;
    std::vector<double>& adjoint = work.forceAdjoints;
    for (std::size_t slot = 0; slot < numSlots; ++slot) {
        const FitStructure& fs = structures_[set[first + slot]];
        // Structures without reference forces (possible in extended XYZ
        // files when forces are not fitted) get no force predictions.
        const bool structureForces = withForces && fs.forces.size() == 3 * fs.numAtoms;
        forces.assign(structureForces ? 3 * fs.numAtoms : 0, 0.0);
        if (structureForces) accumulateForces(fs, work.columns[slot], inputGradients, work, forces);

        const double atoms = static_cast<double>(fs.numAtoms);
        const double energyError = (work.energies[slot] - fs.energy) / atoms;
        const double energyResidual = loss.energyWeight * energyError / loss.sigmaEnergy;
        sums.loss += energyFactor * energyResidual * energyResidual;
        sums.energySquared += energyError * energyError;
        sums.numEnergies += 1;
        adjoint.assign(forceGradient ? 3 * fs.numAtoms : 0, 0.0);
        for (std::size_t k = 0; k < forces.size(); ++k) {
            const double error = forces[k] - fs.forces[k];
            sums.forceSquared += error * error;
            if (!loss.useForces) continue;
            const double residual = loss.forceWeight * error / loss.sigmaForce;
            sums.loss += forceFactor * residual * residual;
            if (forceGradient) adjoint[k] = 2.0 * forceFactor * residual * loss.forceWeight / loss.sigmaForce;
        }
        sums.numForces += forces.size();
        if (predictions) {
            Prediction& prediction = (*predictions)[first + slot];
            prediction.energy = work.energies[slot];
            prediction.forces = forces;
        }
        if (!gradient) continue;
        // Seed of each atom's output: dL/dE_s dE_i/dy_i.
        const double energySeed =
            2.0 * energyFactor * energyResidual * loss.energyWeight / (loss.sigmaEnergy * atoms) * outputScale_;
        for (std::size_t i = 0; i < fs.numAtoms; ++i) {
            work.elements[static_cast<std::size_t>(fs.elements[i])].alpha(
                static_cast<Eigen::Index>(work.columns[slot][i])) = energySeed;
        }
        if (forceGradient) accumulateTangents(fs, work.columns[slot], adjoint, work);
    }
    if (!gradient) return;

    for (std::size_t e = 0; e < numElements; ++e) {
        Workspace::ElementBuffers& buffers = work.elements[e];
        if (counts[e] == 0) continue;
        const double* elementParameters = parameters + offsets_[e];
        if (forceGradient) buffers.pass.tangent(elementParameters, buffers.tangents);
        buffers.pass.reverse(elementParameters, buffers.alpha, forceGradient ? &buffers.beta : nullptr,
                             gradient + offsets_[e]);
    }
}

void Model::accumulateForces(const FitStructure& fs, const std::vector<std::size_t>& columns,
                             const std::vector<const Eigen::MatrixXd*>& inputGradients, Workspace& work,
                             std::vector<double>& forces) const {
    for (std::size_t i = 0; i < fs.numAtoms; ++i) {
        const std::size_t e = static_cast<std::size_t>(fs.elements[i]);
        const Eigen::Index nsf = static_cast<Eigen::Index>(fs.numFunctions(i));
        const std::size_t firstPair = fs.pairBegin[i];
        const Eigen::Index numPairs = static_cast<Eigen::Index>(fs.pairBegin[i + 1] - firstPair);
        // a_i = dE_i/dG_raw, then the 3 components of dE_i/dR_k for every pair.
        work.scaledGradient = outputScale_ * factors_[e].cwiseProduct(inputGradients[e]->col(static_cast<Eigen::Index>(columns[i])));
        const Eigen::Map<const Eigen::MatrixXd> derivatives(fs.atomDerivatives(i), 3 * numPairs, nsf);
        work.pairValues.noalias() = derivatives * work.scaledGradient;
        for (Eigen::Index q = 0; q < numPairs; ++q) {
            double* f = forces.data() + 3 * fs.pairAtom[firstPair + static_cast<std::size_t>(q)];
            f[0] -= work.pairValues(3 * q);
            f[1] -= work.pairValues(3 * q + 1);
            f[2] -= work.pairValues(3 * q + 2);
        }
    }
}

void Model::accumulateTangents(const FitStructure& fs, const std::vector<std::size_t>& columns,
                               const std::vector<double>& adjoint, Workspace& work) const {
    for (std::size_t i = 0; i < fs.numAtoms; ++i) {
        const std::size_t e = static_cast<std::size_t>(fs.elements[i]);
        const Eigen::Index nsf = static_cast<Eigen::Index>(fs.numFunctions(i));
        const std::size_t firstPair = fs.pairBegin[i];
        const Eigen::Index numPairs = static_cast<Eigen::Index>(fs.pairBegin[i + 1] - firstPair);
        work.pairValues.resize(3 * numPairs);
        for (Eigen::Index q = 0; q < numPairs; ++q) {
            const double* u = adjoint.data() + 3 * fs.pairAtom[firstPair + static_cast<std::size_t>(q)];
            work.pairValues(3 * q) = u[0];
            work.pairValues(3 * q + 1) = u[1];
            work.pairValues(3 * q + 2) = u[2];
        }
        const Eigen::Map<const Eigen::MatrixXd> derivatives(fs.atomDerivatives(i), 3 * numPairs, nsf);
        auto tangent = work.elements[e].tangents.col(static_cast<Eigen::Index>(columns[i]));
        tangent.noalias() = derivatives.transpose() * work.pairValues;
        tangent.array() *= factors_[e].array();
    }
}

double Model::residual(const Eigen::VectorXd& parameters, const ResidualIndex& index, double* gradient) const {
    const FitStructure& fs = structures_[index.structure];
    const std::size_t numElements = shapes_.size();
    const LossSettings& loss = settings_;
    const bool isForce = index.atom >= 0;
    if (gradient) std::fill(gradient, gradient + numParameters_, 0.0);

    // The atoms involved: all atoms for an energy, the atoms whose
    // symmetry functions depend on atom k for a force on k.
    std::vector<std::size_t> atoms;
    std::vector<std::size_t> pairs;
    if (isForce) {
        const std::size_t k = static_cast<std::size_t>(index.atom);
        for (std::size_t q = fs.contributorBegin[k]; q < fs.contributorBegin[k + 1]; ++q) {
            atoms.push_back(fs.contributorAtom[q]);
            pairs.push_back(fs.contributorPair[q]);
        }
    } else {
        for (std::size_t i = 0; i < fs.numAtoms; ++i) atoms.push_back(i);
    }

    std::vector<std::vector<std::size_t>> members(numElements);  // positions in atoms
    for (std::size_t a = 0; a < atoms.size(); ++a) members[static_cast<std::size_t>(fs.elements[atoms[a]])].push_back(a);

    double value = 0.0;
    NetworkPass pass;
    Eigen::MatrixXd inputs, tangents;
    std::vector<Eigen::MatrixXd> inputGradients(numElements);
    std::vector<Eigen::RowVectorXd> outputs(numElements);
    for (std::size_t e = 0; e < numElements; ++e) {
        if (members[e].empty()) continue;
        const Eigen::Index nsf = shapes_[e].sizes[0];
        const Eigen::Index m = static_cast<Eigen::Index>(members[e].size());
        inputs.resize(nsf, m);
        for (Eigen::Index c = 0; c < m; ++c) {
            const std::size_t i = atoms[members[e][static_cast<std::size_t>(c)]];
            inputs.col(c) = Eigen::Map<const Eigen::VectorXd>(fs.inputs.data() + fs.inputBegin[i], nsf);
        }
        const double* elementParameters = parameters.data() + offsets_[e];
        pass.forward(shapes_[e], elementParameters, inputs, isForce && gradient);
        if (!isForce) {
            for (Eigen::Index c = 0; c < m; ++c) value += atomEnergy(static_cast<int>(e), pass.outputs()(c));
            if (gradient) {
                const double seed = loss.energyWeight * outputScale_ /
                                    (loss.sigmaEnergy * static_cast<double>(fs.numAtoms));
                pass.reverse(elementParameters, Eigen::RowVectorXd::Constant(m, seed), nullptr,
                             gradient + offsets_[e]);
            }
            continue;
        }
        const Eigen::MatrixXd& dydx = pass.inputGradient(elementParameters);
        tangents.resize(nsf, m);
        for (Eigen::Index c = 0; c < m; ++c) {
            const std::size_t a = members[e][static_cast<std::size_t>(c)];
            const std::size_t i = atoms[a];
            const std::size_t numPairs = fs.numPairs(i);
            const double* d = fs.atomDerivatives(i) + 3 * (pairs[a] - fs.pairBegin[i]) + static_cast<std::size_t>(index.component);
            for (Eigen::Index s = 0; s < nsf; ++s) {
                const double derivative = d[static_cast<std::size_t>(s) * 3 * numPairs];
                value -= outputScale_ * factors_[e](s) * dydx(s, c) * derivative;
                tangents(s, c) = factors_[e](s) * derivative;
            }
        }
        if (gradient) {
            pass.tangent(elementParameters, tangents);
            const double seed = -loss.forceWeight * outputScale_ / loss.sigmaForce;
            Eigen::RowVectorXd beta = Eigen::RowVectorXd::Constant(m, seed);
            pass.reverse(elementParameters, Eigen::RowVectorXd::Zero(m), &beta, gradient + offsets_[e]);
        }
    }
    if (isForce) {
        const double reference = fs.forces[3 * static_cast<std::size_t>(index.atom) + static_cast<std::size_t>(index.component)];
        return loss.forceWeight * (value - reference) / loss.sigmaForce;
    }
    return loss.energyWeight * (value - fs.energy) / (static_cast<double>(fs.numAtoms) * loss.sigmaEnergy);
}

}  // namespace fit
}  // namespace bpnn

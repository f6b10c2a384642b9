// SPDX-License-Identifier: GPL-2.0-or-later
#include "flat_model.h"

#include "core/descriptors.h"
#include "core/errors.h"

#include <math.h>

#include <algorithm>
#include <string>

namespace bpnn::kokkos {
namespace {

constexpr double kDegree = formula::kPi / 180.0;

// Core function of a compact subtype: p1 to p4 (optionally followed by `a`)
// or e, as in the core library's descriptors.
CoreType coreOfSubtype(const std::string& subtype) {
    if (subtype.empty() || subtype[0] == 'e') return CoreType::Exp;
    switch (subtype.size() > 1 ? subtype[1] : '0') {
        case '1': return CoreType::Poly1;
        case '2': return CoreType::Poly2;
        case '3': return CoreType::Poly3;
        case '4': return CoreType::Poly4;
        default: return CoreType::Exp;
    }
}

bool isAsymmetric(const std::string& subtype) { return subtype.size() == 3; }

// A group under construction: its parameters and, until the element is
// finished, its own member and Gaussian lists.
struct GroupBuilder {
    FlatGroup group;
    std::vector<FlatMember> members;
    std::vector<std::pair<double, double>> gaussians;

    int gaussianIndex(double eta, double rs) {
        const auto key = std::make_pair(eta, rs);
        const auto it = std::find(gaussians.begin(), gaussians.end(), key);
        if (it != gaussians.end()) return static_cast<int>(it - gaussians.begin());
        gaussians.push_back(key);
        return static_cast<int>(gaussians.size()) - 1;
    }
};

bool sameRadialGroup(const FlatGroup& g, int neighbor, double rc) {
    return !g.angular && g.neighbor1 == neighbor && g.rc == rc;
}

bool sameAngularGroup(const FlatGroup& g, const SymmetryFunction& sf, int n1, int n2) {
    if (!g.angular || g.neighbor1 != n1 || g.neighbor2 != n2) return false;
    if (g.wide != static_cast<int>(sf.isWide()) || g.compact != static_cast<int>(sf.isCompact())) return false;
    if (g.rc != sf.rc) return false;
    if (!g.compact) return true;
    return g.rl == sf.rl && g.radial.core == coreOfSubtype(sf.subtype) &&
           g.radial.asymmetric == isAsymmetric(sf.subtype);
}

std::vector<GroupBuilder> groupFunctions(const Potential& potential, const ElementModel& model) {
    std::vector<GroupBuilder> builders;
    for (std::size_t s = 0; s < model.symmetryFunctions.size(); ++s) {
        const SymmetryFunction& sf = model.symmetryFunctions[s];
        FlatMember member;
        member.function = static_cast<int>(s);
        member.compact = sf.isCompact() ? 1 : 0;
        member.rl = sf.rl;
        member.eta = sf.eta;
        member.rs = sf.rs;
        const int n1 = sf.isWeighted() ? -1 : sf.neighbor1;
        const int n2 = sf.isWeighted() ? -1 : sf.neighbor2;

        auto it = std::find_if(builders.begin(), builders.end(), [&](const GroupBuilder& b) {
            return sf.isAngular() ? sameAngularGroup(b.group, sf, n1, n2) : sameRadialGroup(b.group, n1, sf.rc);
        });
        if (it == builders.end()) {
            GroupBuilder builder;
            FlatGroup& g = builder.group;
            g.angular = sf.isAngular() ? 1 : 0;
            g.neighbor1 = n1;
            g.neighbor2 = sf.isAngular() ? n2 : -1;
            g.wide = sf.isWide() ? 1 : 0;
            g.compact = sf.isAngular() && sf.isCompact() ? 1 : 0;
            g.rc = sf.rc;
            g.rl = sf.rl;
            g.cutoff = formula::makeCutoff(potential.cutoffType, sf.rc, potential.cutoffAlpha);
            if (g.compact) {
                g.radial = formula::makeCompact(coreOfSubtype(sf.subtype), isAsymmetric(sf.subtype), sf.rl, sf.rc);
            }
            builders.push_back(builder);
            it = builders.end() - 1;
        }

        if (!sf.isAngular()) {
            if (member.compact) {
                member.radial = formula::makeCompact(coreOfSubtype(sf.subtype), isAsymmetric(sf.subtype), sf.rl, sf.rc);
            }
        } else if (member.compact) {
            // The angular part of n2p2's compact functions is never asymmetric.
            member.angle = formula::makeCompact(coreOfSubtype(sf.subtype), false, sf.angleLeft * kDegree,
                                                sf.angleRight * kDegree);
        } else {
            member.gaussian = it->gaussianIndex(sf.eta, sf.rs);
            member.lambda = sf.lambda;
            member.zeta = sf.zeta;
            member.norm = pow(2.0, 1.0 - sf.zeta);
            const double rounded = floor(sf.zeta + 0.5);
            if (rounded == sf.zeta && rounded <= 64.0) member.zetaInteger = static_cast<int>(rounded);
        }
        it->members.push_back(member);
    }
    return builders;
}

void appendNetwork(const ElementModel& model, FlatElement& element, FlatModel& flat) {
    element.firstLayer = static_cast<int>(flat.layers.size());
    element.numLayers = static_cast<int>(model.layers.size());
    int column = element.numFunctions;
    int inputColumn = 0;
    for (const Layer& layer : model.layers) {
        FlatLayer flatLayer;
        flatLayer.inputs = static_cast<int>(layer.weights.cols());
        flatLayer.outputs = static_cast<int>(layer.weights.rows());
        flatLayer.activation = layer.activation;
        flatLayer.inputColumn = inputColumn;
        flatLayer.outputColumn = column;
        flatLayer.weightOffset = static_cast<int>(flat.parameters.size());
        for (Eigen::Index o = 0; o < layer.weights.rows(); ++o) {
            for (Eigen::Index i = 0; i < layer.weights.cols(); ++i) flat.parameters.push_back(layer.weights(o, i));
        }
        flatLayer.biasOffset = static_cast<int>(flat.parameters.size());
        for (Eigen::Index o = 0; o < layer.bias.size(); ++o) flat.parameters.push_back(layer.bias(o));
        flat.layers.push_back(flatLayer);
        inputColumn = column;
        column += flatLayer.outputs;
    }
    element.outputColumn = inputColumn;
    element.numColumns = column;
}

}  // namespace

FlatModel flattenPotential(const Potential& potential) {
    FlatModel flat;
    flat.maxCutoff = potential.maxCutoff();
    flat.hasScalingData = potential.hasScalingData;
    flat.normalize = potential.normalize;
    flat.meanEnergy = potential.meanEnergy;
    flat.convEnergy = potential.convEnergy;
    flat.normalizeNodes = potential.normalizeNodes;
    for (const ElementModel& model : potential.elements) flat.atomicNumbers.push_back(model.atomicNumber);

    for (const ElementModel& model : potential.elements) {
        FlatElement element;
        element.numFunctions = static_cast<int>(model.symmetryFunctions.size());
        element.firstFunction = static_cast<int>(flat.scaleFactor.size());
        element.energyOffset = model.energyOffset;
        for (const SymmetryFunction& sf : model.symmetryFunctions) {
            const double factor = scalingFactor(potential, sf);
            flat.scaleFactor.push_back(factor);
            flat.scaleShift.push_back(scaleSymmetryFunction(potential, sf, 0.0));
            flat.gmin.push_back(sf.gmin);
            flat.gmax.push_back(sf.gmax);
        }

        element.firstGroup = static_cast<int>(flat.groups.size());
        int pairSlot = 0;
        for (GroupBuilder& builder : groupFunctions(potential, model)) {
            FlatGroup group = builder.group;
            if (builder.gaussians.size() > static_cast<std::size_t>(kMaxGaussiansPerGroup)) {
                throw InputError(potential.source, 0,
                                 "element " + model.symbol + ": " + std::to_string(builder.gaussians.size()) +
                                     " distinct (eta, r_s) pairs in one group of angular symmetry functions, "
                                     "more than the " + std::to_string(kMaxGaussiansPerGroup) +
                                     " that the Kokkos kernels support; use the host pair style bpnn for this "
                                     "potential");
            }
            group.firstGaussian = static_cast<int>(flat.gaussianEta.size());
            group.numGaussians = static_cast<int>(builder.gaussians.size());
            std::vector<double> etas, shifts;
            for (const auto& gaussian : builder.gaussians) {
                flat.gaussianEta.push_back(gaussian.first);
                flat.gaussianRs.push_back(gaussian.second);
                etas.push_back(gaussian.first);
                shifts.push_back(gaussian.second);
            }
            // Angular groups compute Gaussians with an integer multiple of
            // another's eta as its power, as the core library does.
            const std::vector<GaussianPower> powers =
                group.angular ? planGaussianPowers(etas, shifts) : std::vector<GaussianPower>(etas.size());
            for (const GaussianPower& power : powers) {
                flat.gaussianBase.push_back(power.base);
                flat.gaussianPower.push_back(power.power);
            }
            group.firstMember = static_cast<int>(flat.members.size());
            group.numMembers = static_cast<int>(builder.members.size());
            flat.members.insert(flat.members.end(), builder.members.begin(), builder.members.end());
            if (group.angular) {
                group.pairSlot = pairSlot;
                pairSlot += kPairTerms;
            }
            flat.groups.push_back(group);
        }
        element.numGroups = static_cast<int>(flat.groups.size()) - element.firstGroup;
        element.numPairSlots = pairSlot;

        appendNetwork(model, element, flat);
        flat.maxFunctions = std::max(flat.maxFunctions, element.numFunctions);
        flat.maxPairSlots = std::max(flat.maxPairSlots, element.numPairSlots);
        flat.maxColumns = std::max(flat.maxColumns, element.numColumns);
        flat.elements.push_back(element);
    }
    return flat;
}

}  // namespace bpnn::kokkos

// SPDX-License-Identifier: GPL-2.0-or-later
#include "descriptors.h"

#include <math.h>

#include <algorithm>
#include <utility>

namespace bpnn {

using formula::CompactParams;
using formula::CutoffParams;

namespace {

CoreType coreOfSubtype(const std::string& subtype) {
    switch (subtype[0] == 'e' ? '0' : subtype[1]) {
        case '1': return CoreType::Poly1;
        case '2': return CoreType::Poly2;
        case '3': return CoreType::Poly3;
        case '4': return CoreType::Poly4;
        default: return CoreType::Exp;
    }
}

template <class Group>
int gaussianIndex(Group& group, double eta, double rs) {
    const auto key = std::make_pair(eta, rs);
    auto it = std::find(group.gaussians.begin(), group.gaussians.end(), key);
    if (it != group.gaussians.end()) return static_cast<int>(it - group.gaussians.begin());
    group.gaussians.push_back(key);
    return static_cast<int>(group.gaussians.size()) - 1;
}

constexpr double kDegree = formula::kPi / 180.0;

}  // namespace

DescriptorCalculator::DescriptorCalculator(const Potential& potential, int element) {
    const ElementModel& model = potential.elements.at(static_cast<std::size_t>(element));
    numFunctions_ = model.symmetryFunctions.size();
    for (const ElementModel& other : potential.elements) atomicNumbers_.push_back(other.atomicNumber);

    for (std::size_t s = 0; s < model.symmetryFunctions.size(); ++s) {
        const SymmetryFunction& sf = model.symmetryFunctions[s];
        Member member;
        member.function = static_cast<int>(s);
        member.compact = sf.isCompact();
        member.rl = sf.rl;
        if (!sf.isAngular()) {
            const int neighbor = sf.isWeighted() ? -1 : sf.neighbor1;
            auto it = std::find_if(radialGroups_.begin(), radialGroups_.end(), [&](const RadialGroup& g) {
                return g.neighbor == neighbor && g.rc == sf.rc;
            });
            if (it == radialGroups_.end()) {
                RadialGroup group;
                group.neighbor = neighbor;
                group.rc = sf.rc;
                group.cutoff = formula::makeCutoff(potential.cutoffType, sf.rc, potential.cutoffAlpha);
                radialGroups_.push_back(group);
                it = radialGroups_.end() - 1;
            }
            if (member.compact) {
                const bool asymmetric = sf.subtype.size() == 3;
                member.radial = formula::makeCompact(coreOfSubtype(sf.subtype), asymmetric, sf.rl, sf.rc);
            } else {
                member.gaussian = gaussianIndex(*it, sf.eta, sf.rs);
            }
            it->members.push_back(member);
            continue;
        }
        const int n1 = sf.isWeighted() ? -1 : sf.neighbor1;
        const int n2 = sf.isWeighted() ? -1 : sf.neighbor2;
        auto it = std::find_if(angularGroups_.begin(), angularGroups_.end(), [&](const AngularGroup& g) {
            return g.neighbor1 == n1 && g.neighbor2 == n2 && g.wide == sf.isWide() && g.compact == sf.isCompact() &&
                   g.rc == sf.rc && (!g.compact || (g.rl == sf.rl && g.radial.core == coreOfSubtype(sf.subtype) &&
                                                     g.radial.asymmetric == (sf.subtype.size() == 3)));
        });
        if (it == angularGroups_.end()) {
            AngularGroup group;
            group.neighbor1 = n1;
            group.neighbor2 = n2;
            group.wide = sf.isWide();
            group.compact = sf.isCompact();
            group.rc = sf.rc;
            group.rl = sf.rl;
            group.cutoff = formula::makeCutoff(potential.cutoffType, sf.rc, potential.cutoffAlpha);
            if (group.compact) {
                group.radial = formula::makeCompact(coreOfSubtype(sf.subtype), sf.subtype.size() == 3, sf.rl, sf.rc);
            }
            angularGroups_.push_back(group);
            it = angularGroups_.end() - 1;
        }
        if (member.compact) {
            // The angular part of n2p2's compact functions is never asymmetric.
            member.angle = formula::makeCompact(coreOfSubtype(sf.subtype), false, sf.angleLeft * kDegree,
                                                sf.angleRight * kDegree);
        } else {
            member.gaussian = gaussianIndex(*it, sf.eta, sf.rs);
            member.lambda = sf.lambda;
            member.zeta = sf.zeta;
            member.norm = pow(2.0, 1.0 - sf.zeta);
            const double rounded = floor(sf.zeta + 0.5);
            if (rounded == sf.zeta && rounded <= 64.0) member.zetaInteger = static_cast<int>(rounded);
        }
        it->members.push_back(member);
    }
}

void DescriptorCalculator::compute(const DescriptorNeighbor* neighbors, std::size_t count, double* G) {
    std::fill(G, G + numFunctions_, 0.0);
    run<false>(neighbors, count, G, nullptr, nullptr);
}

void DescriptorCalculator::backpropagate(const DescriptorNeighbor* neighbors, std::size_t count,
                                         const double* dEdG, double* gradient) {
    run<true>(neighbors, count, nullptr, dEdG, gradient);
}

template <bool Adjoint>
void DescriptorCalculator::run(const DescriptorNeighbor* neighbors, std::size_t count, double* G,
                               const double* dEdG, double* gradient) {
    for (const RadialGroup& group : radialGroups_) runRadial<Adjoint>(group, neighbors, count, G, dEdG, gradient);
    for (const AngularGroup& group : angularGroups_) runAngular<Adjoint>(group, neighbors, count, G, dEdG, gradient);
}

template <bool Adjoint>
void DescriptorCalculator::runRadial(const RadialGroup& group, const DescriptorNeighbor* neighbors,
                                     std::size_t count, double* G, const double* dEdG, double* gradient) {
    const std::size_t numGaussians = group.gaussians.size();
    std::vector<double>& gaussian = jkGaussians_;
    std::vector<double>& gaussianDerivative = jkGaussianDerivatives_;
    gaussian.resize(numGaussians);
    gaussianDerivative.resize(numGaussians);
    for (std::size_t n = 0; n < count; ++n) {
        const DescriptorNeighbor& nb = neighbors[n];
        if (nb.r >= group.rc || (group.neighbor >= 0 && nb.element != group.neighbor)) continue;
        const double weight = group.neighbor < 0 ? atomicNumbers_[static_cast<std::size_t>(nb.element)] : 1.0;
        double fc, dfc;
        formula::cutoffFunction(group.cutoff, nb.r, fc, dfc);
        for (std::size_t g = 0; g < numGaussians; ++g) {
            formula::gaussian(group.gaussians[g].first, group.gaussians[g].second, nb.r, gaussian[g],
                              gaussianDerivative[g]);
        }
        double slope = 0.0;  // dE/dr for this neighbor
        for (const Member& m : group.members) {
            double value, derivative;
            if (m.compact) {
                if (nb.r <= m.rl) continue;
                formula::compactFunction(m.radial, nb.r, value, derivative);
            } else {
                const std::size_t g = static_cast<std::size_t>(m.gaussian);
                value = fc * gaussian[g];
                derivative = dfc * gaussian[g] + fc * gaussianDerivative[g];
            }
            if (Adjoint) {
                slope += dEdG[m.function] * weight * derivative;
            } else {
                G[m.function] += weight * value;
            }
        }
        if (Adjoint) {
            const double scale = slope / nb.r;
            for (int a = 0; a < 3; ++a) gradient[3 * n + a] += scale * nb.d[a];
        }
    }
}

void DescriptorCalculator::collectPairs(const AngularGroup& group, const DescriptorNeighbor* neighbors,
                                        std::size_t count) {
    pairs_.clear();
    gaussianValues_.clear();
    gaussianDerivatives_.clear();
    const std::size_t numGaussians = group.gaussians.size();
    // Pairs of the first neighbor element come first, then those of the
    // second, so that mixed triplets take one partner from each part.
    for (int pass = 0; pass < 2; ++pass) {
        const int wanted = pass == 0 ? group.neighbor1 : group.neighbor2;
        if (pass == 1) {
            firstOfSecondElement_.assign(1, pairs_.size());
            if (group.neighbor1 == group.neighbor2) break;
        }
        for (std::size_t n = 0; n < count; ++n) {
            const DescriptorNeighbor& nb = neighbors[n];
            if (nb.r >= group.rc || (wanted >= 0 && nb.element != wanted)) continue;
            if (group.compact && nb.r <= group.rl) continue;
            PairTerms pair;
            pair.neighbor = static_cast<int>(n);
            pair.weight = wanted < 0 ? atomicNumbers_[static_cast<std::size_t>(nb.element)] : 1.0;
            if (group.compact) {
                formula::compactFunction(group.radial, nb.r, pair.radial, pair.radialDerivative);
            } else {
                formula::cutoffFunction(group.cutoff, nb.r, pair.radial, pair.radialDerivative);
            }
            pair.gaussianOffset = gaussianValues_.size();
            for (std::size_t g = 0; g < numGaussians; ++g) {
                double value, derivative;
                formula::gaussian(group.gaussians[g].first, group.gaussians[g].second, nb.r, value, derivative);
                gaussianValues_.push_back(value);
                gaussianDerivatives_.push_back(derivative);
            }
            pairs_.push_back(pair);
        }
    }
}

template <bool Adjoint>
void DescriptorCalculator::runAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors,
                                      std::size_t count, double* G, const double* dEdG, double* gradient) {
    collectPairs(group, neighbors, count);
    const std::size_t numPairs = pairs_.size();
    const bool samePart = group.neighbor1 == group.neighbor2;
    const std::size_t split = firstOfSecondElement_.front();
    const std::size_t numGaussians = group.gaussians.size();
    std::vector<double>& gjk = jkGaussians_;
    std::vector<double>& dgjk = jkGaussianDerivatives_;
    gjk.resize(numGaussians);
    dgjk.resize(numGaussians);

    const std::size_t endFirst = samePart ? numPairs : split;
    for (std::size_t a = 0; a < endFirst; ++a) {
        const PairTerms& pj = pairs_[a];
        const DescriptorNeighbor& nj = neighbors[pj.neighbor];
        for (std::size_t b = samePart ? a + 1 : split; b < numPairs; ++b) {
            const PairTerms& pk = pairs_[b];
            const DescriptorNeighbor& nk = neighbors[pk.neighbor];
            const double cosine = (nj.d[0] * nk.d[0] + nj.d[1] * nk.d[1] + nj.d[2] * nk.d[2]) / (nj.r * nk.r);

            // Factor of the pair j-k: f_c(r_jk) or c_r(r_jk), 1 for wide types.
            double djk[3] = {nk.d[0] - nj.d[0], nk.d[1] - nj.d[1], nk.d[2] - nj.d[2]};
            double rjk = 0.0, fjk = 1.0, dfjk = 0.0;
            if (!group.wide) {
                rjk = sqrt(djk[0] * djk[0] + djk[1] * djk[1] + djk[2] * djk[2]);
                if (rjk >= group.rc || (group.compact && rjk <= group.rl)) continue;
                if (group.compact) {
                    formula::compactFunction(group.radial, rjk, fjk, dfjk);
                } else {
                    formula::cutoffFunction(group.cutoff, rjk, fjk, dfjk);
                    for (std::size_t g = 0; g < numGaussians; ++g) {
                        formula::gaussian(group.gaussians[g].first, group.gaussians[g].second, rjk, gjk[g], dgjk[g]);
                    }
                }
            }
            double theta = 0.0, dThetaDCos = 0.0;
            if (group.compact) {
                // The compact angular functions vanish at 0 and 180 degrees.
                if (cosine <= -1.0 || cosine >= 1.0) continue;
                theta = acos(cosine);
                dThetaDCos = -1.0 / sqrt(1.0 - cosine * cosine);
            }
            const double weight = pj.weight * pk.weight;
            double sij = 0.0, sik = 0.0, sjk = 0.0, scos = 0.0;
            for (const Member& m : group.members) {
                double radial, dRj, dRk, dRjk, angular, dAngular;
                if (group.compact) {
                    formula::compactFunction(m.angle, theta, angular, dAngular);
                    if (angular == 0.0 && dAngular == 0.0) continue;
                    dAngular *= dThetaDCos;
                    radial = pj.radial * pk.radial * fjk;
                    dRj = pj.radialDerivative * pk.radial * fjk;
                    dRk = pj.radial * pk.radialDerivative * fjk;
                    dRjk = pj.radial * pk.radial * dfjk;
                } else {
                    formula::angularPower(m.lambda, m.zeta, m.zetaInteger, cosine, angular, dAngular);
                    if (angular == 0.0 && dAngular == 0.0) continue;
                    angular *= m.norm;
                    dAngular *= m.norm;
                    const std::size_t g = static_cast<std::size_t>(m.gaussian);
                    const double gj = gaussianValues_[pj.gaussianOffset + g];
                    const double gk = gaussianValues_[pk.gaussianOffset + g];
                    const double rj = pj.radial * gj;
                    const double rk = pk.radial * gk;
                    const double drj = pj.radialDerivative * gj + pj.radial * gaussianDerivatives_[pj.gaussianOffset + g];
                    const double drk = pk.radialDerivative * gk + pk.radial * gaussianDerivatives_[pk.gaussianOffset + g];
                    const double rjkFactor = group.wide ? 1.0 : fjk * gjk[g];
                    const double drjkFactor = group.wide ? 0.0 : dfjk * gjk[g] + fjk * dgjk[g];
                    radial = rj * rk * rjkFactor;
                    dRj = drj * rk * rjkFactor;
                    dRk = rj * drk * rjkFactor;
                    dRjk = rj * rk * drjkFactor;
                }
                if (!Adjoint) {
                    G[m.function] += weight * radial * angular;
                    continue;
                }
                const double u = dEdG[m.function] * weight;
                sij += u * dRj * angular;
                sik += u * dRk * angular;
                sjk += u * dRjk * angular;
                scos += u * radial * dAngular;
            }
            if (!Adjoint) continue;
            // Chain rule to the displacements d_ij and d_ik:
            //   dr_ij/dd_ij = d_ij / r_ij,  dr_jk/dd_ik = -dr_jk/dd_ij = d_jk / r_jk,
            //   dcos/dd_ij = d_ik / (r_ij r_ik) - cos d_ij / r_ij^2 (and j <-> k).
            const double inverseProduct = 1.0 / (nj.r * nk.r);
            const double cj = sij / nj.r - scos * cosine / (nj.r * nj.r);
            const double ck = sik / nk.r - scos * cosine / (nk.r * nk.r);
            const double cjk = group.wide ? 0.0 : sjk / rjk;
            double* gj = gradient + 3 * pj.neighbor;
            double* gk = gradient + 3 * pk.neighbor;
            for (int c = 0; c < 3; ++c) {
                gj[c] += cj * nj.d[c] + scos * inverseProduct * nk.d[c] - cjk * djk[c];
                gk[c] += ck * nk.d[c] + scos * inverseProduct * nj.d[c] + cjk * djk[c];
            }
        }
    }
}

}  // namespace bpnn

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

constexpr double kDegree = formula::kPi / 180.0;

template <class Group>
int powerIndex(Group& group, double lambda, double zeta) {
    for (std::size_t p = 0; p < group.powers.size(); ++p) {
        if (group.powers[p].lambda == lambda && group.powers[p].zeta == zeta) return static_cast<int>(p);
    }
    typename decltype(group.powers)::value_type power;
    power.lambda = lambda;
    power.zeta = zeta;
    power.norm = pow(2.0, 1.0 - zeta);
    const double rounded = floor(zeta + 0.5);
    if (rounded == zeta && rounded <= 64.0) power.zetaInteger = static_cast<int>(rounded);
    group.powers.push_back(power);
    return static_cast<int>(group.powers.size()) - 1;
}

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
                member.gaussian = it->gaussians.index(sf.eta, sf.rs);
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
            member.gaussian = it->gaussians.index(sf.eta, sf.rs);
            member.power = powerIndex(*it, sf.lambda, sf.zeta);
        }
        it->members.push_back(member);
    }
}

int DescriptorCalculator::GaussianSet::index(double eta, double rs) {
    for (std::size_t g = 0; g < etas.size(); ++g) {
        if (etas[g] == eta && shifts[g] == rs) return static_cast<int>(g);
    }
    etas.push_back(eta);
    shifts.push_back(rs);
    return static_cast<int>(etas.size()) - 1;
}

void DescriptorCalculator::GaussianSet::evaluate(double r, double* values, double* slopes) const {
    for (std::size_t g = 0; g < etas.size(); ++g) formula::gaussian(etas[g], shifts[g], r, values[g], slopes[g]);
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
        group.gaussians.evaluate(nb.r, gaussian.data(), gaussianDerivative.data());
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
            gaussianValues_.resize(pair.gaussianOffset + numGaussians);
            gaussianDerivatives_.resize(pair.gaussianOffset + numGaussians);
            group.gaussians.evaluate(nb.r, gaussianValues_.data() + pair.gaussianOffset,
                                     gaussianDerivatives_.data() + pair.gaussianOffset);
            pairs_.push_back(pair);
        }
    }
}

template <bool Adjoint>
void DescriptorCalculator::runAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors,
                                      std::size_t count, double* G, const double* dEdG, double* gradient) {
    collectPairs(group, neighbors, count);
    if (group.compact) {
        runCompactAngular<Adjoint>(group, neighbors, G, dEdG, gradient);
    } else {
        runGaussianAngular<Adjoint>(group, neighbors, G, dEdG, gradient);
    }
}

namespace {

// Chain rule from the triplet's scalar derivatives (by r_ij, r_ik, r_jk and
// cos theta_ijk) to the displacements d_ij and d_ik:
//   dr_ij/dd_ij = d_ij / r_ij,  dr_jk/dd_ik = -dr_jk/dd_ij = d_jk / r_jk,
//   dcos/dd_ij = d_ik / (r_ij r_ik) - cos d_ij / r_ij^2 (and j <-> k).
inline void scatterTriplet(const DescriptorNeighbor& nj, const DescriptorNeighbor& nk, const double* djk, double rjk,
                           double cosine, double sij, double sik, double sjk, double scos, double* gj, double* gk) {
    const double inverseProduct = 1.0 / (nj.r * nk.r);
    const double cj = sij / nj.r - scos * cosine / (nj.r * nj.r);
    const double ck = sik / nk.r - scos * cosine / (nk.r * nk.r);
    const double cjk = rjk > 0.0 ? sjk / rjk : 0.0;
    for (int c = 0; c < 3; ++c) {
        gj[c] += cj * nj.d[c] + scos * inverseProduct * nk.d[c] - cjk * djk[c];
        gk[c] += ck * nk.d[c] + scos * inverseProduct * nj.d[c] + cjk * djk[c];
    }
}

}  // namespace

// Exponential angular types (3, 9, 13). Members that share a Gaussian share
// its radial factor per triplet, and members that share (lambda, zeta) share
// the angular factor, so a triplet costs one exp per distinct Gaussian and
// one power per distinct (lambda, zeta), plus a multiply-add per member.
template <bool Adjoint>
void DescriptorCalculator::runGaussianAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors,
                                              double* G, const double* dEdG, double* gradient) {
    const std::size_t numPairs = pairs_.size();
    const bool samePart = group.neighbor1 == group.neighbor2;
    const std::size_t split = firstOfSecondElement_.front();
    const std::size_t numGaussians = group.gaussians.size();
    const std::size_t numPowers = group.powers.size();
    const std::size_t numMembers = group.members.size();

    // Per triplet: by Gaussian the radial product and its three derivatives,
    // by power the angular factor and its derivative.
    tripletTerms_.assign(6 * numGaussians + 2 * numPowers, 0.0);
    jkGaussians_.resize(numGaussians);
    jkGaussianDerivatives_.resize(numGaussians);
    double* jkValue = tripletTerms_.data();
    double* jkSlope = jkValue + numGaussians;
    double* radial = jkSlope + numGaussians;
    double* radialByJ = radial + numGaussians;
    double* radialByK = radialByJ + numGaussians;
    double* radialByJK = radialByK + numGaussians;
    double* angular = radialByJK + numGaussians;
    double* angularSlope = angular + numPowers;

    if (Adjoint) {
        adjointWeights_.assign(numGaussians * numPowers, 0.0);
        for (const Member& m : group.members) {
            adjointWeights_[static_cast<std::size_t>(m.gaussian) * numPowers + static_cast<std::size_t>(m.power)] +=
                dEdG[m.function];
        }
    } else {
        sums_.assign(numMembers, 0.0);
    }

    const std::size_t endFirst = samePart ? numPairs : split;
    for (std::size_t a = 0; a < endFirst; ++a) {
        const PairTerms& pj = pairs_[a];
        const DescriptorNeighbor& nj = neighbors[pj.neighbor];
        const double* gaussianJ = gaussianValues_.data() + pj.gaussianOffset;
        const double* gaussianSlopeJ = gaussianDerivatives_.data() + pj.gaussianOffset;
        for (std::size_t b = samePart ? a + 1 : split; b < numPairs; ++b) {
            const PairTerms& pk = pairs_[b];
            const DescriptorNeighbor& nk = neighbors[pk.neighbor];
            const double djk[3] = {nk.d[0] - nj.d[0], nk.d[1] - nj.d[1], nk.d[2] - nj.d[2]};
            double rjk = 0.0, fjk = 1.0, dfjk = 0.0;
            if (!group.wide) {
                rjk = sqrt(djk[0] * djk[0] + djk[1] * djk[1] + djk[2] * djk[2]);
                if (rjk >= group.rc) continue;
                formula::cutoffFunction(group.cutoff, rjk, fjk, dfjk);
                group.gaussians.evaluate(rjk, jkGaussians_.data(), jkGaussianDerivatives_.data());
                for (std::size_t g = 0; g < numGaussians; ++g) {
                    jkValue[g] = fjk * jkGaussians_[g];
                    jkSlope[g] = dfjk * jkGaussians_[g] + fjk * jkGaussianDerivatives_[g];
                }
            } else {
                for (std::size_t g = 0; g < numGaussians; ++g) {
                    jkValue[g] = 1.0;
                    jkSlope[g] = 0.0;
                }
            }
            const double cosine = (nj.d[0] * nk.d[0] + nj.d[1] * nk.d[1] + nj.d[2] * nk.d[2]) / (nj.r * nk.r);
            for (std::size_t p = 0; p < numPowers; ++p) {
                const AngularPower& power = group.powers[p];
                formula::angularPower(power.lambda, power.zeta, power.zetaInteger, cosine, angular[p], angularSlope[p]);
                angular[p] *= power.norm;
                angularSlope[p] *= power.norm;
            }
            const double weight = pj.weight * pk.weight;
            const double* gaussianK = gaussianValues_.data() + pk.gaussianOffset;
            const double* gaussianSlopeK = gaussianDerivatives_.data() + pk.gaussianOffset;
            for (std::size_t g = 0; g < numGaussians; ++g) {
                const double rj = pj.radial * gaussianJ[g];
                const double rk = pk.radial * gaussianK[g];
                radial[g] = weight * rj * rk * jkValue[g];
                if (Adjoint) {
                    const double drj = pj.radialDerivative * gaussianJ[g] + pj.radial * gaussianSlopeJ[g];
                    const double drk = pk.radialDerivative * gaussianK[g] + pk.radial * gaussianSlopeK[g];
                    radialByJ[g] = weight * drj * rk * jkValue[g];
                    radialByK[g] = weight * rj * drk * jkValue[g];
                    radialByJK[g] = weight * rj * rk * jkSlope[g];
                }
            }
            if (!Adjoint) {
                for (std::size_t m = 0; m < numMembers; ++m) {
                    const Member& member = group.members[m];
                    sums_[m] += radial[member.gaussian] * angular[member.power];
                }
                continue;
            }
            double sij = 0.0, sik = 0.0, sjk = 0.0, scos = 0.0;
            for (std::size_t g = 0; g < numGaussians; ++g) {
                const double* u = adjointWeights_.data() + g * numPowers;
                double byAngle = 0.0, bySlope = 0.0;
                for (std::size_t p = 0; p < numPowers; ++p) {
                    byAngle += u[p] * angular[p];
                    bySlope += u[p] * angularSlope[p];
                }
                sij += byAngle * radialByJ[g];
                sik += byAngle * radialByK[g];
                sjk += byAngle * radialByJK[g];
                scos += bySlope * radial[g];
            }
            scatterTriplet(nj, nk, djk, group.wide ? 0.0 : rjk, cosine, sij, sik, sjk, scos,
                           gradient + 3 * pj.neighbor, gradient + 3 * pk.neighbor);
        }
    }
    if (!Adjoint) {
        for (std::size_t m = 0; m < numMembers; ++m) G[group.members[m].function] += sums_[m];
    }
}

// Compact angular types (21, 22, 24, 25): the members of a group share the
// radial functions and differ in their angular ranges.
template <bool Adjoint>
void DescriptorCalculator::runCompactAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors,
                                             double* G, const double* dEdG, double* gradient) {
    const std::size_t numPairs = pairs_.size();
    const bool samePart = group.neighbor1 == group.neighbor2;
    const std::size_t split = firstOfSecondElement_.front();
    const std::size_t endFirst = samePart ? numPairs : split;
    for (std::size_t a = 0; a < endFirst; ++a) {
        const PairTerms& pj = pairs_[a];
        const DescriptorNeighbor& nj = neighbors[pj.neighbor];
        for (std::size_t b = samePart ? a + 1 : split; b < numPairs; ++b) {
            const PairTerms& pk = pairs_[b];
            const DescriptorNeighbor& nk = neighbors[pk.neighbor];
            const double djk[3] = {nk.d[0] - nj.d[0], nk.d[1] - nj.d[1], nk.d[2] - nj.d[2]};
            double rjk = 0.0, fjk = 1.0, dfjk = 0.0;
            if (!group.wide) {
                rjk = sqrt(djk[0] * djk[0] + djk[1] * djk[1] + djk[2] * djk[2]);
                if (rjk >= group.rc || rjk <= group.rl) continue;
                formula::compactFunction(group.radial, rjk, fjk, dfjk);
            }
            const double cosine = (nj.d[0] * nk.d[0] + nj.d[1] * nk.d[1] + nj.d[2] * nk.d[2]) / (nj.r * nk.r);
            // The compact angular functions vanish at 0 and 180 degrees.
            if (cosine <= -1.0 || cosine >= 1.0) continue;
            const double theta = acos(cosine);
            const double dThetaDCos = -1.0 / sqrt(1.0 - cosine * cosine);
            const double weight = pj.weight * pk.weight;
            const double radial = weight * pj.radial * pk.radial * fjk;
            double sij = 0.0, sik = 0.0, sjk = 0.0, scos = 0.0;
            for (const Member& m : group.members) {
                double angular, dAngular;
                formula::compactFunction(m.angle, theta, angular, dAngular);
                if (!Adjoint) {
                    G[m.function] += radial * angular;
                    continue;
                }
                const double u = dEdG[m.function] * weight * angular;
                sij += u * pj.radialDerivative * pk.radial * fjk;
                sik += u * pj.radial * pk.radialDerivative * fjk;
                sjk += u * pj.radial * pk.radial * dfjk;
                scos += dEdG[m.function] * radial * dAngular * dThetaDCos;
            }
            if (Adjoint) {
                scatterTriplet(nj, nk, djk, group.wide ? 0.0 : rjk, cosine, sij, sik, sjk, scos,
                               gradient + 3 * pj.neighbor, gradient + 3 * pk.neighbor);
            }
        }
    }
}

}  // namespace bpnn

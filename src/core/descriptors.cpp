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

// Pair arrays end with this many padding pairs, the doubles in one SIMD
// vector of the target, so that loops over pairs need no remainder loop.
#if defined(__AVX512F__)
constexpr std::size_t kVectorPadding = 8;
#elif defined(__AVX__)
constexpr std::size_t kVectorPadding = 4;
#else
constexpr std::size_t kVectorPadding = 2;
#endif

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
    const std::size_t size = etas.size();
#pragma omp simd
    for (std::size_t g = 0; g < size; ++g) {
        const double shifted = r - shifts[g];
        values[g] = formula::vectorExp(-etas[g] * shifted * shifted);
        slopes[g] = -2.0 * etas[g] * shifted * values[g];
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
    PairArrays& p = pairs_;
    p.neighbor.clear();
    p.weight.clear();
    // Pairs of the first neighbor element come first, then those of the
    // second, so that mixed triplets take one partner from each part.
    for (int pass = 0; pass < 2; ++pass) {
        const int element = pass == 0 ? group.neighbor1 : group.neighbor2;
        if (pass == 1) {
            firstOfSecondElement_ = p.neighbor.size();
            if (group.neighbor1 == group.neighbor2) break;
        }
        for (std::size_t n = 0; n < count; ++n) {
            const DescriptorNeighbor& nb = neighbors[n];
            if (nb.r >= group.rc || (element >= 0 && nb.element != element)) continue;
            if (group.compact && nb.r <= group.rl) continue;
            p.neighbor.push_back(static_cast<int>(n));
            p.weight.push_back(element < 0 ? atomicNumbers_[static_cast<std::size_t>(nb.element)] : 1.0);
        }
    }

    const std::size_t numPairs = p.size();
    p.stride = numPairs + kVectorPadding;
    for (std::vector<double>* column : {&p.x, &p.y, &p.z, &p.r, &p.inverseR, &p.radial, &p.radialDerivative}) {
        column->resize(p.stride);
    }
    for (std::size_t k = 0; k < numPairs; ++k) {
        const DescriptorNeighbor& nb = neighbors[p.neighbor[k]];
        p.x[k] = nb.d[0];
        p.y[k] = nb.d[1];
        p.z[k] = nb.d[2];
        p.r[k] = nb.r;
        p.inverseR[k] = 1.0 / nb.r;
        if (group.compact) {
            formula::compactFunction(group.radial, nb.r, p.radial[k], p.radialDerivative[k]);
        } else {
            formula::cutoffFunction(group.cutoff, nb.r, p.radial[k], p.radialDerivative[k]);
        }
    }
    // Padding pairs have zero radial factors, so every triplet term that
    // involves them is exactly zero. They sit at (2 r_c, 2 r_c, 2 r_c), more
    // than r_c from every real pair, so that r_jk stays finite and beyond
    // the cutoff.
    const double padding = 2.0 * group.rc;
    for (std::size_t k = numPairs; k < p.stride; ++k) {
        p.x[k] = p.y[k] = p.z[k] = p.r[k] = padding;
        p.inverseR[k] = 0.0;
        p.radial[k] = p.radialDerivative[k] = 0.0;
    }
    if (group.compact) return;

    const std::size_t numGaussians = group.gaussians.size();
    p.gaussian.assign(numGaussians * p.stride, 0.0);
    p.gaussianDerivative.assign(numGaussians * p.stride, 0.0);
    for (std::size_t g = 0; g < numGaussians; ++g) {
        const double eta = group.gaussians.etas[g];
        const double rs = group.gaussians.shifts[g];
        const double* r = p.r.data();
        const double* weight = p.weight.data();
        const double* radial = p.radial.data();
        const double* radialDerivative = p.radialDerivative.data();
        double* value = p.gaussian.data() + g * p.stride;
        double* slope = p.gaussianDerivative.data() + g * p.stride;
#pragma omp simd
        for (std::size_t k = 0; k < numPairs; ++k) {
            const double shifted = r[k] - rs;
            const double e = formula::vectorExp(-eta * shifted * shifted);
            value[k] = weight[k] * radial[k] * e;
            slope[k] = weight[k] * (radialDerivative[k] - 2.0 * eta * shifted * radial[k]) * e;
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

// Fills the angular factor 2^(1 - zeta) (1 + lambda cos)^zeta and its
// derivative by cos for a constant integer zeta, with the factor zero where
// 1 + lambda cos is not positive, as formula::angularPower computes it.
template <int Zeta, class Power>
void computeAngularFactors(const Power& power, const double* cosine, std::size_t begin, std::size_t end,
                           double* angular, double* slope) {
    const double lambda = power.lambda;
    const double norm = power.norm;
    const double slopeScale = norm * Zeta * lambda;
#pragma omp simd
    for (std::size_t k = begin; k < end; ++k) {
        const double base = 1.0 + lambda * cosine[k];
        double lower = 1.0;  // base^(zeta - 1)
        for (int n = 1; n < Zeta; ++n) lower *= base;
        const bool positive = base > 0.0;
        angular[k] = positive ? norm * lower * base : 0.0;
        slope[k] = positive ? slopeScale * lower : 0.0;
    }
}

}  // namespace

// Fills r_jk, cos theta_ijk and f_c(r_jk) with its derivative for the
// partners k in [begin, end) of pair j. Wide groups (type 9) have no r_jk
// terms, so their cutoff factor is 1.
void DescriptorCalculator::computeTripletGeometry(const AngularGroup& group, std::size_t j, std::size_t begin,
                                                  std::size_t end) {
    const PairArrays& p = pairs_;
    TripletArrays& t = triplets_;
    const double xj = p.x[j], yj = p.y[j], zj = p.z[j], inverseRj = p.inverseR[j];
    double* rjk = t.rjk.data();
    double* cosine = t.cosine.data();
    double* cutoff = t.cutoff.data();
    double* cutoffDerivative = t.cutoffDerivative.data();
#pragma omp simd
    for (std::size_t k = begin; k < end; ++k) {
        const double dx = p.x[k] - xj, dy = p.y[k] - yj, dz = p.z[k] - zj;
        rjk[k] = sqrt(dx * dx + dy * dy + dz * dz);
        cosine[k] = (xj * p.x[k] + yj * p.y[k] + zj * p.z[k]) * inverseRj * p.inverseR[k];
    }
    if (group.wide) {
        std::fill(cutoff + begin, cutoff + end, 1.0);
        std::fill(cutoffDerivative + begin, cutoffDerivative + end, 0.0);
    } else if (formula::isTanhCutoff(group.cutoff.type)) {
        const formula::CutoffParams params = group.cutoff;
#pragma omp simd
        for (std::size_t k = begin; k < end; ++k) formula::tanhCutoff(params, rjk[k], cutoff[k], cutoffDerivative[k]);
    } else {
        for (std::size_t k = begin; k < end; ++k) {
            formula::cutoffFunction(group.cutoff, rjk[k], cutoff[k], cutoffDerivative[k]);
        }
    }
}

// Fills, for the partners k in [begin, end), the jk factors
// f_c(r_jk) exp(-eta (r_jk - r_s)^2) by Gaussian and the angular factors by
// (lambda, zeta) with their derivatives by cos. The derivatives of the jk
// factors by r_jk are filled only if `derivatives` is set.
void DescriptorCalculator::computeTripletFactors(const AngularGroup& group, std::size_t begin, std::size_t end,
                                                 bool derivatives) {
    TripletArrays& t = triplets_;
    const std::size_t stride = pairs_.stride;
    const double* rjk = t.rjk.data();
    const double* cutoff = t.cutoff.data();
    const double* cutoffDerivative = t.cutoffDerivative.data();
    for (std::size_t g = 0; g < group.gaussians.size(); ++g) {
        double* factor = t.jkFactor.data() + g * stride;
        double* factorDerivative = t.jkFactorDerivative.data() + g * stride;
        if (group.wide) {
            std::copy(cutoff + begin, cutoff + end, factor + begin);
            std::fill(factorDerivative + begin, factorDerivative + end, 0.0);
            continue;
        }
        const double eta = group.gaussians.etas[g];
        const double rs = group.gaussians.shifts[g];
        if (!derivatives) {
#pragma omp simd
            for (std::size_t k = begin; k < end; ++k) {
                const double shifted = rjk[k] - rs;
                factor[k] = cutoff[k] * formula::vectorExp(-eta * shifted * shifted);
            }
            continue;
        }
#pragma omp simd
        for (std::size_t k = begin; k < end; ++k) {
            const double shifted = rjk[k] - rs;
            const double e = formula::vectorExp(-eta * shifted * shifted);
            factor[k] = cutoff[k] * e;
            factorDerivative[k] = (cutoffDerivative[k] - 2.0 * eta * shifted * cutoff[k]) * e;
        }
    }

    const double* cosine = t.cosine.data();
    for (std::size_t q = 0; q < group.powers.size(); ++q) {
        const AngularPower& power = group.powers[q];
        double* angular = t.angular.data() + q * stride;
        double* slope = t.angularSlope.data() + q * stride;
        // The zetas of common potentials get a loop with a constant exponent,
        // which vectorizes. Other zetas take the scalar formula.
        switch (power.zetaInteger) {
            case 1: computeAngularFactors<1>(power, cosine, begin, end, angular, slope); break;
            case 2: computeAngularFactors<2>(power, cosine, begin, end, angular, slope); break;
            case 3: computeAngularFactors<3>(power, cosine, begin, end, angular, slope); break;
            case 4: computeAngularFactors<4>(power, cosine, begin, end, angular, slope); break;
            case 8: computeAngularFactors<8>(power, cosine, begin, end, angular, slope); break;
            case 16: computeAngularFactors<16>(power, cosine, begin, end, angular, slope); break;
            default:
                for (std::size_t k = begin; k < end; ++k) {
                    formula::angularPower(power.lambda, power.zeta, power.zetaInteger, cosine[k], angular[k],
                                          slope[k]);
                    angular[k] *= power.norm;
                    slope[k] *= power.norm;
                }
        }
    }
}

// Adds dE/dr_ij, dE/dr_ik, dE/dr_jk and dE/dcos of the triplets (j, k) for k
// in [begin, end) to the triplet arrays sij, sik, sjk and scos.
void DescriptorCalculator::accumulateTripletSlopes(const AngularGroup& group, std::size_t j, std::size_t begin,
                                                   std::size_t end) {
    const PairArrays& p = pairs_;
    TripletArrays& t = triplets_;
    const std::size_t stride = p.stride;
    const std::size_t numPowers = group.powers.size();
    double* byAngle = t.byAngle.data();
    double* bySlope = t.bySlope.data();
    double* sij = t.sij.data();
    double* sik = t.sik.data();
    double* sjk = t.sjk.data();
    double* scos = t.scos.data();
    for (double* s : {sij, sik, sjk, scos}) std::fill(s + begin, s + end, 0.0);
    for (std::size_t g = 0; g < group.gaussians.size(); ++g) {
        // byAngle = sum over powers of dE/dG (angular factor), bySlope the
        // same with the angular factor's derivative.
        std::fill(byAngle + begin, byAngle + end, 0.0);
        std::fill(bySlope + begin, bySlope + end, 0.0);
        for (std::size_t q = 0; q < numPowers; ++q) {
            const double u = adjointWeights_[g * numPowers + q];
            if (u == 0.0) continue;
            const double* angular = t.angular.data() + q * stride;
            const double* slope = t.angularSlope.data() + q * stride;
#pragma omp simd
            for (std::size_t k = begin; k < end; ++k) {
                byAngle[k] += u * angular[k];
                bySlope[k] += u * slope[k];
            }
        }
        const double rj = p.gaussian[g * stride + j];
        const double drj = p.gaussianDerivative[g * stride + j];
        const double* rk = p.gaussian.data() + g * stride;
        const double* drk = p.gaussianDerivative.data() + g * stride;
        const double* factor = t.jkFactor.data() + g * stride;
        const double* factorDerivative = t.jkFactorDerivative.data() + g * stride;
#pragma omp simd
        for (std::size_t k = begin; k < end; ++k) {
            const double weighted = byAngle[k] * factor[k];
            sij[k] += drj * rk[k] * weighted;
            sik[k] += rj * drk[k] * weighted;
            sjk[k] += rj * rk[k] * factorDerivative[k] * byAngle[k];
            scos[k] += rj * rk[k] * factor[k] * bySlope[k];
        }
    }
}

// Turns the triplet slopes into gradients by the displacements d_ij and d_ik
// (the chain rule of scatterTriplet) and adds them to the pair gradients.
void DescriptorCalculator::scatterTripletSlopes(std::size_t j, std::size_t begin, std::size_t end) {
    PairArrays& p = pairs_;
    const TripletArrays& t = triplets_;
    const double xj = p.x[j], yj = p.y[j], zj = p.z[j], inverseRj = p.inverseR[j];
    double gx = 0.0, gy = 0.0, gz = 0.0;
#pragma omp simd reduction(+ : gx, gy, gz)
    for (std::size_t k = begin; k < end; ++k) {
        const double inverseRk = p.inverseR[k];
        const double scos = t.scos[k];
        const double cosine = t.cosine[k];
        const double rjk = t.rjk[k];
        const double cj = (t.sij[k] - scos * cosine * inverseRj) * inverseRj;
        const double ck = (t.sik[k] - scos * cosine * inverseRk) * inverseRk;
        const double cjk = rjk > 0.0 ? t.sjk[k] / rjk : 0.0;
        const double cross = scos * inverseRj * inverseRk;
        const double dx = p.x[k] - xj, dy = p.y[k] - yj, dz = p.z[k] - zj;
        gx += cj * xj + cross * p.x[k] - cjk * dx;
        gy += cj * yj + cross * p.y[k] - cjk * dy;
        gz += cj * zj + cross * p.z[k] - cjk * dz;
        p.gradientX[k] += ck * p.x[k] + cross * xj + cjk * dx;
        p.gradientY[k] += ck * p.y[k] + cross * yj + cjk * dy;
        p.gradientZ[k] += ck * p.z[k] + cross * zj + cjk * dz;
    }
    p.gradientX[j] += gx;
    p.gradientY[j] += gy;
    p.gradientZ[j] += gz;
}

// Exponential angular types (3, 9, 13). Per triplet the value is
//   sum over members of R_j(g) R_k(g) F_jk(g) A(p),
// with R the pair factors weight f_c exp(-eta (r - r_s)^2), F_jk the jk
// factor and A the angular factor of the member's Gaussian g and power p.
// Each R, F and A is computed once per pair or triplet for all members.
// For one j, every loop runs over the partners k and vectorizes.
template <bool Adjoint>
void DescriptorCalculator::runGaussianAngular(const AngularGroup& group, const DescriptorNeighbor* /*neighbors*/,
                                              double* G, const double* dEdG, double* gradient) {
    PairArrays& p = pairs_;
    TripletArrays& t = triplets_;
    const std::size_t numPairs = p.size();
    const bool samePart = group.neighbor1 == group.neighbor2;
    const std::size_t split = firstOfSecondElement_;
    const std::size_t numGaussians = group.gaussians.size();
    const std::size_t numPowers = group.powers.size();
    const std::size_t numMembers = group.members.size();

    const std::size_t stride = p.stride;
    for (std::vector<double>* column : {&t.rjk, &t.cosine, &t.cutoff, &t.cutoffDerivative}) column->resize(stride);
    t.jkFactor.resize(numGaussians * stride);
    t.jkFactorDerivative.resize(numGaussians * stride);
    t.angular.resize(numPowers * stride);
    t.angularSlope.resize(numPowers * stride);
    if (Adjoint) {
        for (std::vector<double>* column : {&t.byAngle, &t.bySlope, &t.sij, &t.sik, &t.sjk, &t.scos}) {
            column->resize(stride);
        }
        for (std::vector<double>* column : {&p.gradientX, &p.gradientY, &p.gradientZ}) column->assign(stride, 0.0);
        adjointWeights_.assign(numGaussians * numPowers, 0.0);
        for (const Member& m : group.members) {
            adjointWeights_[static_cast<std::size_t>(m.gaussian) * numPowers + static_cast<std::size_t>(m.power)] +=
                dEdG[m.function];
        }
    } else {
        sums_.assign(numMembers, 0.0);
    }

    const std::size_t endFirst = samePart ? numPairs : split;
    for (std::size_t j = 0; j < endFirst; ++j) {
        const std::size_t begin = samePart ? j + 1 : split;
        if (begin >= numPairs) continue;
        // The partner loops run on to a multiple of kVectorPadding, into the
        // padding pairs, so that no iterations are left for a scalar
        // remainder loop.
        const std::size_t end = begin + (numPairs - begin + kVectorPadding - 1) / kVectorPadding * kVectorPadding;
        computeTripletGeometry(group, j, begin, end);
        computeTripletFactors(group, begin, end, Adjoint);
        if (Adjoint) {
            accumulateTripletSlopes(group, j, begin, end);
            scatterTripletSlopes(j, begin, end);
            continue;
        }
        for (std::size_t m = 0; m < numMembers; ++m) {
            const std::size_t g = static_cast<std::size_t>(group.members[m].gaussian);
            const double* rk = p.gaussian.data() + g * stride;
            const double* factor = t.jkFactor.data() + g * stride;
            const double* angular = t.angular.data() + static_cast<std::size_t>(group.members[m].power) * stride;
            double sum = 0.0;
#pragma omp simd reduction(+ : sum)
            for (std::size_t k = begin; k < end; ++k) sum += rk[k] * factor[k] * angular[k];
            sums_[m] += p.gaussian[g * stride + j] * sum;
        }
    }

    if (Adjoint) {
        for (std::size_t k = 0; k < numPairs; ++k) {
            double* target = gradient + 3 * static_cast<std::size_t>(p.neighbor[k]);
            target[0] += p.gradientX[k];
            target[1] += p.gradientY[k];
            target[2] += p.gradientZ[k];
        }
    } else {
        for (std::size_t m = 0; m < numMembers; ++m) G[group.members[m].function] += sums_[m];
    }
}

// Compact angular types (21, 22, 24, 25): the members of a group share the
// radial functions and differ in their angular ranges.
template <bool Adjoint>
void DescriptorCalculator::runCompactAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors,
                                             double* G, const double* dEdG, double* gradient) {
    const PairArrays& p = pairs_;
    const std::size_t numPairs = p.size();
    const bool samePart = group.neighbor1 == group.neighbor2;
    const std::size_t split = firstOfSecondElement_;
    const std::size_t endFirst = samePart ? numPairs : split;
    for (std::size_t a = 0; a < endFirst; ++a) {
        const DescriptorNeighbor& nj = neighbors[p.neighbor[a]];
        for (std::size_t b = samePart ? a + 1 : split; b < numPairs; ++b) {
            const DescriptorNeighbor& nk = neighbors[p.neighbor[b]];
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
            const double weight = p.weight[a] * p.weight[b];
            const double radialJ = p.radial[a], radialK = p.radial[b];
            const double radial = weight * radialJ * radialK * fjk;
            double sij = 0.0, sik = 0.0, sjk = 0.0, scos = 0.0;
            for (const Member& m : group.members) {
                double angular, dAngular;
                formula::compactFunction(m.angle, theta, angular, dAngular);
                if (!Adjoint) {
                    G[m.function] += radial * angular;
                    continue;
                }
                const double u = dEdG[m.function] * weight * angular;
                sij += u * p.radialDerivative[a] * radialK * fjk;
                sik += u * radialJ * p.radialDerivative[b] * fjk;
                sjk += u * radialJ * radialK * dfjk;
                scos += dEdG[m.function] * radial * dAngular * dThetaDCos;
            }
            if (Adjoint) {
                scatterTriplet(nj, nk, djk, group.wide ? 0.0 : rjk, cosine, sij, sik, sjk, scos,
                               gradient + 3 * p.neighbor[a], gradient + 3 * p.neighbor[b]);
            }
        }
    }
}

}  // namespace bpnn

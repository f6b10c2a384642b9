// SPDX-License-Identifier: GPL-2.0-or-later
#include "descriptors.h"

#include <math.h>

#include <algorithm>
#include <array>
#include <cstring>
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

// Builds for the x86-64 baseline (SSE2, two doubles per vector) compile the
// pair and triplet loops three times: also for x86-64-v3 (AVX2 and FMA) and
// x86-64-v4 (AVX-512). The dynamic loader picks the version the CPU runs
// (GCC's target_clones, an ELF ifunc). Builds for a newer target
// (-DBPNN_NATIVE=ON on such a CPU) compile them once.
// NOTE: Clang 14 rejects target_clones on templates and on member functions
// used before their definition, so Clang builds get the baseline version
// only (75 against 44 us/atom for energy and forces on the water box);
// -DBPNN_NATIVE=ON gives them the CPU's vectors.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__) && defined(__ELF__) && \
    !defined(__AVX2__)
#define BPNN_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define BPNN_HAS_SIMD_CLONES 1
#else
#define BPNN_SIMD_CLONES
#define BPNN_HAS_SIMD_CLONES 0
#endif

// Pair arrays and triplet blocks end with this many padding entries, the
// doubles in one SIMD vector of the target (of its widest version in builds
// with clones), so that loops over them need no remainder loop.
#if defined(__AVX512F__) || BPNN_HAS_SIMD_CLONES
constexpr std::size_t kVectorPadding = 8;
#elif defined(__AVX__)
constexpr std::size_t kVectorPadding = 4;
#else
constexpr std::size_t kVectorPadding = 2;
#endif

std::size_t roundUpToVector(std::size_t count) {
    return (count + kVectorPadding - 1) / kVectorPadding * kVectorPadding;
}

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

// Largest n for which exp(-n eta S) is computed as exp(-eta S)^n.
constexpr int kMaxGaussianPower = 32;

// Sets the shift index and the power plan of every Gaussian of an angular
// group.
template <class Group>
void planTripletGaussians(Group& group) {
    const auto& set = group.gaussians;
    const std::vector<GaussianPower> powers = planGaussianPowers(set.etas, set.shifts);
    group.tripletGaussians.assign(set.size(), {});
    for (std::size_t g = 0; g < set.size(); ++g) {
        auto& plan = group.tripletGaussians[g];
        auto shift = std::find(group.shifts.begin(), group.shifts.end(), set.shifts[g]);
        if (shift == group.shifts.end()) shift = group.shifts.insert(group.shifts.end(), set.shifts[g]);
        plan.shift = static_cast<int>(shift - group.shifts.begin());
        plan.base = powers[g].base;
        plan.power = powers[g].power;
    }
}

}  // namespace

// The ratio of the etas must be an integer within 1e-14 relative. Then
// exp(-eta_2 S) and exp(-eta_1 S)^n differ by a factor
// exp(-(eta_2 - n eta_1) S), which stays within 1e-11 of 1 wherever the
// Gaussian is above the underflow limit of exp. Bases are taken in order
// of increasing eta, and only Gaussians computed by exp are bases.
std::vector<GaussianPower> planGaussianPowers(const std::vector<double>& etas, const std::vector<double>& shifts) {
    std::vector<GaussianPower> plan(etas.size());
    std::vector<std::size_t> order(etas.size());
    for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return etas[a] < etas[b]; });
    for (std::size_t g : order) {
        for (std::size_t b : order) {
            if (b == g) break;
            if (plan[b].base >= 0 || shifts[b] != shifts[g] || etas[b] <= 0.0) continue;
            const double ratio = etas[g] / etas[b];
            const double power = floor(ratio + 0.5);
            if (power >= 2.0 && power <= kMaxGaussianPower && fabs(ratio - power) <= 1e-14 * power) {
                plan[g].base = static_cast<int>(b);
                plan[g].power = static_cast<int>(power);
                break;
            }
        }
    }
    return plan;
}

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
    // Groups with the same r_c share the cutoff function values of an atom.
    auto cutoffIndex = [this](const formula::CutoffParams& cutoff) {
        for (std::size_t i = 0; i < cutoffs_.size(); ++i) {
            if (cutoffs_[i].rc == cutoff.rc) return i;
        }
        cutoffs_.push_back(cutoff);
        return cutoffs_.size() - 1;
    };
    for (RadialGroup& group : radialGroups_) group.cutoffIndex = cutoffIndex(group.cutoff);
    for (AngularGroup& group : angularGroups_) group.cutoffIndex = cutoffIndex(group.cutoff);
    neighborCutoffs_.resize(cutoffs_.size());
    for (std::size_t g = 0; g < radialGroups_.size(); ++g) radialGroups_[g].index = g;
    radial_.resize(radialGroups_.size());
    for (std::size_t g = 0; g < angularGroups_.size(); ++g) {
        angularGroups_[g].index = g;
        planTripletGaussians(angularGroups_[g]);
    }
    pairs_.resize(angularGroups_.size());
    blocks_.resize(angularGroups_.size());
}

int DescriptorCalculator::GaussianSet::index(double eta, double rs) {
    for (std::size_t g = 0; g < etas.size(); ++g) {
        if (etas[g] == eta && shifts[g] == rs) return static_cast<int>(g);
    }
    etas.push_back(eta);
    shifts.push_back(rs);
    return static_cast<int>(etas.size()) - 1;
}

void DescriptorCalculator::compute(const DescriptorNeighbor* neighbors, std::size_t count, double* G, bool keep) {
    std::fill(G, G + numFunctions_, 0.0);
    kept_ = false;
    partnersUsed_ = 0;
    dataUsed_ = 0;
    computeNeighborCutoffs(neighbors, count);
    for (const RadialGroup& group : radialGroups_) computeRadial(group, neighbors, count, G);
    for (const AngularGroup& group : angularGroups_) {
        collectPairs(group, neighbors, count);
        if (group.compact) {
            runCompactAngular<false>(group, neighbors, G, nullptr, nullptr);
        } else {
            computeGaussianAngular(group, G, keep);
        }
    }
    if (!keep) return;
    kept_ = true;
    keptNeighbors_ = neighbors;
    keptCount_ = count;
    if (count > 0) {
        keptFirst_ = neighbors[0];
        keptLast_ = neighbors[count - 1];
    }
}

namespace {

bool sameNeighbor(const DescriptorNeighbor& a, const DescriptorNeighbor& b) {
    return a.index == b.index && a.element == b.element && a.r == b.r && a.d[0] == b.d[0] && a.d[1] == b.d[1] &&
           a.d[2] == b.d[2];
}

}  // namespace

// True if the last compute() kept its factors for these neighbors. The
// first and last neighbor are compared too, because a caller may reuse one
// buffer for the neighbors of another atom.
bool DescriptorCalculator::isKept(const DescriptorNeighbor* neighbors, std::size_t count) const {
    if (!kept_ || neighbors != keptNeighbors_ || count != keptCount_) return false;
    return count == 0 || (sameNeighbor(neighbors[0], keptFirst_) && sameNeighbor(neighbors[count - 1], keptLast_));
}

void DescriptorCalculator::backpropagate(const DescriptorNeighbor* neighbors, std::size_t count,
                                         const double* dEdG, double* gradient) {
    if (!isKept(neighbors, count)) {
        recomputed_.resize(numFunctions_);
        compute(neighbors, count, recomputed_.data(), true);
    }
    for (const RadialGroup& group : radialGroups_) backpropagateRadial(group, neighbors, dEdG, gradient);
    for (const AngularGroup& group : angularGroups_) {
        if (group.compact) {
            runCompactAngular<true>(group, neighbors, nullptr, dEdG, gradient);
        } else {
            backpropagateGaussianAngular(group, dEdG, gradient);
        }
    }
}

namespace {

// f_c(r) and df_c/dr for count distances, in a loop that vectorizes for the
// tanh cutoffs.
BPNN_SIMD_CLONES void computeCutoffs(const formula::CutoffParams& params, const double* r, std::size_t count,
                                     double* fc, double* dfc) {
    if (formula::isTanhCutoff(params.type)) {
#pragma omp simd
        for (std::size_t n = 0; n < count; ++n) formula::tanhCutoff(params, r[n], fc[n], dfc[n]);
        return;
    }
    for (std::size_t n = 0; n < count; ++n) formula::cutoffFunction(params, r[n], fc[n], dfc[n]);
}

}  // namespace

// Fills r, 1 / r and, for every distinct cutoff of the groups, f_c(r) and
// its derivative for all neighbors of an atom, so that groups sharing a
// cutoff compute it once.
void DescriptorCalculator::computeNeighborCutoffs(const DescriptorNeighbor* neighbors, std::size_t count) {
    neighborR_.resize(count);
    neighborInverseR_.resize(count);
    for (std::size_t n = 0; n < count; ++n) {
        neighborR_[n] = neighbors[n].r;
        neighborInverseR_[n] = 1.0 / neighbors[n].r;
    }
    for (std::size_t i = 0; i < cutoffs_.size(); ++i) {
        NeighborCutoffs& table = neighborCutoffs_[i];
        table.value.resize(count);
        table.derivative.resize(count);
        computeCutoffs(cutoffs_[i], neighborR_.data(), count, table.value.data(), table.derivative.data());
    }
}

// Radial types (2, 12, 20, 23). The neighbors in range are collected first,
// so that the loop over them for each Gaussian member vectorizes. The
// Gaussians stay in the group's RadialArrays for backpropagateRadial().
BPNN_SIMD_CLONES
void DescriptorCalculator::computeRadial(const RadialGroup& group, const DescriptorNeighbor* neighbors,
                                         std::size_t count, double* G) {
    RadialArrays& a = radial_[group.index];
    if (a.neighbor.size() < count) {
        a.neighbor.resize(count);
        a.r.resize(count);
        a.weight.resize(count);
    }
    std::size_t size = 0;
    for (std::size_t n = 0; n < count; ++n) {
        const DescriptorNeighbor& nb = neighbors[n];
        if (nb.r >= group.rc || (group.neighbor >= 0 && nb.element != group.neighbor)) continue;
        a.neighbor[size] = static_cast<int>(n);
        a.r[size] = nb.r;
        a.weight[size] = group.neighbor < 0 ? atomicNumbers_[static_cast<std::size_t>(nb.element)] : 1.0;
        ++size;
    }
    a.size = size;
    if (size == 0) return;
    a.cutoff.resize(size);
    a.cutoffDerivative.resize(size);
    a.gaussian.resize(group.members.size() * size);
    const NeighborCutoffs& table = neighborCutoffs_[group.cutoffIndex];
    for (std::size_t n = 0; n < size; ++n) {
        a.cutoff[n] = table.value[static_cast<std::size_t>(a.neighbor[n])];
        a.cutoffDerivative[n] = table.derivative[static_cast<std::size_t>(a.neighbor[n])];
    }
    const double* r = a.r.data();
    const double* weight = a.weight.data();
    const double* fc = a.cutoff.data();

    for (std::size_t i = 0; i < group.members.size(); ++i) {
        const Member& m = group.members[i];
        double sum = 0.0;
        if (m.compact) {
            for (std::size_t n = 0; n < size; ++n) {
                if (r[n] <= m.rl) continue;
                double value, derivative;
                formula::compactFunction(m.radial, r[n], value, derivative);
                sum += weight[n] * value;
            }
            G[m.function] += sum;
            continue;
        }
        const double eta = group.gaussians.etas[static_cast<std::size_t>(m.gaussian)];
        const double rs = group.gaussians.shifts[static_cast<std::size_t>(m.gaussian)];
        double* gaussian = a.gaussian.data() + i * size;
#pragma omp simd reduction(+ : sum)
        for (std::size_t n = 0; n < size; ++n) {
            const double shifted = r[n] - rs;
            gaussian[n] = formula::vectorExp(-eta * shifted * shifted);
            sum += weight[n] * fc[n] * gaussian[n];
        }
        G[m.function] += sum;
    }
}

// The adjoint of computeRadial() for the same neighbors, from the arrays it
// kept.
BPNN_SIMD_CLONES
void DescriptorCalculator::backpropagateRadial(const RadialGroup& group, const DescriptorNeighbor* neighbors,
                                               const double* dEdG, double* gradient) {
    RadialArrays& a = radial_[group.index];
    const std::size_t size = a.size;
    if (size == 0) return;
    a.slope.assign(size, 0.0);
    const double* r = a.r.data();
    const double* weight = a.weight.data();
    const double* fc = a.cutoff.data();
    const double* dfc = a.cutoffDerivative.data();
    double* slope = a.slope.data();  // dE/dr by neighbor
    for (std::size_t i = 0; i < group.members.size(); ++i) {
        const Member& m = group.members[i];
        const double u = dEdG[m.function];
        if (u == 0.0) continue;
        if (m.compact) {
            for (std::size_t n = 0; n < size; ++n) {
                if (r[n] <= m.rl) continue;
                double value, derivative;
                formula::compactFunction(m.radial, r[n], value, derivative);
                slope[n] += u * weight[n] * derivative;
            }
            continue;
        }
        const double eta = group.gaussians.etas[static_cast<std::size_t>(m.gaussian)];
        const double rs = group.gaussians.shifts[static_cast<std::size_t>(m.gaussian)];
        const double* gaussian = a.gaussian.data() + i * size;
#pragma omp simd
        for (std::size_t n = 0; n < size; ++n) {
            const double shifted = r[n] - rs;
            slope[n] += u * weight[n] * (dfc[n] - 2.0 * eta * shifted * fc[n]) * gaussian[n];
        }
    }
    for (std::size_t n = 0; n < size; ++n) {
        const DescriptorNeighbor& nb = neighbors[a.neighbor[n]];
        const double scale = slope[n] / nb.r;
        double* target = gradient + 3 * static_cast<std::size_t>(a.neighbor[n]);
        for (int c = 0; c < 3; ++c) target[c] += scale * nb.d[c];
    }
}

void DescriptorCalculator::collectPairs(const AngularGroup& group, const DescriptorNeighbor* neighbors,
                                        std::size_t count) {
    PairArrays& p = pairs_[group.index];
    p.neighbor.clear();
    p.weight.clear();
    // Pairs of the first neighbor element come first, then those of the
    // second, so that mixed triplets take one partner from each part.
    for (int pass = 0; pass < 2; ++pass) {
        const int element = pass == 0 ? group.neighbor1 : group.neighbor2;
        if (pass == 1) {
            p.split = p.neighbor.size();
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
    const NeighborCutoffs& table = neighborCutoffs_[group.cutoffIndex];
    for (std::size_t k = 0; k < numPairs; ++k) {
        const std::size_t n = static_cast<std::size_t>(p.neighbor[k]);
        const DescriptorNeighbor& nb = neighbors[n];
        p.x[k] = nb.d[0];
        p.y[k] = nb.d[1];
        p.z[k] = nb.d[2];
        p.r[k] = nb.r;
        p.inverseR[k] = neighborInverseR_[n];
        if (group.compact) {
            formula::compactFunction(group.radial, nb.r, p.radial[k], p.radialDerivative[k]);
        } else {
            p.radial[k] = table.value[n];
            p.radialDerivative[k] = table.derivative[n];
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

    const std::size_t stride = p.stride;
    p.scaled.resize(stride);
    p.scaledDerivative.resize(stride);
    for (std::size_t k = 0; k < stride; ++k) {
        const double weight = k < numPairs ? p.weight[k] : 0.0;
        p.scaled[k] = weight * p.radial[k];
        p.scaledDerivative[k] = weight * p.radialDerivative[k];
    }
    p.shiftedSquare.resize(group.shifts.size() * stride);
    for (std::size_t s = 0; s < group.shifts.size(); ++s) {
        const double rs = group.shifts[s];
        double* square = p.shiftedSquare.data() + s * stride;
        for (std::size_t k = 0; k < stride; ++k) square[k] = (p.r[k] - rs) * (p.r[k] - rs);
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

template <int N>
BPNN_INLINE double integerPower(double x) {
    if constexpr (N == 0) {
        return 1.0;
    } else if constexpr (N % 2 == 0) {
        const double half = integerPower<N / 2>(x);
        return half * half;
    } else {
        return x * integerPower<N - 1>(x);
    }
}

// out = base^N, where base = exp(-eta_base S) and eta = N eta_base. Where
// eta S lies beyond the underflow limit of formula::vectorExp the result is
// 0, as vectorExp(-eta S) would give.
template <int N>
BPNN_SIMD_CLONES void raiseGaussian(const double* base, const double* sum, double eta, std::size_t count, double* out) {
#pragma omp simd
    for (std::size_t n = 0; n < count; ++n) out[n] = eta * sum[n] > 707.0 ? 0.0 : integerPower<N>(base[n]);
}

using RaiseFunction = void (*)(const double*, const double*, double, std::size_t, double*);

template <std::size_t... N>
constexpr std::array<RaiseFunction, sizeof...(N)> makeRaiseTable(std::index_sequence<N...>) {
    return {&raiseGaussian<static_cast<int>(N)>...};
}

constexpr std::array<RaiseFunction, kMaxGaussianPower + 1> kRaiseGaussian =
    makeRaiseTable(std::make_index_sequence<kMaxGaussianPower + 1>{});

}  // namespace

namespace {

// For each 8-bit mask, the positions of its set bits in increasing order
// (then zeros) and their number: one row writes the selected members of a
// group of 8 candidates at once.
struct SelectionTable {
    std::uint8_t position[256][8] = {};
    std::uint8_t count[256] = {};

    constexpr SelectionTable() {
        for (int mask = 0; mask < 256; ++mask) {
            int n = 0;
            for (int bit = 0; bit < 8; ++bit) {
                if (mask & (1 << bit)) position[mask][n++] = static_cast<std::uint8_t>(bit);
            }
            count[mask] = static_cast<std::uint8_t>(n);
        }
    }
};

constexpr SelectionTable kSelection;

// The 8-bit mask whose bit i is byte i (0 or 1) of `bytes`. On little-endian
// CPUs one multiplication moves the 8 low bits into the top byte.
inline unsigned byteMask(const std::uint8_t* bytes) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    std::uint64_t word;
    std::memcpy(&word, bytes, sizeof word);
    return static_cast<unsigned>((word * 0x0102040810204080ull) >> 56);
#else
    unsigned mask = 0;
    for (unsigned bit = 0; bit < 8; ++bit) mask |= static_cast<unsigned>(bytes[bit]) << bit;
    return mask;
#endif
}

}  // namespace

// Writes to `partner` the pairs k >= begin that form a triplet with pair j
// within the cutoff (r_jk < r_c; every k for wide groups) and returns their
// number. Skipping the partners beyond r_c, about half of them, saves their
// exps in every later loop. `partner` must have room for end - begin + 8
// entries.
BPNN_SIMD_CLONES
std::size_t DescriptorCalculator::selectPartners(const AngularGroup& group, std::size_t j, std::size_t begin,
                                                 PairIndex* partner) {
    const PairArrays& p = pairs_[group.index];
    const std::size_t end = p.size();
    std::size_t count = 0;
    if (group.wide) {
        for (std::size_t k = begin; k < end; ++k) partner[count++] = static_cast<PairIndex>(k);
    } else {
        const double xj = p.x[j], yj = p.y[j], zj = p.z[j];
        const double limit = group.rc * group.rc;
        // One byte per candidate, 1 if inside, with 8 spare bytes so that
        // the last group of 8 can be read whole.
        inside_.resize(p.stride + 8);
        std::uint8_t* inside = inside_.data();
        const double* x = p.x.data();
        const double* y = p.y.data();
        const double* z = p.z.data();
#pragma omp simd
        for (std::size_t k = begin; k < end; ++k) {
            const double dx = x[k] - xj, dy = y[k] - yj, dz = z[k] - zj;
            inside[k] = dx * dx + dy * dy + dz * dz < limit ? 1 : 0;
        }
        std::fill(inside + end, inside + end + 8, std::uint8_t{0});
        // Groups of 8 candidates: all 8 slots of partner are written, and the
        // count advances by the number inside.
        for (std::size_t k = begin; k < end; k += 8) {
            const unsigned mask = byteMask(inside + k);
            const std::uint8_t* position = kSelection.position[mask];
            for (int slot = 0; slot < 8; ++slot) partner[count + slot] = static_cast<PairIndex>(k + position[slot]);
            count += kSelection.count[mask];
        }
    }
    return count;
}

DescriptorCalculator::TripletView DescriptorCalculator::view(const AngularGroup& group, const TripletBlock& block) {
    TripletView t;
    const std::size_t count = block.stride;
    t.count = block.count;
    t.stride = block.stride;
    t.partner = partners_.data() + block.partnerOffset;
    double* data = tripletData_.data() + block.dataOffset;
    for (double** field : {&t.rjk, &t.cosine, &t.cutoff, &t.cutoffDerivative, &t.weight}) {
        *field = data;
        data += count;
    }
    t.sum = data;
    data += group.shifts.size() * count;
    t.gaussian = data;
    data += group.gaussians.size() * count;
    t.angular = data;
    data += group.powers.size() * count;
    t.angularSlope = data;
    data += group.powers.size() * count;
    if (block.kept) {
        for (double** field : {&t.partnerX, &t.partnerY, &t.partnerZ, &t.partnerR, &t.partnerInverseR,
                               &t.partnerScaled, &t.partnerScaledDerivative}) {
            *field = data;
            data += count;
        }
    }
    return t;
}

// Fills, for the triplets of one row, cos theta_ijk, r_jk^2 (in the r_jk
// array), R_j R_k (in the weight array) and the pair parts of the sums S by
// shift: the parts that need the row's j. finishTripletGeometry() completes
// them in one loop over the whole block. The loops run on to a multiple of
// kVectorPadding, into the entries of the next rows, which are written
// again when their row comes.
BPNN_SIMD_CLONES
void DescriptorCalculator::computeTripletGeometry(const AngularGroup& group, const TripletRow& row,
                                                  const TripletView& t) {
    const PairArrays& p = pairs_[group.index];
    const std::size_t j = row.j, start = row.start, count = roundUpToVector(row.count);
    const PairIndex* partner = t.partner + start;
    const double xj = p.x[j], yj = p.y[j], zj = p.z[j], inverseRj = p.inverseR[j], scaledJ = p.scaled[j];
    const double* x = p.x.data();
    const double* y = p.y.data();
    const double* z = p.z.data();
    const double* inverseR = p.inverseR.data();
    const double* scaled = p.scaled.data();

    // Each loop runs in tiles of one vector, because the compiler cannot
    // know that count is a multiple of the vector width.
    // Kept blocks first copy the partners' pair data for the adjoint pass,
    // and the geometry loop then reads the copies in order.
    if (t.partnerX) {
        const double* r = p.r.data();
        const double* scaledDerivative = p.scaledDerivative.data();
        double* partnerX = t.partnerX + start;
        double* partnerY = t.partnerY + start;
        double* partnerZ = t.partnerZ + start;
        double* partnerR = t.partnerR + start;
        double* partnerInverseR = t.partnerInverseR + start;
        double* partnerScaled = t.partnerScaled + start;
        double* partnerScaledDerivative = t.partnerScaledDerivative + start;
        for (std::size_t first = 0; first < count; first += kVectorPadding) {
#pragma omp simd
            for (std::size_t n = first; n < first + kVectorPadding; ++n) {
                const PairIndex k = partner[n];
                partnerX[n] = x[k];
                partnerY[n] = y[k];
                partnerZ[n] = z[k];
                partnerR[n] = r[k];
                partnerInverseR[n] = inverseR[k];
                partnerScaled[n] = scaled[k];
                partnerScaledDerivative[n] = scaledDerivative[k];
            }
        }
    }

    // partnerIndex(n) is where entry n of the row finds its partner's data:
    // the copies above, or the pair arrays through `partner`.
    double* squaredDistance = t.rjk + start;
    double* cosine = t.cosine + start;
    double* weight = t.weight + start;
    auto fillGeometry = [&](const double* px, const double* py, const double* pz, const double* pInverseR,
                            const double* pScaled, auto partnerIndex) {
        for (std::size_t first = 0; first < count; first += kVectorPadding) {
#pragma omp simd
            for (std::size_t n = first; n < first + kVectorPadding; ++n) {
                const auto k = partnerIndex(n);
                const double dx = px[k] - xj, dy = py[k] - yj, dz = pz[k] - zj;
                squaredDistance[n] = dx * dx + dy * dy + dz * dz;
                cosine[n] = (xj * px[k] + yj * py[k] + zj * pz[k]) * inverseRj * pInverseR[k];
                weight[n] = scaledJ * pScaled[k];
            }
        }
    };
    if (t.partnerX) {
        fillGeometry(t.partnerX + start, t.partnerY + start, t.partnerZ + start, t.partnerInverseR + start,
                     t.partnerScaled + start, [](std::size_t n) { return n; });
    } else {
        fillGeometry(x, y, z, inverseR, scaled, [partner](std::size_t n) { return partner[n]; });
    }

    for (std::size_t s = 0; s < group.shifts.size(); ++s) {
        const double* square = p.shiftedSquare.data() + s * p.stride;
        const double squareJ = square[j];
        double* sum = t.sum + s * t.stride + start;
        for (std::size_t first = 0; first < count; first += kVectorPadding) {
#pragma omp simd
            for (std::size_t n = first; n < first + kVectorPadding; ++n) sum[n] = squareJ + square[partner[n]];
        }
    }
}

// Completes the geometry of all triplets of a block: r_jk, f_c(r_jk) with
// its derivative, the weight R_j R_k f_c(r_jk) and the r_jk terms of the
// sums S. Wide groups (type 9) have no r_jk terms, so their cutoff factor
// is 1.
BPNN_SIMD_CLONES
void DescriptorCalculator::finishTripletGeometry(const AngularGroup& group, const TripletView& t) {
    const std::size_t count = t.count;
    double* rjk = t.rjk;
    double* cutoff = t.cutoff;
    double* cutoffDerivative = t.cutoffDerivative;
    double* weight = t.weight;
#pragma omp simd
    for (std::size_t n = 0; n < count; ++n) rjk[n] = sqrt(rjk[n]);
    if (group.wide) {
        std::fill(cutoff, cutoff + count, 1.0);
        std::fill(cutoffDerivative, cutoffDerivative + count, 0.0);
        return;
    }
    if (formula::isTanhCutoff(group.cutoff.type)) {
        const formula::CutoffParams params = group.cutoff;
#pragma omp simd
        for (std::size_t n = 0; n < count; ++n) {
            formula::tanhCutoff(params, rjk[n], cutoff[n], cutoffDerivative[n]);
            weight[n] *= cutoff[n];
        }
    } else {
        for (std::size_t n = 0; n < count; ++n) {
            formula::cutoffFunction(group.cutoff, rjk[n], cutoff[n], cutoffDerivative[n]);
            weight[n] *= cutoff[n];
        }
    }
    for (std::size_t s = 0; s < group.shifts.size(); ++s) {
        const double rs = group.shifts[s];
        double* sum = t.sum + s * t.stride;
#pragma omp simd
        for (std::size_t n = 0; n < count; ++n) {
            const double shifted = rjk[n] - rs;
            sum[n] += shifted * shifted;
        }
    }
}

namespace {

// Fills the angular factor 2^(1 - zeta) (1 + lambda cos)^zeta and its
// derivative by cos for a constant integer zeta, with the factor zero where
// 1 + lambda cos is not positive, as formula::angularPower computes it.
template <int Zeta, class Power>
void computeAngularFactors(const Power& power, const double* cosine, std::size_t count, double* angular,
                           double* slope) {
    const double lambda = power.lambda;
    const double norm = power.norm;
    const double slopeScale = norm * Zeta * lambda;
#pragma omp simd
    for (std::size_t n = 0; n < count; ++n) {
        const double base = 1.0 + lambda * cosine[n];
        double lower = 1.0;  // base^(zeta - 1)
        for (int i = 1; i < Zeta; ++i) lower *= base;
        const bool positive = base > 0.0;
        angular[n] = positive ? norm * lower * base : 0.0;
        slope[n] = positive ? slopeScale * lower : 0.0;
    }
}

}  // namespace

// Fills the Gaussians exp(-eta S) of the selected triplets by Gaussian, and
// the angular factors with their derivatives by cos by (lambda, zeta).
BPNN_SIMD_CLONES
void DescriptorCalculator::computeTripletFactors(const AngularGroup& group, const TripletView& t) {
    const std::size_t count = t.count;
    const std::size_t numGaussians = group.gaussians.size();
    for (int pass = 0; pass < 2; ++pass) {  // exps first, then their powers
        for (std::size_t g = 0; g < numGaussians; ++g) {
            const TripletGaussian& plan = group.tripletGaussians[g];
            if ((plan.base < 0) != (pass == 0)) continue;
            const double eta = group.gaussians.etas[g];
            const double* sum = t.sum + static_cast<std::size_t>(plan.shift) * t.stride;
            double* gaussian = t.gaussian + g * t.stride;
            if (plan.base >= 0) {
                const double* base = t.gaussian + static_cast<std::size_t>(plan.base) * t.stride;
                kRaiseGaussian[static_cast<std::size_t>(plan.power)](base, sum, eta, count, gaussian);
                continue;
            }
#pragma omp simd
            for (std::size_t n = 0; n < count; ++n) gaussian[n] = formula::vectorExp(-eta * sum[n]);
        }
    }

    const double* cosine = t.cosine;
    for (std::size_t q = 0; q < group.powers.size(); ++q) {
        const AngularPower& power = group.powers[q];
        double* angular = t.angular + q * t.stride;
        double* slope = t.angularSlope + q * t.stride;
        // The zetas of common potentials get a loop with a constant exponent,
        // which vectorizes. Other zetas take the scalar formula.
        switch (power.zetaInteger) {
            case 1: computeAngularFactors<1>(power, cosine, count, angular, slope); break;
            case 2: computeAngularFactors<2>(power, cosine, count, angular, slope); break;
            case 3: computeAngularFactors<3>(power, cosine, count, angular, slope); break;
            case 4: computeAngularFactors<4>(power, cosine, count, angular, slope); break;
            case 8: computeAngularFactors<8>(power, cosine, count, angular, slope); break;
            case 16: computeAngularFactors<16>(power, cosine, count, angular, slope); break;
            default:
                for (std::size_t n = 0; n < count; ++n) {
                    formula::angularPower(power.lambda, power.zeta, power.zetaInteger, cosine[n], angular[n],
                                          slope[n]);
                    angular[n] *= power.norm;
                    slope[n] *= power.norm;
                }
        }
    }
}

// Contracts the Gaussians and angular factors of the triplets of a block
// with dE/dG (the terms of adjointTerms_) into the sums of AdjointScratch.
// The block is processed in tiles of one vector of triplets (its count is a
// multiple of kVectorPadding): the loops over the lanes of a tile vectorize,
// and the tile's sums stay in registers across the terms.
BPNN_SIMD_CLONES
void DescriptorCalculator::accumulateTripletSlopes(const TripletView& t) {
    constexpr std::size_t kTile = kVectorPadding;
    const std::size_t stride = t.stride;
    const AdjointTerm* terms = adjointTerms_.data();
    const std::size_t numTerms = adjointTerms_.size();
    AdjointScratch& scratch = adjoint_;
    for (std::size_t first = 0; first < t.count; first += kTile) {
        double value[kTile] = {}, radialSlope[kTile] = {}, shiftSlope[kTile] = {}, cosineSlope[kTile] = {};
        for (std::size_t i = 0; i < numTerms; ++i) {
            const AdjointTerm& term = terms[i];
            const double* e = t.gaussian + term.gaussian * stride + first;
            const double* a = t.angular + term.power * stride + first;
            const double* slope = t.angularSlope + term.power * stride + first;
#pragma omp simd
            for (std::size_t lane = 0; lane < kTile; ++lane) {
                const double weighted = term.weight * e[lane];
                const double contribution = weighted * a[lane];
                value[lane] += contribution;
                radialSlope[lane] += term.radialScale * contribution;
                shiftSlope[lane] += term.shiftScale * contribution;
                cosineSlope[lane] += weighted * slope[lane];
            }
        }
        for (std::size_t lane = 0; lane < kTile; ++lane) {
            scratch.value[first + lane] = value[lane];
            scratch.radialSlope[first + lane] = radialSlope[lane];
            scratch.shiftSlope[first + lane] = shiftSlope[lane];
            scratch.cosineSlope[first + lane] = cosineSlope[lane];
        }
    }
}

// Turns the sums of AdjointScratch for the triplets of one row into
// dE/dr_ij, dE/dr_ik, dE/dr_jk and dE/dcos, then by the chain rule of
// scatterTriplet into gradients by the displacements d_ij and d_ik, added to
// the pair gradients. With the Gaussian exp(-eta S), dS/dr = 2 (r - r_s), so
// for example
//   dE/dr_ij = R_k f_jk (R'_j value + R_j (r_ij radialSlope - shiftSlope)).
BPNN_SIMD_CLONES
void DescriptorCalculator::scatterTripletSlopes(const AngularGroup& group, const TripletRow& row,
                                                const TripletView& t) {
    PairArrays& p = pairs_[group.index];
    const std::size_t j = row.j, start = row.start, count = row.count;
    // As in computeTripletGeometry(), the vector loop runs on into the next
    // row. Those lanes add nothing to the gradient of j, and the loop that
    // adds the partners' gradients stops at count.
    const std::size_t extent = roundUpToVector(count);
    const double* value = adjoint_.value.data() + start;
    const double* radialSlope = adjoint_.radialSlope.data() + start;
    const double* shiftSlope = adjoint_.shiftSlope.data() + start;
    const double* cosineSlope = adjoint_.cosineSlope.data() + start;
    const double* rjkRow = t.rjk + start;
    const double* cosineRow = t.cosine + start;
    const double* cutoff = t.cutoff + start;
    const double* cutoffDerivative = t.cutoffDerivative + start;
    const double* weight = t.weight + start;
    const double xj = p.x[j], yj = p.y[j], zj = p.z[j], inverseRj = p.inverseR[j], rj = p.r[j];
    const double scaledJ = p.scaled[j], scaledDerivativeJ = p.scaledDerivative[j];
    const double jkScale = group.wide ? 0.0 : 1.0;
    const double* x = t.partnerX + start;
    const double* y = t.partnerY + start;
    const double* z = t.partnerZ + start;
    const double* r = t.partnerR + start;
    const double* inverseR = t.partnerInverseR + start;
    const double* scaled = t.partnerScaled + start;
    const double* scaledDerivative = t.partnerScaledDerivative + start;
    double* partnerGradientX = adjoint_.partnerGradientX.data();
    double* partnerGradientY = adjoint_.partnerGradientY.data();
    double* partnerGradientZ = adjoint_.partnerGradientZ.data();
    double gx = 0.0, gy = 0.0, gz = 0.0;
    // Tiles of one vector: the compiler cannot know that extent is a
    // multiple of the vector width, and its remainder code ran scalar.
    for (std::size_t first = 0; first < extent; first += kVectorPadding) {
#pragma omp simd reduction(+ : gx, gy, gz)
        for (std::size_t n = first; n < first + kVectorPadding; ++n) {
            const bool active = n < count;
            const double xk = x[n], yk = y[n], zk = z[n], inverseRk = inverseR[n], rk = r[n];
            const double scaledK = scaled[n];
            const double v = value[n], radial = radialSlope[n], shift = shiftSlope[n];
            const double fjk = cutoff[n], rjk = rjkRow[n], cosine = cosineRow[n];
            const double sij = scaledK * fjk * (scaledDerivativeJ * v + scaledJ * (rj * radial - shift));
            const double sik = scaledJ * fjk * (scaledDerivative[n] * v + scaledK * (rk * radial - shift));
            const double sjk = jkScale * scaledJ * scaledK * (cutoffDerivative[n] * v + fjk * (rjk * radial - shift));
            const double scos = weight[n] * cosineSlope[n];
            const double cj = (sij - scos * cosine * inverseRj) * inverseRj;
            const double ck = (sik - scos * cosine * inverseRk) * inverseRk;
            const double cjk = rjk > 0.0 ? sjk / rjk : 0.0;
            const double cross = scos * inverseRj * inverseRk;
            const double dx = xk - xj, dy = yk - yj, dz = zk - zj;
            gx += active ? cj * xj + cross * xk - cjk * dx : 0.0;
            gy += active ? cj * yj + cross * yk - cjk * dy : 0.0;
            gz += active ? cj * zj + cross * zk - cjk * dz : 0.0;
            partnerGradientX[n] = ck * xk + cross * xj + cjk * dx;
            partnerGradientY[n] = ck * yk + cross * yj + cjk * dy;
            partnerGradientZ[n] = ck * zk + cross * zj + cjk * dz;
        }
    }
    // A separate scalar loop adds the gradients of the partners: an indexed
    // update in the loop above keeps it from vectorizing without scatter
    // instructions, and emulated scatters cost more.
    const PairIndex* partner = t.partner + start;
    double* gradientX = p.gradientX.data();
    double* gradientY = p.gradientY.data();
    double* gradientZ = p.gradientZ.data();
    for (std::size_t n = 0; n < count; ++n) {
        const PairIndex k = partner[n];
        gradientX[k] += partnerGradientX[n];
        gradientY[k] += partnerGradientY[n];
        gradientZ[k] += partnerGradientZ[n];
    }
    gradientX[j] += gx;
    gradientY[j] += gy;
    gradientZ[j] += gz;
}

// Exponential angular types (3, 9, 13). Per triplet the value of a member
// with Gaussian g and power p is R_j R_k f_c(r_jk) exp(-eta_g S) A_p, with R
// the pair factors weight f_c(r) and A the angular factor. The partners k
// within the cutoff of every j are selected first, then the loops run over
// them and vectorize. With `keep`, the block stays in tripletData_ for
// backpropagateGaussianAngular(); otherwise the next group reuses the space.
BPNN_SIMD_CLONES
void DescriptorCalculator::computeGaussianAngular(const AngularGroup& group, double* G, bool keep) {
    const PairArrays& p = pairs_[group.index];
    TripletBlock& block = blocks_[group.index];
    block.rows.clear();
    block.partnerOffset = partnersUsed_;
    block.dataOffset = dataUsed_;
    const std::size_t numPairs = p.size();
    const bool samePart = group.neighbor1 == group.neighbor2;
    const std::size_t endFirst = samePart ? numPairs : p.split;
    std::size_t total = 0;
    for (std::size_t j = 0; j < endFirst; ++j) {
        const std::size_t begin = samePart ? j + 1 : p.split;
        if (begin >= numPairs) continue;
        const std::size_t capacity = partnersUsed_ + total + numPairs - begin + 2 * kVectorPadding + 8;
        if (partners_.size() < capacity) partners_.resize(2 * capacity);
        TripletRow row;
        row.j = j;
        row.start = total;
        row.count = selectPartners(group, j, begin, partners_.data() + partnersUsed_ + total);
        if (row.count == 0) continue;
        block.rows.push_back(row);
        total += row.count;
    }
    block.count = roundUpToVector(total);
    block.stride = block.count + kVectorPadding;
    block.kept = keep;
    if (total == 0) return;
    // Padding pairs after the last row, up to the end of the arrays: the
    // row loops may run into them.
    PairIndex* partner = partners_.data() + partnersUsed_;
    for (std::size_t n = total; n < block.stride; ++n) {
        partner[n] = static_cast<PairIndex>(numPairs + (n - total) % kVectorPadding);
    }
    const std::size_t doubles = block.stride * doublesPerTriplet(group, keep);
    if (tripletData_.size() < dataUsed_ + doubles) tripletData_.resize(2 * (dataUsed_ + doubles));
    const TripletView t = view(group, block);
    for (const TripletRow& row : block.rows) computeTripletGeometry(group, row, t);
    // The entries from the last triplet to the block's count belong to no
    // row: weight 0 makes every term of them zero.
    for (std::size_t n = total; n < block.count; ++n) {
        t.rjk[n] = 4.0 * group.rc * group.rc;
        t.cosine[n] = 0.0;
        t.weight[n] = 0.0;
        for (std::size_t s = 0; s < group.shifts.size(); ++s) t.sum[s * t.stride + n] = 0.0;
    }
    finishTripletGeometry(group, t);
    computeTripletFactors(group, t);
    for (const Member& m : group.members) {
        const double* gaussian = t.gaussian + static_cast<std::size_t>(m.gaussian) * t.stride;
        const double* angular = t.angular + static_cast<std::size_t>(m.power) * t.stride;
        const double* weight = t.weight;
        double sum = 0.0;
#pragma omp simd reduction(+ : sum)
        for (std::size_t n = 0; n < t.count; ++n) sum += weight[n] * gaussian[n] * angular[n];
        G[m.function] += sum;
    }
    if (keep) {
        partnersUsed_ += block.stride;
        dataUsed_ += doubles;
    }
}

// The adjoint of computeGaussianAngular() over the block it kept.
void DescriptorCalculator::backpropagateGaussianAngular(const AngularGroup& group, const double* dEdG,
                                                        double* gradient) {
    PairArrays& p = pairs_[group.index];
    const TripletBlock& block = blocks_[group.index];
    if (block.count == 0) return;
    const std::size_t numPairs = p.size();
    // One term per (Gaussian, power) with a nonzero sum of dE/dG.
    adjointTerms_.clear();
    for (const Member& m : group.members) {
        if (dEdG[m.function] == 0.0) continue;
        const std::size_t g = static_cast<std::size_t>(m.gaussian), q = static_cast<std::size_t>(m.power);
        auto same = std::find_if(adjointTerms_.begin(), adjointTerms_.end(),
                                 [&](const AdjointTerm& term) { return term.gaussian == g && term.power == q; });
        if (same != adjointTerms_.end()) {
            same->weight += dEdG[m.function];
            continue;
        }
        AdjointTerm term;
        term.gaussian = g;
        term.power = q;
        term.weight = dEdG[m.function];
        term.radialScale = -2.0 * group.gaussians.etas[g];
        term.shiftScale = -2.0 * group.gaussians.etas[g] * group.gaussians.shifts[g];
        adjointTerms_.push_back(term);
    }
    if (adjointTerms_.empty()) return;
    for (std::vector<double>* column : {&p.gradientX, &p.gradientY, &p.gradientZ}) column->assign(p.stride, 0.0);
    AdjointScratch& a = adjoint_;
    for (std::vector<double>* column : {&a.value, &a.radialSlope, &a.shiftSlope, &a.cosineSlope,
                                        &a.partnerGradientX, &a.partnerGradientY, &a.partnerGradientZ}) {
        if (column->size() < block.stride) column->resize(block.stride);
    }
    const TripletView t = view(group, block);
    accumulateTripletSlopes(t);
    for (const TripletRow& row : block.rows) scatterTripletSlopes(group, row, t);
    for (std::size_t k = 0; k < numPairs; ++k) {
        double* target = gradient + 3 * static_cast<std::size_t>(p.neighbor[k]);
        target[0] += p.gradientX[k];
        target[1] += p.gradientY[k];
        target[2] += p.gradientZ[k];
    }
}

// Compact angular types (21, 22, 24, 25): the members of a group share the
// radial functions and differ in their angular ranges.
template <bool Adjoint>
void DescriptorCalculator::runCompactAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors,
                                             double* G, const double* dEdG, double* gradient) {
    const PairArrays& p = pairs_[group.index];
    const std::size_t numPairs = p.size();
    const bool samePart = group.neighbor1 == group.neighbor2;
    const std::size_t split = p.split;
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

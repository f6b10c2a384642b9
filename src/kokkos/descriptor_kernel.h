// SPDX-License-Identifier: GPL-2.0-or-later
// The symmetry function kernel and its adjoint, one team per central atom.
// Both passes visit the same pairs and triplets in the same way as the core
// library's DescriptorCalculator, and every term comes from core/formulas.h:
//   forward: G_s = sum over pairs / triplets of the function's terms;
//   adjoint: dE/dd_j = sum_s dE/dG_s dG_s/dd_j, contracted term by term, so
//            that no dG/dd is stored.
// Neighbors are spread over the threads of a team (TeamThreadRange). With
// more than one thread per team, sums that several threads share use
// Kokkos::atomic_add; host back ends run teams of one thread and plain adds.
#pragma once

#include <Kokkos_Core.hpp>

#include "device_model.h"

#include <math.h>

namespace bpnn::kokkos {

// The neighbors of the atoms of one chunk in compressed rows: the entries of
// chunk center c are offsets(c) .. offsets(c + 1) - 1. Within a row the
// entries are grouped by element: those of element e are elementOffsets(c,
// e) .. elementOffsets(c, e + 1) - 1, so that the loops of a group visit
// only neighbors of its elements.
template <class ExecSpace>
struct ChunkNeighbors {
    using memory_space = typename ExecSpace::memory_space;
    Kokkos::View<int*, memory_space> offsets;
    Kokkos::View<int**, memory_space> elementOffsets;  // chunk centers x (elements + 1)
    Kokkos::View<int*, memory_space> index;    // where forces on the neighbor go
    Kokkos::View<int*, memory_space> element;
    Kokkos::View<int*, memory_space> center;   // chunk center of the entry
    Kokkos::View<double* [3], Kokkos::LayoutRight, memory_space> d;  // r_j - r_i
    Kokkos::View<double*, memory_space> r;
};

template <class ExecSpace, bool Adjoint>
struct DescriptorKernel {
    using memory_space = typename ExecSpace::memory_space;
    using Team = typename Kokkos::TeamPolicy<ExecSpace, Kokkos::Schedule<Kokkos::Dynamic>>::member_type;

    DeviceModel<ExecSpace> model;
    ChunkNeighbors<ExecSpace> neighbors;
    Kokkos::View<int*, memory_space> sorted;         // position -> chunk center
    Kokkos::View<int*, memory_space> centerElement;  // per chunk center
    // Per position: raw G in the forward pass. On entry to the adjoint pass
    // dOutput/dG_scaled, which the pass turns into dE/dG in place.
    Kokkos::View<double**, memory_space> values;
    Kokkos::View<double**, memory_space> pairTerms;  // per entry, see kPairWeight
    Kokkos::View<double**, memory_space> gradient;   // per entry: dE/dd, 3 columns
    double energyScale = 1.0;                        // dE/dOutput

    KOKKOS_INLINE_FUNCTION static void add(bool atomic, double& target, double value) {
        if (atomic) {
            Kokkos::atomic_add(&target, value);
        } else {
            target += value;
        }
    }

    KOKKOS_INLINE_FUNCTION void operator()(const Team& team) const {
        const int position = team.league_rank();
        const int center = sorted(position);
        const FlatElement element = model.elements(centerElement(center));
        const int first = neighbors.offsets(center);
        const int count = neighbors.offsets(center + 1) - first;
        const bool atomic = team.team_size() > 1;

        if (Adjoint) {
            Kokkos::parallel_for(Kokkos::TeamThreadRange(team, element.numFunctions), [&](const int s) {
                values(position, s) *= model.scaleFactor(element.firstFunction + s) * energyScale;
            });
            Kokkos::parallel_for(Kokkos::TeamThreadRange(team, count), [&](const int n) {
                for (int c = 0; c < 3; ++c) gradient(first + n, c) = 0.0;
            });
        } else {
            Kokkos::parallel_for(Kokkos::TeamThreadRange(team, element.numFunctions),
                                 [&](const int s) { values(position, s) = 0.0; });
        }
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, count),
                             [&](const int n) { computePairTerms(element, first + n); });
        team.team_barrier();

        for (int g = 0; g < element.numGroups; ++g) {
            const FlatGroup& group = model.groups(element.firstGroup + g);
            if (group.angular) {
                angular(team, group, position, center, atomic);
            } else {
                radial(team, group, position, center, atomic);
            }
        }
    }

    // First and end entry of the neighbors of `element` (all neighbors for
    // -1, the weighted functions) in the row of a chunk center.
    KOKKOS_INLINE_FUNCTION void elementRange(const int center, const int element, int& begin, int& end) const {
        if (element < 0) {
            begin = neighbors.offsets(center);
            end = neighbors.offsets(center + 1);
        } else {
            begin = neighbors.elementOffsets(center, element);
            end = neighbors.elementOffsets(center, element + 1);
        }
    }

    // Weight and radial factor of one neighbor for every angular group of the
    // element, or weight 0 where the neighbor is not part of a group.
    KOKKOS_INLINE_FUNCTION void computePairTerms(const FlatElement& element, const int entry) const {
        const double r = neighbors.r(entry);
        const int neighborElement = neighbors.element(entry);
        for (int g = 0; g < element.numGroups; ++g) {
            const FlatGroup& group = model.groups(element.firstGroup + g);
            if (!group.angular) continue;
            const int slot = group.pairSlot;
            const bool weighted = group.neighbor1 < 0;
            const bool member = weighted || neighborElement == group.neighbor1 || neighborElement == group.neighbor2;
            if (!member || r >= group.rc || (group.compact && r <= group.rl)) {
                pairTerms(entry, slot + kPairWeight) = 0.0;
                continue;
            }
            pairTerms(entry, slot + kPairWeight) = weighted ? model.atomicNumbers(neighborElement) : 1.0;
            double radialValue, radialDerivative;
            if (group.compact) {
                formula::compactFunction(group.radial, r, radialValue, radialDerivative);
            } else {
                formula::cutoffFunction(group.cutoff, r, radialValue, radialDerivative);
            }
            pairTerms(entry, slot + kPairRadial) = radialValue;
            pairTerms(entry, slot + kPairRadialDerivative) = radialDerivative;
        }
    }

    KOKKOS_INLINE_FUNCTION void radial(const Team& team, const FlatGroup& group, const int position, const int center,
                                       const bool atomic) const {
        int begin, end;
        elementRange(center, group.neighbor1, begin, end);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, begin, end), [&](const int entry) {
            const double r = neighbors.r(entry);
            if (r >= group.rc) return;
            const double weight = group.neighbor1 < 0 ? model.atomicNumbers(neighbors.element(entry)) : 1.0;
            double fc, dfc;
            formula::cutoffFunction(group.cutoff, r, fc, dfc);
            double slope = 0.0;  // dE/dr of this neighbor
            for (int k = 0; k < group.numMembers; ++k) {
                const FlatMember& m = model.members(group.firstMember + k);
                double value, derivative;
                if (m.compact) {
                    if (r <= m.rl) continue;
                    formula::compactFunction(m.radial, r, value, derivative);
                } else {
                    double g, dg;
                    formula::gaussian(m.eta, m.rs, r, g, dg);
                    value = fc * g;
                    derivative = dfc * g + fc * dg;
                }
                if (Adjoint) {
                    slope += values(position, m.function) * weight * derivative;
                } else {
                    add(atomic, values(position, m.function), weight * value);
                }
            }
            if (Adjoint) {
                const double scale = slope / r;
                for (int c = 0; c < 3; ++c) add(atomic, gradient(entry, c), scale * neighbors.d(entry, c));
            }
        });
    }

    KOKKOS_INLINE_FUNCTION void angular(const Team& team, const FlatGroup& group, const int position, const int center,
                                        const bool atomic) const {
        const int slot = group.pairSlot;
        const int numGaussians = group.numGaussians;
        // Triplets j < k within one element block, or j and k from the
        // blocks of two different elements.
        const bool samePart = group.neighbor1 == group.neighbor2;
        int beginJ, endJ, beginK, endK;
        elementRange(center, group.neighbor1, beginJ, endJ);
        elementRange(center, group.neighbor2, beginK, endK);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, beginJ, endJ), [&](const int ej) {
            const double weightJ = pairTerms(ej, slot + kPairWeight);
            if (weightJ == 0.0) return;
            const double dj[3] = {neighbors.d(ej, 0), neighbors.d(ej, 1), neighbors.d(ej, 2)};
            const double rj = neighbors.r(ej);
            const double radialJ = pairTerms(ej, slot + kPairRadial);
            const double radialDerivativeJ = pairTerms(ej, slot + kPairRadialDerivative);
            double gradientJ[3] = {0.0, 0.0, 0.0};
            double gaussians[kMaxGaussiansPerGroup];  // exp(-eta S) of the triplet

            for (int ek = samePart ? ej + 1 : beginK; ek < endK; ++ek) {
                const double weightK = pairTerms(ek, slot + kPairWeight);
                if (weightK == 0.0) continue;
                const double dk[3] = {neighbors.d(ek, 0), neighbors.d(ek, 1), neighbors.d(ek, 2)};
                const double rk = neighbors.r(ek);
                const double cosine = (dj[0] * dk[0] + dj[1] * dk[1] + dj[2] * dk[2]) / (rj * rk);

                // Factor of the pair j-k: f_c(r_jk) or c_r(r_jk), 1 for wide types.
                const double djk[3] = {dk[0] - dj[0], dk[1] - dj[1], dk[2] - dj[2]};
                double rjk = 0.0, fjk = 1.0, dfjk = 0.0;
                if (!group.wide) {
                    rjk = sqrt(djk[0] * djk[0] + djk[1] * djk[1] + djk[2] * djk[2]);
                    if (rjk >= group.rc || (group.compact && rjk <= group.rl)) continue;
                    if (group.compact) {
                        formula::compactFunction(group.radial, rjk, fjk, dfjk);
                    } else {
                        formula::cutoffFunction(group.cutoff, rjk, fjk, dfjk);
                    }
                }
                if (!group.compact) {
                    // The Gaussian factors of the triplet multiply to one
                    // exp(-eta S), S = (r_ij - r_s)^2 + (r_ik - r_s)^2
                    // (+ (r_jk - r_s)^2 unless wide), as in the core library.
                    // Gaussians planned as powers of another follow in a
                    // second loop, with 0 where exp would underflow.
                    for (int pass = 0; pass < 2; ++pass) {
                        for (int k = 0; k < numGaussians; ++k) {
                            const int base = model.gaussianBase(group.firstGaussian + k);
                            if ((base < 0) != (pass == 0)) continue;
                            const double eta = model.gaussianEta(group.firstGaussian + k);
                            const double rs = model.gaussianRs(group.firstGaussian + k);
                            double sum = (rj - rs) * (rj - rs) + (rk - rs) * (rk - rs);
                            if (!group.wide) sum += (rjk - rs) * (rjk - rs);
                            if (base < 0) {
                                gaussians[k] = exp(-eta * sum);
                                continue;
                            }
                            double power = 1.0, factor = gaussians[base];
                            for (int n = model.gaussianPower(group.firstGaussian + k); n > 0; n >>= 1) {
                                if (n & 1) power *= factor;
                                factor *= factor;
                            }
                            gaussians[k] = eta * sum > 707.0 ? 0.0 : power;
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
                const double radialK = pairTerms(ek, slot + kPairRadial);
                const double radialDerivativeK = pairTerms(ek, slot + kPairRadialDerivative);
                const double weight = weightJ * weightK;
                double sij = 0.0, sik = 0.0, sjk = 0.0, scos = 0.0;
                for (int q = 0; q < group.numMembers; ++q) {
                    const FlatMember& m = model.members(group.firstMember + q);
                    double radialPart, dRj, dRk, dRjk, angularPart, dAngular;
                    if (group.compact) {
                        formula::compactFunction(m.angle, theta, angularPart, dAngular);
                        if (angularPart == 0.0 && dAngular == 0.0) continue;
                        dAngular *= dThetaDCos;
                        radialPart = radialJ * radialK * fjk;
                        dRj = radialDerivativeJ * radialK * fjk;
                        dRk = radialJ * radialDerivativeK * fjk;
                        dRjk = radialJ * radialK * dfjk;
                    } else {
                        formula::angularPower(m.lambda, m.zeta, m.zetaInteger, cosine, angularPart, dAngular);
                        if (angularPart == 0.0 && dAngular == 0.0) continue;
                        angularPart *= m.norm;
                        dAngular *= m.norm;
                        // d exp(-eta S)/dr = -2 eta (r - r_s) exp(-eta S) for
                        // each distance r of S.
                        const int g = m.gaussian;
                        const double e = gaussians[g];
                        const double slope = -2.0 * model.gaussianEta(group.firstGaussian + g);
                        const double rs = model.gaussianRs(group.firstGaussian + g);
                        const double cutoffs = radialJ * radialK * fjk;
                        radialPart = cutoffs * e;
                        dRj = (radialDerivativeJ * radialK * fjk + cutoffs * slope * (rj - rs)) * e;
                        dRk = (radialJ * radialDerivativeK * fjk + cutoffs * slope * (rk - rs)) * e;
                        dRjk = group.wide ? 0.0 : (radialJ * radialK * dfjk + cutoffs * slope * (rjk - rs)) * e;
                    }
                    if (!Adjoint) {
                        add(atomic, values(position, m.function), weight * radialPart * angularPart);
                        continue;
                    }
                    const double u = values(position, m.function) * weight;
                    sij += u * dRj * angularPart;
                    sik += u * dRk * angularPart;
                    sjk += u * dRjk * angularPart;
                    scos += u * radialPart * dAngular;
                }
                if (!Adjoint) continue;
                // Chain rule to the displacements d_ij and d_ik:
                //   dr_ij/dd_ij = d_ij / r_ij,  dr_jk/dd_ik = -dr_jk/dd_ij = d_jk / r_jk,
                //   dcos/dd_ij = d_ik / (r_ij r_ik) - cos d_ij / r_ij^2 (and j <-> k).
                const double inverseProduct = 1.0 / (rj * rk);
                const double cj = sij / rj - scos * cosine / (rj * rj);
                const double ck = sik / rk - scos * cosine / (rk * rk);
                const double cjk = group.wide ? 0.0 : sjk / rjk;
                for (int c = 0; c < 3; ++c) {
                    gradientJ[c] += cj * dj[c] + scos * inverseProduct * dk[c] - cjk * djk[c];
                    add(atomic, gradient(ek, c), ck * dk[c] + scos * inverseProduct * dj[c] + cjk * djk[c]);
                }
            }
            if (Adjoint) {
                for (int c = 0; c < 3; ++c) add(atomic, gradient(ej, c), gradientJ[c]);
            }
        });
    }
};

}  // namespace bpnn::kokkos

// SPDX-License-Identifier: GPL-2.0-or-later
// Symmetry functions of one central atom, and the adjoint pass that turns
// dE/dG into gradients with respect to the neighbor displacements.
#pragma once

#include "formulas.h"
#include "potential.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bpnn {

// Evaluation rule of Gaussian g of an angular group, exp(-eta_g S) with S
// the sum of the squared shifted distances of a triplet. Base -1 means exp.
// Otherwise the Gaussian is the power-th power (2 to 32) of Gaussian
// `base`, which has the same shift r_s and an eta power times smaller.
struct GaussianPower {
    int base = -1;
    int power = 1;
};

// The plan for Gaussians (etas[g], shifts[g]), shared by the host code and
// the Kokkos kernels.
std::vector<GaussianPower> planGaussianPowers(const std::vector<double>& etas, const std::vector<double>& shifts);

// A neighbor as the descriptor code uses it: the index used to scatter
// forces, its element index, the displacement d = r_j - r_i and |d|.
struct DescriptorNeighbor {
    int index;
    int element;
    double d[3];
    double r;
};

// Evaluates the symmetry functions of atoms of one element. Functions that
// share a neighbor element and a cutoff form a group: per neighbor pair the
// group computes the cutoff function once, and per distinct (eta, r_s) one
// Gaussian, then every member reuses them. Triplets j < k are visited once
// per angular group, only those with r_jk within the cutoff, in loops
// written to vectorize.
//
// An instance keeps scratch buffers, so each thread needs its own.
class DescriptorCalculator {
public:
    DescriptorCalculator(const Potential& potential, int element);

    std::size_t numFunctions() const { return numFunctions_; }

    // Writes the raw (unscaled) symmetry function values of one atom to G.
    // With `keep` set, the atom's triplet factors stay stored until the next
    // call, and backpropagate() for the same neighbors reuses them instead
    // of computing them again (the larger part of its work).
    void compute(const DescriptorNeighbor* neighbors, std::size_t count, double* G, bool keep = false);

    // Given dE/dG for the raw values of one atom, adds dE/dd_j, the gradient
    // of the atom's energy with respect to the displacement of neighbor j, to
    // gradient[3 j .. 3 j + 2]. Nothing of size neighbors x functions is
    // stored: every term is contracted with dE/dG at once, from the factors
    // kept by compute() or, for other neighbors, from a new forward pass.
    void backpropagate(const DescriptorNeighbor* neighbors, std::size_t count, const double* dEdG,
                       double* gradient);

private:
    struct Member {
        int function = 0;   // index into G
        int gaussian = -1;  // index of this member's (eta, r_s) in the group
        int power = -1;     // index of this member's (lambda, zeta) in the group
        bool compact = false;
        double rl = 0.0;
        formula::CompactParams radial;  // compact radial members
        formula::CompactParams angle;   // compact angular members, in radians
    };

    // The distinct Gaussians exp(-eta (r - r_s)^2) of a group, evaluated
    // once per distance for all members that use them.
    struct GaussianSet {
        std::vector<double> etas;
        std::vector<double> shifts;

        std::size_t size() const { return etas.size(); }
        int index(double eta, double rs);  // finds or adds (eta, r_s)
    };

    // Distinct (lambda, zeta) of an angular group, with 2^(1 - zeta).
    struct AngularPower {
        double lambda = 0.0;
        double zeta = 0.0;
        int zetaInteger = 0;  // zeta when it is a small integer, else 0
        double norm = 1.0;
    };

    struct RadialGroup {
        int neighbor = -1;  // -1: every element, weighted by Z_j
        double rc = 0.0;
        formula::CutoffParams cutoff;
        GaussianSet gaussians;
        std::vector<Member> members;
        std::size_t index = 0;        // position in radialGroups_
        std::size_t cutoffIndex = 0;  // into cutoffs_
    };

    // Index of a pair in PairArrays, as the triplet loops read it. It has the
    // width of a double, so that GCC vectorizes the loops that mix both with
    // one double per lane. With a 32-bit index GCC chose 16 lanes for
    // AVX-512, more than most rows of partners have, and so ran those rows
    // in its scalar remainder loop.
    using PairIndex = std::int64_t;

    // Evaluation plan of one Gaussian of an angular group in the triplet
    // loops. The Gaussian factors of a triplet multiply to exp(-eta S) with
    //   S = (r_ij - r_s)^2 + (r_ik - r_s)^2 [+ (r_jk - r_s)^2 unless wide],
    // one exp per triplet. A Gaussian whose eta is n times the eta of
    // another with the same r_s (2 <= n <= kMaxGaussianPower) is that one
    // raised to the n-th power instead, a few multiplications.
    struct TripletGaussian {
        int shift = 0;  // index into AngularGroup::shifts
        int base = -1;  // -1: computed by exp; else the Gaussian raised to `power`
        int power = 1;
    };

    // The neighbors of the current atom in range of a radial group; the
    // first `size` entries are valid.
    struct RadialArrays {
        std::size_t size = 0;
        std::vector<int> neighbor;
        std::vector<double> r, weight;  // weight: Z_j for weighted groups, else 1
        std::vector<double> cutoff, cutoffDerivative;
        std::vector<double> gaussian;  // by member, then neighbor: exp(-eta (r - r_s)^2)
        std::vector<double> slope;     // adjoint: dE/dr
    };

    struct AngularGroup {
        int neighbor1 = -1;  // both -1: every element, weighted by Z_j Z_k
        int neighbor2 = -1;
        bool wide = false;
        bool compact = false;
        double rc = 0.0;
        double rl = 0.0;
        formula::CutoffParams cutoff;
        formula::CompactParams radial;  // compact groups share the radial function
        GaussianSet gaussians;
        std::vector<double> shifts;  // distinct r_s of the Gaussians
        std::vector<TripletGaussian> tripletGaussians;  // by Gaussian
        std::vector<AngularPower> powers;
        std::vector<Member> members;
        std::size_t index = 0;        // position in angularGroups_
        std::size_t cutoffIndex = 0;  // into cutoffs_
    };

    // The neighbors of the current atom in range of an angular group, as
    // structure of arrays so that loops over the partners k of a triplet
    // vectorize. R is f_c or the compact radial function. Every array has
    // `stride` entries: size() pairs, then kVectorPadding padding pairs whose
    // terms are zero.
    struct PairArrays {
        std::vector<int> neighbor;
        std::vector<double> x, y, z, r, inverseR;
        std::vector<double> weight;  // Z_j for weighted groups, else 1
        std::vector<double> radial;  // R(r)
        std::vector<double> radialDerivative;
        // Gaussian groups: weight R(r) and its derivative, and (r - r_s)^2 by
        // shift s, then pair.
        std::vector<double> scaled, scaledDerivative;
        std::vector<double> shiftedSquare;
        // Adjoint pass: the gradient with respect to each pair's displacement.
        std::vector<double> gradientX, gradientY, gradientZ;

        std::size_t stride = 0;
        std::size_t split = 0;  // first pair of the group's second neighbor element

        std::size_t size() const { return neighbor.size(); }
    };

    // The triplets (j, k) of an angular group whose r_jk lies within the
    // cutoff, for every j of one atom. Row r lists the partners k of one j
    // at entries start .. start + count - 1 of the block. Per-row loops use
    // the j of the row as a constant; the other loops run over the whole
    // block, long enough to vectorize well. Padding pairs fill the block
    // after its last row, so that every loop can run to a multiple of
    // kVectorPadding.
    struct TripletRow {
        std::size_t j = 0;
        std::size_t start = 0;
        std::size_t count = 0;
    };
    struct TripletBlock {
        std::size_t partnerOffset = 0;  // into partners_
        std::size_t dataOffset = 0;     // into tripletData_
        std::size_t count = 0;          // triplets, rounded up to a multiple of kVectorPadding
        std::size_t stride = 0;         // entries per array: count + kVectorPadding
        bool kept = false;
        std::vector<TripletRow> rows;
    };
    // The arrays of a block; those by shift, Gaussian or power hold `stride`
    // entries (the block's count) per shift, Gaussian or power.
    struct TripletView {
        std::size_t count = 0;
        std::size_t stride = 0;
        PairIndex* partner = nullptr;
        double* rjk = nullptr;
        double* cosine = nullptr;
        double* cutoff = nullptr;
        double* cutoffDerivative = nullptr;
        double* weight = nullptr;        // weight R(r_ij) weight R(r_ik) f_c(r_jk)
        double* sum = nullptr;           // by shift: S
        double* gaussian = nullptr;      // by Gaussian: exp(-eta S)
        double* angular = nullptr;       // by power: 2^(1 - zeta) (1 + lambda cos)^zeta
        double* angularSlope = nullptr;  // by power: its derivative by cos
        // Kept blocks only: the pair data of each partner k, copied while the
        // forward pass reads it, so that the adjoint pass reads it in order.
        double* partnerX = nullptr;
        double* partnerY = nullptr;
        double* partnerZ = nullptr;
        double* partnerR = nullptr;
        double* partnerInverseR = nullptr;
        double* partnerScaled = nullptr;
        double* partnerScaledDerivative = nullptr;
    };
    TripletView view(const AngularGroup& group, const TripletBlock& block);
    static std::size_t doublesPerTriplet(const AngularGroup& group, bool kept) {
        return 5 + group.shifts.size() + group.gaussians.size() + 2 * group.powers.size() + (kept ? 7 : 0);
    }

    // One (Gaussian g, power p) of an angular group in the adjoint pass:
    // weight u(g, p) is the sum of dE/dG over the members with g and p.
    struct AdjointTerm {
        std::size_t gaussian = 0;
        std::size_t power = 0;
        double weight = 0.0;
        double radialScale = 0.0;  // -2 eta_g
        double shiftScale = 0.0;   // -2 eta_g r_s,g
    };

    // Scratch of the adjoint pass, by triplet of a block. value is
    // sum_g,p u(g, p) exp(-eta_g S) A_p, radialSlope and shiftSlope are the
    // same with the factors radialScale and shiftScale of AdjointTerm, and
    // cosineSlope is the same with dA_p/dcos in place of A_p.
    struct AdjointScratch {
        std::vector<double> value, radialSlope, shiftSlope, cosineSlope;
        std::vector<double> partnerGradientX, partnerGradientY, partnerGradientZ;  // by triplet of one row
    };

    void computeNeighborCutoffs(const DescriptorNeighbor* neighbors, std::size_t count);
    void computeRadial(const RadialGroup& group, const DescriptorNeighbor* neighbors, std::size_t count, double* G);
    void backpropagateRadial(const RadialGroup& group, const DescriptorNeighbor* neighbors, const double* dEdG,
                             double* gradient);
    void computeGaussianAngular(const AngularGroup& group, double* G, bool keep);
    void backpropagateGaussianAngular(const AngularGroup& group, const double* dEdG, double* gradient);
    template <bool Adjoint>
    void runCompactAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors, double* G,
                           const double* dEdG, double* gradient);
    void collectPairs(const AngularGroup& group, const DescriptorNeighbor* neighbors, std::size_t count);
    std::size_t selectPartners(const AngularGroup& group, std::size_t j, std::size_t begin, PairIndex* partner);
    void computeTripletGeometry(const AngularGroup& group, const TripletRow& row, const TripletView& t);
    void finishTripletGeometry(const AngularGroup& group, const TripletView& t);
    void computeTripletFactors(const AngularGroup& group, const TripletView& t);
    void accumulateTripletSlopes(const TripletView& t);
    void scatterTripletSlopes(const AngularGroup& group, const TripletRow& row, const TripletView& t);
    bool isKept(const DescriptorNeighbor* neighbors, std::size_t count) const;

    std::size_t numFunctions_ = 0;
    std::vector<RadialGroup> radialGroups_;
    std::vector<AngularGroup> angularGroups_;
    std::vector<int> atomicNumbers_;  // by element index, for the weighted types

    // The distinct cutoff functions of the groups (by r_c), and their values
    // for the neighbors of the current atom.
    struct NeighborCutoffs {
        std::vector<double> value, derivative;
    };
    std::vector<formula::CutoffParams> cutoffs_;
    std::vector<NeighborCutoffs> neighborCutoffs_;  // by cutoff
    std::vector<double> neighborR_, neighborInverseR_;

    // Per-atom scratch.
    std::vector<PairArrays> pairs_;  // by angular group
    std::vector<std::uint8_t> inside_;  // r_jk < r_c, by partner k of one j
    AdjointScratch adjoint_;
    std::vector<RadialArrays> radial_;  // by radial group
    std::vector<AdjointTerm> adjointTerms_;  // of the current group

    // Triplets of the last compute(), by angular group, kept when asked.
    std::vector<TripletBlock> blocks_;
    std::vector<PairIndex> partners_;
    std::vector<double> tripletData_;
    std::size_t partnersUsed_ = 0;
    std::size_t dataUsed_ = 0;
    bool kept_ = false;
    const DescriptorNeighbor* keptNeighbors_ = nullptr;
    std::size_t keptCount_ = 0;
    DescriptorNeighbor keptFirst_{}, keptLast_{};
    std::vector<double> recomputed_;  // G of a forward pass run by backpropagate()
};

}  // namespace bpnn

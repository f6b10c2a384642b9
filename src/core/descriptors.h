// SPDX-License-Identifier: GPL-2.0-or-later
// Symmetry functions of one central atom, and the adjoint pass that turns
// dE/dG into gradients with respect to the neighbor displacements.
#pragma once

#include "formulas.h"
#include "potential.h"

#include <cstddef>
#include <vector>

namespace bpnn {

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
// per angular group, and the loops over the partners k of a neighbor j are
// written to vectorize.
//
// An instance keeps scratch buffers, so each thread needs its own.
class DescriptorCalculator {
public:
    DescriptorCalculator(const Potential& potential, int element);

    std::size_t numFunctions() const { return numFunctions_; }

    // Writes the raw (unscaled) symmetry function values of one atom to G.
    void compute(const DescriptorNeighbor* neighbors, std::size_t count, double* G);

    // Given dE/dG for the raw values of one atom, adds dE/dd_j, the gradient
    // of the atom's energy with respect to the displacement of neighbor j, to
    // gradient[3 j .. 3 j + 2]. Nothing of size neighbors x functions is
    // stored: every term is recomputed and contracted with dE/dG at once.
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
        void evaluate(double r, double* values, double* slopes) const;
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
        std::vector<AngularPower> powers;
        std::vector<Member> members;
    };

    // The neighbors of the current atom in range of an angular group, as
    // structure of arrays so that loops over the partners k of a triplet
    // vectorize. R is f_c or the compact radial function. Every array has
    // `stride` entries per row: size() pairs, then padding pairs whose terms
    // are zero.
    struct PairArrays {
        std::vector<int> neighbor;
        std::vector<double> x, y, z, r, inverseR;
        std::vector<double> weight;  // Z_j for weighted groups, else 1
        std::vector<double> radial;  // R(r)
        std::vector<double> radialDerivative;
        // Gaussian groups only, by Gaussian g then pair: weight R(r)
        // exp(-eta_g (r - r_s,g)^2) and its derivative by r.
        std::vector<double> gaussian;
        std::vector<double> gaussianDerivative;
        // Adjoint pass: the gradient with respect to each pair's displacement.
        std::vector<double> gradientX, gradientY, gradientZ;

        std::size_t stride = 0;

        std::size_t size() const { return neighbor.size(); }
    };

    // Per-triplet factors of one atom j and its partners k, indexed by k, in
    // rows of PairArrays::stride entries.
    struct TripletArrays {
        std::vector<double> rjk, cosine, cutoff, cutoffDerivative;
        std::vector<double> jkFactor;            // by Gaussian then k: f_c(r_jk) exp(-eta (r_jk - r_s)^2)
        std::vector<double> jkFactorDerivative;  // its derivative by r_jk
        std::vector<double> angular;             // by power then k: 2^(1 - zeta) (1 + lambda cos)^zeta
        std::vector<double> angularSlope;        // its derivative by cos
        std::vector<double> byAngle, bySlope;    // adjoint: sum over powers of dE/dG times the above
        std::vector<double> sij, sik, sjk, scos;  // adjoint: dE/dr_ij, dE/dr_ik, dE/dr_jk, dE/dcos
    };

    template <bool Adjoint>
    void run(const DescriptorNeighbor* neighbors, std::size_t count, double* G, const double* dEdG,
             double* gradient);
    template <bool Adjoint>
    void runRadial(const RadialGroup& group, const DescriptorNeighbor* neighbors, std::size_t count,
                   double* G, const double* dEdG, double* gradient);
    template <bool Adjoint>
    void runAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors, std::size_t count,
                    double* G, const double* dEdG, double* gradient);
    template <bool Adjoint>
    void runGaussianAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors, double* G,
                            const double* dEdG, double* gradient);
    template <bool Adjoint>
    void runCompactAngular(const AngularGroup& group, const DescriptorNeighbor* neighbors, double* G,
                           const double* dEdG, double* gradient);
    void collectPairs(const AngularGroup& group, const DescriptorNeighbor* neighbors, std::size_t count);
    void computeTripletGeometry(const AngularGroup& group, std::size_t j, std::size_t begin, std::size_t end);
    void computeTripletFactors(const AngularGroup& group, std::size_t begin, std::size_t end, bool derivatives);
    void accumulateTripletSlopes(const AngularGroup& group, std::size_t j, std::size_t begin, std::size_t end);
    void scatterTripletSlopes(std::size_t j, std::size_t begin, std::size_t end);

    std::size_t numFunctions_ = 0;
    std::vector<RadialGroup> radialGroups_;
    std::vector<AngularGroup> angularGroups_;
    std::vector<int> atomicNumbers_;  // by element index, for the weighted types

    // Per-atom scratch.
    PairArrays pairs_;
    std::size_t firstOfSecondElement_ = 0;  // first pair of the group's second neighbor element
    TripletArrays triplets_;
    std::vector<double> jkGaussians_;  // radial groups: Gaussians of one distance
    std::vector<double> jkGaussianDerivatives_;
    std::vector<double> sums_;            // per-atom sums by member
    std::vector<double> adjointWeights_;  // per-atom dE/dG summed by (Gaussian, power)
};

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
// A potential laid out as flat arrays of plain structs, ready to be copied
// into Kokkos Views. The symmetry functions of each element are grouped as
// in the core library's DescriptorCalculator. Functions that share the
// neighbor element(s) and the cutoff form one group. Each group lists its
// distinct (eta, r_s) pairs once, so that the kernels compute each cutoff
// function and Gaussian once per pair.
//
// This header includes no Kokkos header. Code that also uses Kokkos must
// include Kokkos_Core.hpp before it (see core/config.h).
#pragma once

#include "core/formulas.h"
#include "core/potential.h"

#include <vector>

namespace bpnn::kokkos {

// Upper bound for the distinct (eta, r_s) pairs of one angular group, so
// that the kernels can keep the Gaussians of a triplet in a fixed-size
// local array. flattenPotential() rejects potentials that exceed it.
constexpr int kMaxGaussiansPerGroup = 32;

// Per-pair terms of an angular group, in columns of the pair-term buffer
// starting at FlatGroup::pairSlot: the neighbor's weight (0 when the
// neighbor is not in the group), the radial factor R and dR/dr.
constexpr int kPairWeight = 0;
constexpr int kPairRadial = 1;
constexpr int kPairRadialDerivative = 2;
constexpr int kPairTerms = 3;

struct FlatMember {
    int function = 0;  // column of G
    int gaussian = -1; // index of (eta, r_s) within the group's Gaussians
    double eta = 0.0;
    double rs = 0.0;
    double lambda = 0.0;
    double zeta = 0.0;
    int zetaInteger = 0;  // zeta when it is a small integer, else 0
    double norm = 1.0;    // 2^(1 - zeta)
    int compact = 0;
    double rl = 0.0;
    formula::CompactParams radial;  // compact radial members
    formula::CompactParams angle;   // compact angular members, in radians
};

struct FlatGroup {
    int angular = 0;
    int neighbor1 = -1;  // -1: every element, weighted by the atomic number
    int neighbor2 = -1;
    int wide = 0;
    int compact = 0;
    double rc = 0.0;
    double rl = 0.0;
    formula::CutoffParams cutoff;
    formula::CompactParams radial;  // compact angular groups share it
    int firstGaussian = 0;          // into FlatModel::gaussianEta and gaussianRs
    int numGaussians = 0;
    int firstMember = 0;  // into FlatModel::members
    int numMembers = 0;
    int pairSlot = 0;  // angular groups: first pair-term column
};

// A dense layer y = f(W x + b) whose weights (outputs x inputs, row-major)
// and bias lie in FlatModel::parameters. Inputs and outputs are columns of
// the per-atom value buffer of the evaluator.
struct FlatLayer {
    int inputs = 0;
    int outputs = 0;
    int weightOffset = 0;
    int biasOffset = 0;
    int inputColumn = 0;
    int outputColumn = 0;
    Activation activation = Activation::Identity;
};

struct FlatElement {
    int numFunctions = 0;
    int firstFunction = 0;  // into the per-function arrays of FlatModel
    int firstGroup = 0;
    int numGroups = 0;
    int firstLayer = 0;
    int numLayers = 0;
    int numPairSlots = 0;  // pair-term columns used by this element's groups
    int numColumns = 0;    // value buffer columns: inputs and every layer's outputs
    int outputColumn = 0;  // column of the network output
    double energyOffset = 0.0;
};

struct FlatModel {
    std::vector<FlatElement> elements;
    std::vector<FlatGroup> groups;
    std::vector<FlatMember> members;
    std::vector<double> gaussianEta;
    std::vector<double> gaussianRs;
    // Per Gaussian: -1 to compute it by exp, else the index within its group
    // of the Gaussian it is the gaussianPower-th power of (angular groups).
    std::vector<int> gaussianBase;
    std::vector<int> gaussianPower;
    std::vector<FlatLayer> layers;
    std::vector<double> parameters;  // weights and biases of every layer
    std::vector<int> atomicNumbers;  // by element index

    // Per function, indexed by FlatElement::firstFunction + s. The scaled
    // value is scaleShift + scaleFactor * G, with the factor and the shift
    // taken from the core library's scaling functions.
    std::vector<double> scaleFactor;
    std::vector<double> scaleShift;
    std::vector<double> gmin;
    std::vector<double> gmax;

    double maxCutoff = 0.0;
    bool hasScalingData = false;
    bool normalize = false;
    double meanEnergy = 0.0;
    double convEnergy = 1.0;
    bool normalizeNodes = false;

    int maxFunctions = 0;
    int maxPairSlots = 0;
    int maxColumns = 0;
};

// Builds the flat layout of a potential. Throws InputError when a group
// has more than kMaxGaussiansPerGroup distinct (eta, r_s) pairs.
FlatModel flattenPotential(const Potential& potential);

}  // namespace bpnn::kokkos

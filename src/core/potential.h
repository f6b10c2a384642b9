// SPDX-License-Identifier: GPL-2.0-or-later
// A second-generation HDNNP as stored in n2p2/RuNNer files: elements,
// symmetry functions per central element, their scaling, one feed-forward
// network per element, and the energy normalization.
#pragma once

#include "formulas.h"

#include <Eigen/Dense>

#include <cstddef>
#include <string>
#include <vector>

namespace bpnn {

// How symmetry function values G are transformed before entering a network,
// selected by the keywords of input.nn (S_min, S_max from scale_min_short
// and scale_max_short; statistics from scaling.data):
//   None:        G
//   Scale:       S_min + (S_max - S_min) (G - G_min) / (G_max - G_min)
//   Center:      G - G_mean
//   ScaleCenter: S_min + (S_max - S_min) (G - G_mean) / (G_max - G_min)
//   Sigma:       S_min + (S_max - S_min) (G - G_mean) / G_sigma
enum class ScalingMode { None, Scale, Center, ScaleCenter, Sigma };

// One symmetry function of a central element, with the parameters of its
// type (n2p2 type numbers). Lengths are in the potential's physical units,
// angles in degrees as in input.nn.
//   2  radial:       G = sum_j exp(-eta (r_ij - r_s)^2) f_c(r_ij)
//   3  angular:      G = 2^(1-zeta) sum_{j<k} (1 + lambda cos theta_ijk)^zeta
//                        exp(-eta [(r_ij-r_s)^2 + (r_ik-r_s)^2 + (r_jk-r_s)^2])
//                        f_c(r_ij) f_c(r_ik) f_c(r_jk)
//   9  wide angular: as 3 without the r_jk terms
//   12, 13:          as 2 and 3 summed over neighbors of every element, each
//                    neighbor weighted by its atomic number Z_j (Z_j Z_k for 13)
//   20 compact radial:  G = sum_j c_r(r_ij), r_l < r_ij < r_c
//   21 compact angular: G = sum_{j<k} c_r(r_ij) c_r(r_ik) c_r(r_jk) c_a(theta_ijk)
//   22 compact wide:    as 21 without c_r(r_jk)
//   23, 24, 25:         weighted versions of 20, 21, 22
// where c_r is a compact function on [r_l, r_c] and c_a one on
// [angleLeft, angleRight] (see formulas.h), both of the core type named by
// the subtype (p1 to p4, optionally followed by `a` for the asymmetric
// radial variant, or e).
struct SymmetryFunction {
    int type = 0;
    int element = 0;     // index of the central element in Potential::elements
    int neighbor1 = -1;  // neighbor element indices, neighbor1 <= neighbor2;
    int neighbor2 = -1;  // -1 for the weighted types, which take every element
    double rc = 0.0;
    double eta = 0.0;
    double rs = 0.0;
    double lambda = 0.0;
    double zeta = 0.0;
    double rl = 0.0;
    double angleLeft = 0.0;
    double angleRight = 0.0;
    std::string subtype;  // compact types only
    std::size_t line = 0; // line of input.nn that defined it

    // Statistics from scaling.data.
    double gmin = 0.0;
    double gmax = 0.0;
    double gmean = 0.0;
    double gsigma = 0.0;

    bool isAngular() const;
    bool isCompact() const;
    bool isWeighted() const;
    bool isWide() const;  // angular without the r_jk factors
};

// A dense layer: y = f(W x + b), or f((W x + b) / inputs) with normalize_nodes.
struct Layer {
    Eigen::MatrixXd weights;  // outputs x inputs
    Eigen::VectorXd bias;
    Activation activation = Activation::Identity;
};

struct ElementModel {
    std::string symbol;
    int atomicNumber = 0;
    double energyOffset = 0.0;  // atom_energy, added to every atom of this element
    std::vector<SymmetryFunction> symmetryFunctions;  // in n2p2's sorted order
    std::vector<Layer> layers;                         // hidden layers, then the output layer

    std::size_t numWeights() const;
};

struct Potential {
    std::vector<ElementModel> elements;  // sorted by atomic number, as n2p2 does
    CutoffType cutoffType = CutoffType::Hard;
    double cutoffAlpha = 0.0;
    ScalingMode scaling = ScalingMode::None;
    double scaleMin = 0.0;
    double scaleMax = 1.0;
    bool normalize = false;  // mean_energy, conv_energy, conv_length given
    double meanEnergy = 0.0;
    double convEnergy = 1.0;
    double convLength = 1.0;
    bool normalizeNodes = false;
    // True when scaling.data was read, so that G_min and G_max are known and
    // values outside that range can be reported as extrapolation.
    bool hasScalingData = false;

    // Path of the settings file that was read, and the messages about input
    // that the reader accepted but ignored (unknown keywords), for logs.
    std::string source;
    std::vector<std::string> warnings;

    // Returns the index of an element symbol, or -1 if the potential lacks it.
    int elementIndex(const std::string& symbol) const;
    // Largest symmetry function cutoff over all elements.
    double maxCutoff() const;
    std::size_t numWeights() const;
};

// Reads input.nn, scaling.data and weights.NNN.data (NNN = zero-padded
// atomic number) from a directory. scaling.data may be absent only when no
// scaling keyword is set. Throws InputError naming the file and line.
Potential readPotential(const std::string& directory);

// Same, with each file named explicitly. An empty scalingFile means none.
// weightsPattern contains one printf-style integer conversion for the
// atomic number, for example "dir/weights.%03d.data".
Potential readPotentialFiles(const std::string& settingsFile, const std::string& scalingFile,
                             const std::string& weightsPattern);

// Reads only input.nn: the architecture with all weights and biases zero,
// and no scaling statistics (hasScalingData false). For training, where
// scaling.data and the weights do not exist yet. Throws InputError like
// readPotentialFiles.
Potential readPotentialSettings(const std::string& settingsFile);

// Writes input.nn, scaling.data and weights.NNN.data into a directory that
// is created if needed. Numbers are written with 17 significant digits, so
// that reading the files back gives a bit-identical potential. Existing
// files are only replaced when overwrite is true; otherwise InputError.
void writePotential(const Potential& potential, const std::string& directory, bool overwrite);

// Sorts each element's symmetry functions into n2p2's order (by type, then
// by the parameters of the type) and permutes the first-layer weight
// columns with them, so that the potential computes the same energies.
// Files are written and read in this order.
void sortSymmetryFunctions(Potential& potential);
bool hasSortedSymmetryFunctions(const Potential& potential);

// Scaled symmetry function value (see ScalingMode) and the factor dG_scaled/dG.
double scaleSymmetryFunction(const Potential& potential, const SymmetryFunction& sf, double g);
double scalingFactor(const Potential& potential, const SymmetryFunction& sf);

// One-letter n2p2 code of an activation and back; parseActivation returns
// false for an unknown code.
char activationCode(Activation activation);
bool parseActivation(const std::string& code, Activation& activation);

}  // namespace bpnn

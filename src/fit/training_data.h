// SPDX-License-Identifier: GPL-2.0-or-later
// Training structures prepared once for many evaluations: validated
// reference data, symmetry functions, and the derivatives of every
// symmetry function of every atom with respect to the positions of the
// atoms in its cutoff sphere. Storing dG/dR is what makes the force loss
// and its gradient cheap to evaluate again and again.
#pragma once

#include "core/potential.h"
#include "core/structure.h"
#include "fit/random.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bpnn {
namespace fit {

// One structure of the data set with its reference values and features.
struct FitStructure {
    std::size_t number = 0;  // 1-based position in the data file
    std::size_t line = 0;    // line of the structure in the data file
    std::size_t numAtoms = 0;
    std::vector<int> elements;    // element index of each atom
    double energy = 0.0;          // reference total energy
    double energyOffset = 0.0;    // sum of the atom_energy offsets of its atoms
    std::vector<double> forces;   // reference forces, 3 per atom
    std::vector<double> positions;  // 3 per atom, for the parity output

    // Raw symmetry functions of atom i at raw[inputBegin[i] ..], scaled
    // ones at inputs[inputBegin[i] ..], in the order of its element's list.
    std::vector<std::size_t> inputBegin;
    std::vector<double> raw;
    std::vector<double> inputs;

    // Pairs: atom i depends on the positions of the atoms
    // pairAtom[pairBegin[i] .. pairBegin[i + 1] - 1] (itself first, each
    // atom once however many of its periodic images are in range). Atom i
    // stores dG_s/dR_k,c of its raw symmetry functions s for its pairs
    // q = 0 .. P - 1 (pair pairBegin[i] + q) as a column-major (3 P) x nsf
    // matrix at atomDerivatives(i): entry (3 q + c, s). Each column is one
    // function, so that both products with it run over long vectors.
    std::vector<std::size_t> pairBegin;
    std::vector<std::uint32_t> pairAtom;
    std::vector<std::size_t> derivativeBegin;  // per atom, offset of its first pair block
    std::vector<double> derivatives;

    // The inverse of the pairs: the pairs whose pairAtom is atom k are
    // contributorPair[contributorBegin[k] .. contributorBegin[k + 1] - 1],
    // owned by contributorAtom of the same range.
    std::vector<std::size_t> contributorBegin;
    std::vector<std::uint32_t> contributorAtom;
    std::vector<std::size_t> contributorPair;

    bool hasDerivatives() const { return !pairBegin.empty(); }
    std::size_t numFunctions(std::size_t atom) const { return inputBegin[atom + 1] - inputBegin[atom]; }
    std::size_t numPairs(std::size_t atom) const { return pairBegin[atom + 1] - pairBegin[atom]; }
    const double* atomDerivatives(std::size_t atom) const { return derivatives.data() + derivativeBegin[atom]; }
};

// Checks every structure before training. Throws InputError naming the
// data file, the structure, the line and what to do for an empty data set,
// a structure without atoms or energy, missing forces when forces are
// fitted, and elements that the potential lacks. The same holds for
// non-finite numbers and for atoms closer than minDistance (in the data's
// length unit) to another atom or to a periodic image.
void validateStructures(const std::vector<Structure>& structures, const Potential& potential,
                        const std::string& dataFile, bool needForces, double minDistance);

// Converts validated structures and computes their raw symmetry functions
// and, with derivatives, dG/dR. Runs in parallel over structures.
std::vector<FitStructure> prepareStructures(const std::vector<Structure>& structures, const Potential& potential,
                                            bool derivatives);

// Bytes of memory that the prepared features of the structures take.
std::size_t featureBytes(const std::vector<FitStructure>& structures);

// Splits structure indices 0 .. count - 1 into training and test sets:
// round(testFraction count) structures, at least one when testFraction > 0
// and count > 1, are drawn at random for the test set. Both lists are
// sorted.
void splitStructures(std::size_t count, double testFraction, Random& random, std::vector<std::size_t>& train,
                     std::vector<std::size_t>& test);

// Statistics of the reference data as n2p2's nnp-norm computes them: mean
// and sample standard deviation of the energy per atom (energies without
// the atom_energy offsets) over structures, and the standard deviation of
// all force components around their mean.
struct DataStatistics {
    double meanEnergy = 0.0;
    double sigmaEnergy = 0.0;
    double meanForce = 0.0;
    double sigmaForce = 0.0;
};

DataStatistics computeDataStatistics(const std::vector<FitStructure>& structures,
                                     const std::vector<std::size_t>& set);

// Sets G_min, G_max, G_mean and G_sigma (sample standard deviation) of
// every symmetry function from the atoms of the structures in set, as
// n2p2's nnp-scaling writes them to scaling.data. Throws InputError for an
// element without atoms in the set and, where the scaling mode divides by
// it, for a symmetry function whose range or sigma is zero.
void computeScalingStatistics(Potential& potential, const std::vector<FitStructure>& structures,
                              const std::vector<std::size_t>& set, const std::string& settingsFile);

// Fills the scaled inputs of every structure from the raw values.
void scaleInputs(const Potential& potential, std::vector<FitStructure>& structures);

}  // namespace fit
}  // namespace bpnn

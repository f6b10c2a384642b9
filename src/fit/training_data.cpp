// SPDX-License-Identifier: GPL-2.0-or-later
#include "fit/training_data.h"

#include "core/descriptors.h"
#include "core/errors.h"
#include "core/neighbor_list.h"
#include "core/text_parsing.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace bpnn {
namespace fit {
namespace {

bool isExtendedXyz(const std::string& path) {
    std::string lower = path;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    auto endsWith = [&](const std::string& suffix) {
        return lower.size() >= suffix.size() && lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return endsWith(".xyz") || endsWith(".extxyz");
}

// Returns the line of atom `atom` (0-based) of a structure. In an extended
// XYZ frame the atoms follow the count and comment lines. In input.data the
// atom lines are counted from the structure's "begin" line.
std::size_t atomLine(const std::string& file, const Structure& structure, std::size_t atom) {
    if (isExtendedXyz(file)) return structure.line + 2 + atom;
    std::ifstream in(file);
    std::string text;
    std::size_t number = 0;
    std::size_t atomsSeen = 0;
    while (std::getline(in, text)) {
        ++number;
        if (number < structure.line) continue;
        std::istringstream tokens(text);
        std::string keyword;
        tokens >> keyword;
        if (keyword != "atom") continue;
        if (atomsSeen == atom) return number;
        ++atomsSeen;
    }
    return structure.line;
}

std::string describe(const Structure& structure, std::size_t number) {
    return "structure " + std::to_string(number) + " (starting at line " + std::to_string(structure.line) + ")";
}

[[noreturn]] void failAtom(const std::string& file, const Structure& structure, std::size_t number, std::size_t atom,
                           const std::string& message) {
    throw InputError(file, atomLine(file, structure, atom),
                     describe(structure, number) + ", atom " + std::to_string(atom + 1) + ": " + message);
}

bool finite3(const Vec3& v) { return std::isfinite(v[0]) && std::isfinite(v[1]) && std::isfinite(v[2]); }

void checkDistances(const Structure& structure, std::size_t number, const std::string& file, double minDistance) {
    const std::size_t n = structure.size();
    // Atoms at bitwise identical positions: the neighbor list skips r = 0.
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return structure.positions[a] < structure.positions[b]; });
    for (std::size_t k = 1; k < n; ++k) {
        if (structure.positions[order[k]] == structure.positions[order[k - 1]]) {
            const std::size_t first = std::min(order[k], order[k - 1]);
            const std::size_t second = std::max(order[k], order[k - 1]);
            failAtom(file, structure, number, second,
                     "same position as atom " + std::to_string(first + 1) + ": remove the duplicate atom");
        }
    }
    if (minDistance <= 0.0) return;
    NeighborList list;
    try {
        list = buildNeighborList(structure, minDistance);
    } catch (const std::invalid_argument& error) {
        throw InputError(file, structure.line, describe(structure, number) + ": " + error.what());
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (list.count(i) == 0) continue;
        const Neighbor& close = *list.begin(i);
        std::ostringstream message;
        message << "closer than " << minDistance << " length units to "
                << (static_cast<std::size_t>(close.index) == i ? "its own periodic image"
                                                                : "atom " + std::to_string(close.index + 1))
                << " (distance " << close.r << "): fix or remove the structure, or lower --min-distance";
        failAtom(file, structure, number, i, message.str());
    }
}

}  // namespace

void validateStructures(const std::vector<Structure>& structures, const Potential& potential,
                        const std::string& dataFile, bool needForces, double minDistance) {
    if (structures.empty()) {
        throw InputError(dataFile, 0,
                         "no structures found: the data set is empty (expected input.data 'begin' ... 'end' "
                         "blocks or extended XYZ frames)");
    }
    std::string known;
    for (const ElementModel& model : potential.elements) known += " " + model.symbol;
    for (std::size_t s = 0; s < structures.size(); ++s) {
        const Structure& structure = structures[s];
        const std::size_t number = s + 1;
        if (structure.size() == 0) {
            throw InputError(dataFile, structure.line, describe(structure, number) + " has no atoms: remove it");
        }
        if (!structure.hasEnergy) {
            throw InputError(dataFile, structure.line,
                             describe(structure, number) + " has no reference energy: add an 'energy' line "
                             "(input.data) or an energy= key (extended XYZ)");
        }
        if (!std::isfinite(structure.energy)) {
            throw InputError(dataFile, structure.line, describe(structure, number) + " has a non-finite energy: fix or remove it");
        }
        if (needForces && !structure.hasForces) {
            throw InputError(dataFile, structure.line,
                             describe(structure, number) + " has no reference forces, but forces are fitted: add "
                             "a forces column or fit energies only (--no-forces)");
        }
        for (std::size_t c = 0; c < 3; ++c) {
            if (structure.periodic[c] && !finite3(structure.cell[c])) {
                throw InputError(dataFile, structure.line,
                                 describe(structure, number) + " has a non-finite lattice vector");
            }
        }
        for (std::size_t i = 0; i < structure.size(); ++i) {
            if (potential.elementIndex(structure.symbols[i]) < 0) {
                failAtom(dataFile, structure, number, i,
                         "element '" + structure.symbols[i] + "' is not in the settings (elements:" + known +
                             "): remove the structure or add the element to input.nn");
            }
            if (!finite3(structure.positions[i])) failAtom(dataFile, structure, number, i, "non-finite position");
            if (needForces && !finite3(structure.forces[i])) {
                failAtom(dataFile, structure, number, i, "non-finite reference force");
            }
        }
        checkDistances(structure, number, dataFile, minDistance);
    }
}

namespace {

// Calculators for one symmetry function each, so that one adjoint pass with
// dE/dG = 1 yields the derivatives of exactly that function.
struct SingleFunctionCalculators {
    std::vector<Potential> potentials;  // per element and function
    std::vector<std::vector<DescriptorCalculator>> calculators;

    explicit SingleFunctionCalculators(const Potential& potential) {
        for (std::size_t e = 0; e < potential.elements.size(); ++e) {
            for (const SymmetryFunction& sf : potential.elements[e].symmetryFunctions) {
                Potential single;
                single.elements = potential.elements;
                single.cutoffType = potential.cutoffType;
                single.cutoffAlpha = potential.cutoffAlpha;
                for (ElementModel& model : single.elements) {
                    model.layers.clear();
                    model.symmetryFunctions.clear();
                }
                single.elements[e].symmetryFunctions = {sf};
                potentials.push_back(std::move(single));
            }
        }
        calculators.resize(potential.elements.size());
        std::size_t next = 0;
        for (std::size_t e = 0; e < potential.elements.size(); ++e) {
            for (std::size_t s = 0; s < potential.elements[e].symmetryFunctions.size(); ++s) {
                calculators[e].emplace_back(potentials[next++], static_cast<int>(e));
            }
        }
    }
};

void buildContributors(FitStructure& fs) {
    const std::size_t n = fs.numAtoms;
    fs.contributorBegin.assign(n + 1, 0);
    for (std::uint32_t k : fs.pairAtom) ++fs.contributorBegin[k + 1];
    for (std::size_t k = 0; k < n; ++k) fs.contributorBegin[k + 1] += fs.contributorBegin[k];
    fs.contributorAtom.resize(fs.pairAtom.size());
    fs.contributorPair.resize(fs.pairAtom.size());
    std::vector<std::size_t> next(fs.contributorBegin.begin(), fs.contributorBegin.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t p = fs.pairBegin[i]; p < fs.pairBegin[i + 1]; ++p) {
            const std::size_t slot = next[fs.pairAtom[p]]++;
            fs.contributorAtom[slot] = static_cast<std::uint32_t>(i);
            fs.contributorPair[slot] = p;
        }
    }
}

void prepareOne(const Structure& structure, const Potential& potential, std::size_t number,
                std::vector<DescriptorCalculator>& full, SingleFunctionCalculators* single, FitStructure& fs) {
    const std::size_t n = structure.size();
    fs.number = number;
    fs.line = structure.line;
    fs.numAtoms = n;
    fs.energy = structure.energy;
    fs.elements.resize(n);
    fs.forces.resize(3 * n);
    fs.positions.resize(3 * n);
    fs.energyOffset = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        fs.elements[i] = potential.elementIndex(structure.symbols[i]);
        fs.energyOffset += potential.elements[static_cast<std::size_t>(fs.elements[i])].energyOffset;
        for (std::size_t c = 0; c < 3; ++c) {
            fs.forces[3 * i + c] = structure.hasForces ? structure.forces[i][c] : 0.0;
            fs.positions[3 * i + c] = structure.positions[i][c];
        }
    }
    fs.inputBegin.assign(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        fs.inputBegin[i + 1] = fs.inputBegin[i] + full[static_cast<std::size_t>(fs.elements[i])].numFunctions();
    }
    fs.raw.assign(fs.inputBegin[n], 0.0);

    const NeighborList list = buildNeighborList(structure, potential.maxCutoff());
    std::vector<DescriptorNeighbor> neighbors;
    std::vector<int> slotOf(n, -1);
    std::vector<double> gradient;
    if (single) {
        fs.pairBegin.assign(1, 0);
        fs.derivativeBegin.assign(1, 0);
    }
    for (std::size_t i = 0; i < n; ++i) {
        neighbors.clear();
        for (const Neighbor* nb = list.begin(i); nb != list.end(i); ++nb) {
            neighbors.push_back({nb->index, fs.elements[static_cast<std::size_t>(nb->index)], {nb->dx, nb->dy, nb->dz},
                                 nb->r});
        }
        const std::size_t element = static_cast<std::size_t>(fs.elements[i]);
        full[element].compute(neighbors.data(), neighbors.size(), fs.raw.data() + fs.inputBegin[i]);
        if (!single) continue;

        // Slots: the atom itself, then each distinct neighbor atom.
        const std::size_t firstPair = fs.pairAtom.size();
        fs.pairAtom.push_back(static_cast<std::uint32_t>(i));
        slotOf[i] = 0;
        for (const DescriptorNeighbor& nb : neighbors) {
            if (slotOf[static_cast<std::size_t>(nb.index)] < 0) {
                slotOf[static_cast<std::size_t>(nb.index)] = static_cast<int>(fs.pairAtom.size() - firstPair);
                fs.pairAtom.push_back(static_cast<std::uint32_t>(nb.index));
            }
        }
        const std::size_t numPairs = fs.pairAtom.size() - firstPair;
        const std::size_t numFunctions = fs.numFunctions(i);
        const std::size_t base = fs.derivatives.size();
        fs.derivatives.resize(base + numPairs * numFunctions * 3, 0.0);
        const double one = 1.0;
        for (std::size_t s = 0; s < numFunctions; ++s) {
            gradient.assign(3 * neighbors.size(), 0.0);
            single->calculators[element][s].backpropagate(neighbors.data(), neighbors.size(), &one, gradient.data());
            for (std::size_t k = 0; k < neighbors.size(); ++k) {
                const std::size_t slot = static_cast<std::size_t>(slotOf[static_cast<std::size_t>(neighbors[k].index)]);
                double* column = fs.derivatives.data() + base + s * 3 * numPairs;
                // d = r_j - r_i, so dG/dR_j = dG/dd and dG/dR_i = -dG/dd.
                for (std::size_t c = 0; c < 3; ++c) {
                    column[3 * slot + c] += gradient[3 * k + c];
                    column[c] -= gradient[3 * k + c];
                }
            }
        }
        for (std::size_t p = firstPair; p < fs.pairAtom.size(); ++p) slotOf[fs.pairAtom[p]] = -1;
        fs.pairBegin.push_back(fs.pairAtom.size());
        fs.derivativeBegin.push_back(fs.derivatives.size());
    }
    if (single) {
        fs.derivativeBegin.pop_back();
        buildContributors(fs);
    }
}

}  // namespace

std::vector<FitStructure> prepareStructures(const std::vector<Structure>& structures, const Potential& potential,
                                            bool derivatives) {
    std::vector<FitStructure> prepared(structures.size());
    const long count = static_cast<long>(structures.size());
    std::string failure;
#pragma omp parallel
    {
        std::vector<DescriptorCalculator> full;
        for (std::size_t e = 0; e < potential.elements.size(); ++e) full.emplace_back(potential, static_cast<int>(e));
        std::unique_ptr<SingleFunctionCalculators> single;
        if (derivatives) single = std::make_unique<SingleFunctionCalculators>(potential);
#pragma omp for schedule(dynamic, 1)
        for (long s = 0; s < count; ++s) {
            try {
                prepareOne(structures[static_cast<std::size_t>(s)], potential, static_cast<std::size_t>(s) + 1, full,
                           single.get(), prepared[static_cast<std::size_t>(s)]);
            } catch (const std::exception& error) {
#pragma omp critical(bpnn_fit_prepare_failure)
                if (failure.empty()) failure = error.what();
            }
        }
    }
    if (!failure.empty()) throw InputError(failure);
    return prepared;
}

std::size_t featureBytes(const std::vector<FitStructure>& structures) {
    std::size_t bytes = 0;
    for (const FitStructure& fs : structures) {
        bytes += sizeof(double) * (fs.raw.size() + fs.inputs.size() + fs.derivatives.size() + fs.forces.size());
        bytes += sizeof(std::uint32_t) * (fs.pairAtom.size() + fs.contributorAtom.size());
        bytes += sizeof(std::size_t) * (fs.pairBegin.size() + fs.derivativeBegin.size() + fs.contributorPair.size() +
                                        fs.contributorBegin.size() + fs.inputBegin.size());
    }
    return bytes;
}

void splitStructures(std::size_t count, double testFraction, Random& random, std::vector<std::size_t>& train,
                     std::vector<std::size_t>& test) {
    std::size_t numTest = static_cast<std::size_t>(std::llround(testFraction * static_cast<double>(count)));
    if (testFraction > 0.0 && count > 1) numTest = std::max<std::size_t>(numTest, 1);
    numTest = std::min(numTest, count > 0 ? count - 1 : 0);
    std::vector<std::size_t> order(count);
    for (std::size_t i = 0; i < count; ++i) order[i] = i;
    random.shuffle(order);
    test.assign(order.begin(), order.begin() + static_cast<long>(numTest));
    train.assign(order.begin() + static_cast<long>(numTest), order.end());
    std::sort(test.begin(), test.end());
    std::sort(train.begin(), train.end());
}

DataStatistics computeDataStatistics(const std::vector<FitStructure>& structures, const std::vector<std::size_t>& set) {
    DataStatistics stats;
    std::size_t numAtoms = 0;
    for (std::size_t s : set) {
        const FitStructure& fs = structures[s];
        stats.meanEnergy += (fs.energy - fs.energyOffset) / static_cast<double>(fs.numAtoms);
        for (double f : fs.forces) stats.meanForce += f;
        numAtoms += fs.numAtoms;
    }
    const double numStructures = static_cast<double>(set.size());
    const double numComponents = 3.0 * static_cast<double>(numAtoms);
    stats.meanEnergy /= numStructures;
    stats.meanForce /= numComponents;
    for (std::size_t s : set) {
        const FitStructure& fs = structures[s];
        const double difference = (fs.energy - fs.energyOffset) / static_cast<double>(fs.numAtoms) - stats.meanEnergy;
        stats.sigmaEnergy += difference * difference;
        for (double f : fs.forces) stats.sigmaForce += (f - stats.meanForce) * (f - stats.meanForce);
    }
    stats.sigmaEnergy = set.size() > 1 ? std::sqrt(stats.sigmaEnergy / (numStructures - 1.0)) : 0.0;
    stats.sigmaForce = numComponents > 1.0 ? std::sqrt(stats.sigmaForce / (numComponents - 1.0)) : 0.0;
    return stats;
}

void computeScalingStatistics(Potential& potential, const std::vector<FitStructure>& structures,
                              const std::vector<std::size_t>& set, const std::string& settingsFile) {
    const std::size_t numElements = potential.elements.size();
    std::vector<std::vector<double>> sum(numElements), sum2(numElements), low(numElements), high(numElements);
    std::vector<std::size_t> count(numElements, 0);
    for (std::size_t e = 0; e < numElements; ++e) {
        const std::size_t nsf = potential.elements[e].symmetryFunctions.size();
        sum[e].assign(nsf, 0.0);
        sum2[e].assign(nsf, 0.0);
        low[e].assign(nsf, HUGE_VAL);
        high[e].assign(nsf, -HUGE_VAL);
    }
    for (std::size_t s : set) {
        const FitStructure& fs = structures[s];
        for (std::size_t i = 0; i < fs.numAtoms; ++i) {
            const std::size_t e = static_cast<std::size_t>(fs.elements[i]);
            const double* g = fs.raw.data() + fs.inputBegin[i];
            ++count[e];
            for (std::size_t k = 0; k < sum[e].size(); ++k) {
                sum[e][k] += g[k];
                sum2[e][k] += g[k] * g[k];
                low[e][k] = std::min(low[e][k], g[k]);
                high[e][k] = std::max(high[e][k], g[k]);
            }
        }
    }
    for (std::size_t e = 0; e < numElements; ++e) {
        ElementModel& model = potential.elements[e];
        if (count[e] == 0) {
            throw InputError(settingsFile, 0,
                             "element " + model.symbol + " has no atoms in the data, so its network cannot be "
                             "fitted: add structures that contain it or remove it from input.nn");
        }
        const double n = static_cast<double>(count[e]);
        for (std::size_t k = 0; k < model.symmetryFunctions.size(); ++k) {
            SymmetryFunction& sf = model.symmetryFunctions[k];
            sf.gmin = low[e][k];
            sf.gmax = high[e][k];
            sf.gmean = sum[e][k] / n;
            const double variance = count[e] > 1 ? (sum2[e][k] - sum[e][k] * sum[e][k] / n) / (n - 1.0) : 0.0;
            sf.gsigma = std::sqrt(std::max(variance, 0.0));
            const bool usesRange = potential.scaling == ScalingMode::Scale || potential.scaling == ScalingMode::ScaleCenter;
            const bool usesSigma = potential.scaling == ScalingMode::Sigma;
            if ((usesRange && !(sf.gmax > sf.gmin)) || (usesSigma && !(sf.gsigma > 0.0))) {
                throw InputError(settingsFile, sf.line,
                                 "symmetry function " + std::to_string(k + 1) + " of element " + model.symbol +
                                     " has the same value " + formatDouble(sf.gmin) + " for all " +
                                     std::to_string(count[e]) + " atoms of the data, so it cannot be scaled: "
                                     "remove it or add structures where it varies");
            }
        }
    }
    potential.hasScalingData = true;
}

void scaleInputs(const Potential& potential, std::vector<FitStructure>& structures) {
    for (FitStructure& fs : structures) {
        fs.inputs.resize(fs.raw.size());
        for (std::size_t i = 0; i < fs.numAtoms; ++i) {
            const ElementModel& model = potential.elements[static_cast<std::size_t>(fs.elements[i])];
            for (std::size_t k = 0; k < model.symmetryFunctions.size(); ++k) {
                const std::size_t index = fs.inputBegin[i] + k;
                fs.inputs[index] = scaleSymmetryFunction(potential, model.symmetryFunctions[k], fs.raw[index]);
            }
        }
    }
}

}  // namespace fit
}  // namespace bpnn

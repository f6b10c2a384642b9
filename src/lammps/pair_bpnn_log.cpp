// SPDX-License-Identifier: GPL-2.0-or-later
// The set-up summary that pair_style bpnn writes once per potential and
// settings: what was read, how atom types map to elements, cutoffs, unit
// conversion and the extrapolation warning settings.
#include "pair_bpnn.h"

#include "unit_check.h"

#include "atom.h"
#include "error.h"
#include "update.h"

#include <cstdio>
#include <filesystem>

using namespace LAMMPS_NS;

namespace bpnn {
namespace {

// A potential whose cutoff is this much smaller than pair_style's cutoff
// gets a warning, as in pair_style hdnnp: the neighbor lists are larger than
// needed, and the mismatch often means a wrong cflength.
constexpr double kCutoffExcessTolerance = 0.01;

std::string formatNumber(double value, int digits = 10) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    return buffer;
}

std::string describeNetwork(const ElementModel& model) {
    std::string shape = std::to_string(model.symmetryFunctions.size());
    std::string activations;
    for (const Layer& layer : model.layers) {
        shape += "-" + std::to_string(layer.weights.rows());
        activations += std::string(activations.empty() ? "" : " ") + activationCode(layer.activation);
    }
    return "network " + shape + " (activations " + activations + ")";
}

double elementCutoff(const ElementModel& model) {
    double cutoff = 0.0;
    for (const SymmetryFunction& sf : model.symmetryFunctions) cutoff = std::max(cutoff, sf.rc);
    return cutoff;
}

std::string describeExtrapolationSettings(const PairSettings& settings, bool hasScalingData) {
    if (!hasScalingData) {
        return "  extrapolation warnings: none, because the potential has no scaling.data with G_min and G_max\n";
    }
    std::string text = "  extrapolation warnings (G outside [G_min, G_max] of scaling.data): individual warnings ";
    text += settings.showew ? "shown" : "not shown";
    text += settings.showewsum > 0 ? ", summary every " + std::to_string(settings.showewsum) + " steps"
                                   : ", no summary";
    if (settings.maxew < 0) {
        text += ", no limit\n";
    } else {
        text += ", the run stops when more than " + std::to_string(settings.maxew) + " warnings occur " +
                (settings.resetew ? "in one step\n" : "in total\n");
    }
    return text;
}

}  // namespace

void PairBpnn::logSetup() {
    const Potential& potential = *potential_;
    std::string text = "pair_style bpnn: potential read from " + loadedDirectory_ + "\n";

    for (std::size_t e = 0; e < potential.elements.size(); ++e) {
        const ElementModel& model = potential.elements[e];
        std::string types;
        for (std::size_t type = 1; type < typeToElement_.size(); ++type) {
            if (typeToElement_[type] == static_cast<int>(e)) types += " " + std::to_string(type);
        }
        text += "  element " + model.symbol + " (Z = " + std::to_string(model.atomicNumber) +
                "): " + std::to_string(model.symmetryFunctions.size()) + " symmetry functions up to r_c = " +
                formatNumber(elementCutoff(model)) + ", " + describeNetwork(model) + ", " +
                std::to_string(model.numWeights()) + " weights; atom types:" + (types.empty() ? " none" : types) +
                "\n";
    }
    std::string ignored;
    for (std::size_t type = 1; type < typeToElement_.size(); ++type) {
        if (typeToElement_[type] < 0) ignored += " " + std::to_string(type);
    }
    if (!ignored.empty()) text += "  atom types ignored (NULL):" + ignored + "\n";

    const double required = requiredCutoff();
    text += "  largest symmetry function cutoff: " + formatNumber(potential.maxCutoff()) +
            " potential length units = " + formatNumber(required) + " LAMMPS length units (pair_style cutoff " +
            formatNumber(settings_.cutoff) + ")\n";
    text += "  unit conversion (units " + std::string(update->unit_style) + "): potential length = " +
            formatNumber(settings_.cflength, 12) + " x LAMMPS length, potential energy = " +
            formatNumber(settings_.cfenergy, 12) + " x LAMMPS energy\n";

    const std::string inputNn = (std::filesystem::path(loadedDirectory_) / "input.nn").string();
    const UnitCheck unitCheck = checkUnitConversion(update->unit_style, readDeclaredUnits(inputNn), inputNn,
                                                    settings_.cflength, settings_.cfenergy);
    for (const std::string& note : unitCheck.notes) text += "  " + note + "\n";
    text += describeExtrapolationSettings(settings_, potential.hasScalingData);
    utils::logmesg(lmp, text);

    for (const std::string& warning : potential.warnings) error->warning(FLERR, "pair_style bpnn: " + warning);
    for (const std::string& warning : unitCheck.warnings) error->warning(FLERR, "pair_style bpnn: " + warning);
    if (settings_.cutoff > required * (1.0 + kCutoffExcessTolerance)) {
        error->warning(FLERR, "pair_style bpnn: cutoff " + formatNumber(settings_.cutoff) +
                                  " is more than 1% larger than the potential's largest cutoff " +
                                  formatNumber(required) +
                                  " (LAMMPS length units); neighbor lists are larger than needed. If the "
                                  "potential's length unit differs from LAMMPS's, check cflength.");
    }
}

}  // namespace bpnn

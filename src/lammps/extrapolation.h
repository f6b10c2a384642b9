// SPDX-License-Identifier: GPL-2.0-or-later
// Extrapolation warnings of pair_style bpnn: symmetry function values
// outside the range [G_min, G_max] of the training data (scaling.data).
// The lines use the format of pair_style hdnnp, so that scripts written for
// n2p2's log output keep working. Free of LAMMPS types.
#pragma once

#include "core/descriptors.h"
#include "core/evaluator.h"
#include "core/potential.h"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace bpnn {

// Lines describing the extrapolating values of one MPI rank.
struct ExtrapolationReport {
    std::vector<std::string> lines;  // at most the requested number
    std::size_t total = 0;           // all values found, including those without a line
};

// Recomputes the raw symmetry functions of the request's centers and
// describes every value outside [G_min, G_max], as
//   ### NNP EXTRAPOLATION WARNING ### STRUCTURE: RANK ATOM: ID ELEMENT: X
//   SYMFUNC: N TYPE: T VALUE: G MIN: G_min MAX: G_max
// (one line each), where N counts the element's symmetry functions from 1
// in the order of the potential and ID is atomId(index of the center).
// Needs one DescriptorCalculator per element.
ExtrapolationReport describeExtrapolations(const Potential& potential,
                                           std::vector<DescriptorCalculator>& calculators,
                                           const EvaluationRequest& request,
                                           const std::function<long long(std::size_t)>& atomId, int rank,
                                           std::size_t maxLines);

// Summary line of pair_style hdnnp's showewsum:
//   ### NNP EW SUMMARY ### TS: STEP EW COUNT EWPERSTEP RATE
std::string extrapolationSummary(long long step, long long count, long long interval);

}  // namespace bpnn

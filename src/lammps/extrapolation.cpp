// SPDX-License-Identifier: GPL-2.0-or-later
#include "extrapolation.h"

#include <cstdio>

namespace bpnn {

ExtrapolationReport describeExtrapolations(const Potential& potential,
                                           std::vector<DescriptorCalculator>& calculators,
                                           const EvaluationRequest& request,
                                           const std::function<long long(std::size_t)>& atomId, int rank,
                                           std::size_t maxLines) {
    ExtrapolationReport report;
    if (!potential.hasScalingData) return report;

    const double cutoff = potential.maxCutoff();
    std::vector<Neighbor> gathered;
    std::vector<DescriptorNeighbor> neighbors;
    std::vector<double> values;
    for (std::size_t center = 0; center < request.numCenters; ++center) {
        const std::size_t index =
            request.centerIndices ? static_cast<std::size_t>(request.centerIndices[center]) : center;
        const int element = request.elements[index];
        if (element < 0) continue;

        // The same neighbor selection as Evaluator::gatherChunk.
        gathered.clear();
        request.gather(center, gathered);
        neighbors.clear();
        for (const Neighbor& n : gathered) {
            const int neighborElement = request.elements[n.index];
            if (neighborElement < 0 || n.r >= cutoff) continue;
            neighbors.push_back({n.index, neighborElement, {n.dx, n.dy, n.dz}, n.r});
        }

        DescriptorCalculator& calculator = calculators[static_cast<std::size_t>(element)];
        values.resize(calculator.numFunctions());
        calculator.compute(neighbors.data(), neighbors.size(), values.data());

        const ElementModel& model = potential.elements[static_cast<std::size_t>(element)];
        for (std::size_t s = 0; s < values.size(); ++s) {
            const SymmetryFunction& sf = model.symmetryFunctions[s];
            if (values[s] >= sf.gmin && values[s] <= sf.gmax) continue;
            ++report.total;
            if (report.lines.size() >= maxLines) continue;
            char line[256];
            std::snprintf(line, sizeof line,
                          "### NNP EXTRAPOLATION WARNING ### STRUCTURE: %6d ATOM: %9lld ELEMENT: %2s SYMFUNC: %4zu "
                          "TYPE: %2d VALUE: %10.3E MIN: %10.3E MAX: %10.3E\n",
                          rank, atomId(index), model.symbol.c_str(), s + 1, sf.type, values[s], sf.gmin, sf.gmax);
            report.lines.emplace_back(line);
        }
    }
    return report;
}

std::string extrapolationSummary(long long step, long long count, long long interval) {
    char line[128];
    std::snprintf(line, sizeof line, "### NNP EW SUMMARY ### TS: %10lld EW %10lld EWPERSTEP %10.3e\n", step, count,
                  static_cast<double>(count) / static_cast<double>(interval));
    return line;
}

}  // namespace bpnn

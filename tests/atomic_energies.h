// SPDX-License-Identifier: GPL-2.0-or-later
// Reader of per-atom energy files ("structure atom element energy" per line,
// 1-based indices), as n2p2's reference files and bpnn predict write them.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bpnn::test {

// Returns the per-atom energies by structure; throws std::runtime_error for
// an unreadable file or a malformed line.
inline std::vector<std::vector<double>> readAtomicEnergyFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<std::vector<double>> energies;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::size_t structure = 0, atom = 0;
        std::string element;
        double energy = 0.0;
        if (!(words >> structure >> atom >> element >> energy) || structure == 0) {
            throw std::runtime_error(path + ": malformed line '" + line + "'");
        }
        if (energies.size() < structure) energies.resize(structure);
        energies[structure - 1].push_back(energy);
    }
    return energies;
}

}  // namespace bpnn::test

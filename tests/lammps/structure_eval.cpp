// SPDX-License-Identifier: GPL-2.0-or-later
// Test helper: evaluates the structures of an input.data file with the core
// library (no LAMMPS involved) and prints energies, forces and virials with
// 17 significant digits, in the potential's units. The LAMMPS tests compare
// the plugin against it where n2p2's reference values cannot be used.
//
// Usage: bpnn_structure_eval POTENTIAL_DIR INPUT_DATA
// Output, per structure (0-based index s, atom i):
//   structure s N
//   energy E
//   virial W_xx W_xy W_xz W_yx ... W_zz        (W_ab = sum r_a f_b)
//   extrapolations COUNT        (symmetry function values outside [G_min, G_max])
//   atom i ELEMENT E_i F_x F_y F_z W_i,xx ... W_i,zz
#include "core/errors.h"
#include "core/evaluator.h"
#include "core/potential.h"
#include "core/structure_io.h"

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s POTENTIAL_DIR INPUT_DATA\n", argv[0]);
        return 2;
    }
    try {
        const bpnn::Potential potential = bpnn::readPotential(argv[1]);
        bpnn::Evaluator evaluator(potential);
        const std::vector<bpnn::Structure> structures = bpnn::readRunnerData(argv[2]);
        for (std::size_t s = 0; s < structures.size(); ++s) {
            const bpnn::Structure& structure = structures[s];
            const bpnn::Evaluator::StructureResult result = evaluator.evaluate(structure);
            std::printf("structure %zu %zu\nenergy %.17g\nvirial", s, structure.size(), result.energy);
            for (double w : result.virial) std::printf(" %.17g", w);
            std::printf("\nextrapolations %zu\n", result.extrapolations);
            for (std::size_t i = 0; i < structure.size(); ++i) {
                std::printf("atom %zu %s %.17g", i, structure.symbols[i].c_str(), result.atomEnergies[i]);
                for (double f : result.forces[i]) std::printf(" %.17g", f);
                for (double w : result.atomVirials[i]) std::printf(" %.17g", w);
                std::printf("\n");
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bpnn_structure_eval: %s\n", e.what());
        return 1;
    }
    return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// Consistency check between the LAMMPS `units` style, the conversion factors
// cflength and cfenergy of pair_style bpnn, and the units that a potential's
// input.nn declares in its header comments. Free of LAMMPS types, so that it
// can be tested on its own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bpnn {

// Units named in comment lines of input.nn such as
//   # Length unit     : Bohr
//   # Energy unit     : Ha
// (the header that n2p2's example potentials carry). Empty when absent.
struct DeclaredUnits {
    std::string length;
    std::string energy;
    std::size_t lengthLine = 0;  // 1-based line in input.nn, 0 when absent
    std::size_t energyLine = 0;
};

// Scans the comment lines of an input.nn file for declared units. Returns
// empty fields when the file has no such lines or cannot be opened (the
// potential reader reports unreadable files).
DeclaredUnits readDeclaredUnits(const std::string& inputNnPath);

// Size of a length unit in meters and of an energy unit in joules, for the
// names that potential headers use (Bohr, Angstrom, nm, Ha, eV, Ry, kcal/mol,
// kJ/mol, ...; case-insensitive). Returns 0 for an unknown name.
double lengthUnitInMeters(const std::string& name);
double energyUnitInJoules(const std::string& name);

// Length and energy units of a LAMMPS `units` style. Sizes are 0 for `lj`,
// whose reduced units have no fixed size, and for unknown styles.
struct LammpsUnits {
    std::string lengthName;
    std::string energyName;
    double lengthMeters = 0.0;
    double energyJoules = 0.0;
};
LammpsUnits lammpsUnits(const std::string& unitStyle);

// Result of comparing the conversion factors with the declared units.
struct UnitCheck {
    std::vector<std::string> warnings;  // one sentence each, for error->warning()
    std::vector<std::string> notes;     // for the set-up log
};

// Compares cflength and cfenergy (potential unit per LAMMPS unit) with the
// factors that the declared units and the LAMMPS units style imply. A factor
// that differs by more than a relative 1e-4 gives a warning that names both
// units and the expected value. Nothing is compared where a unit is
// undeclared, unknown, or the style is `lj`, and a note in the log reports that.
UnitCheck checkUnitConversion(const std::string& unitStyle, const DeclaredUnits& declared,
                              const std::string& inputNnPath, double cflength, double cfenergy);

}  // namespace bpnn

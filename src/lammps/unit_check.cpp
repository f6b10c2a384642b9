// SPDX-License-Identifier: GPL-2.0-or-later
#include "unit_check.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

namespace bpnn {
namespace {

// CODATA 2018 values.
constexpr double kBohrInMeters = 0.529177210903e-10;
constexpr double kHartreeInJoules = 4.3597447222071e-18;
constexpr double kElectronVoltInJoules = 1.602176634e-19;
constexpr double kAvogadro = 6.02214076e23;

// Relative difference above which a conversion factor counts as inconsistent.
// The factors that n2p2's examples use (1.8897261328, 0.0367493254) differ
// from the CODATA 2018 values by less than 1e-7.
constexpr double kFactorTolerance = 1e-4;

std::string toLower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return std::string();
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

std::string formatNumber(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.12g", value);
    return buffer;
}

// Returns the value after "<key> unit ... :" in a comment line, or "" if
// the line does not declare that unit. Only the first word of the value
// counts, so trailing remarks are ignored.
std::string declaredValue(const std::string& line, const std::string& key) {
    const std::string lower = toLower(line);
    const auto hash = lower.find_first_not_of(" \t");
    if (hash == std::string::npos || lower[hash] != '#') return std::string();
    const auto keyAt = lower.find(key + " unit", hash);
    if (keyAt == std::string::npos) return std::string();
    const auto colon = lower.find(':', keyAt);
    if (colon == std::string::npos) return std::string();
    const std::string value = trim(line.substr(colon + 1));
    return value.substr(0, value.find_first_of(" \t"));
}

}  // namespace

DeclaredUnits readDeclaredUnits(const std::string& inputNnPath) {
    DeclaredUnits units;
    std::ifstream file(inputNnPath);
    std::string line;
    for (std::size_t number = 1; std::getline(file, line); ++number) {
        if (units.length.empty()) {
            units.length = declaredValue(line, "length");
            if (!units.length.empty()) units.lengthLine = number;
        }
        if (units.energy.empty()) {
            units.energy = declaredValue(line, "energy");
            if (!units.energy.empty()) units.energyLine = number;
        }
    }
    return units;
}

double lengthUnitInMeters(const std::string& name) {
    static const std::map<std::string, double> units = {
        {"bohr", kBohrInMeters},  {"a0", kBohrInMeters},   {"a.u.", kBohrInMeters},
        {"angstrom", 1e-10},      {"ang", 1e-10},          {"a", 1e-10},
        {"nm", 1e-9},             {"nanometer", 1e-9},     {"pm", 1e-12},
        {"m", 1.0},               {"meter", 1.0},
    };
    const auto found = units.find(toLower(name));
    return found == units.end() ? 0.0 : found->second;
}

double energyUnitInJoules(const std::string& name) {
    static const std::map<std::string, double> units = {
        {"ha", kHartreeInJoules},
        {"hartree", kHartreeInJoules},
        {"eh", kHartreeInJoules},
        {"a.u.", kHartreeInJoules},
        {"ry", 0.5 * kHartreeInJoules},
        {"rydberg", 0.5 * kHartreeInJoules},
        {"ev", kElectronVoltInJoules},
        {"mev", 1e-3 * kElectronVoltInJoules},
        {"kcal/mol", 4184.0 / kAvogadro},
        {"kj/mol", 1000.0 / kAvogadro},
        {"j", 1.0},
    };
    const auto found = units.find(toLower(name));
    return found == units.end() ? 0.0 : found->second;
}

LammpsUnits lammpsUnits(const std::string& unitStyle) {
    if (unitStyle == "real") return {"Angstrom", "kcal/mol", 1e-10, 4184.0 / kAvogadro};
    if (unitStyle == "metal") return {"Angstrom", "eV", 1e-10, kElectronVoltInJoules};
    if (unitStyle == "si") return {"m", "J", 1.0, 1.0};
    if (unitStyle == "cgs") return {"cm", "erg", 1e-2, 1e-7};
    if (unitStyle == "electron") return {"Bohr", "Hartree", kBohrInMeters, kHartreeInJoules};
    if (unitStyle == "micro") return {"micrometer", "picogram micrometer^2/microsecond^2", 1e-6, 1e-15};
    if (unitStyle == "nano") return {"nm", "attogram nm^2/ns^2", 1e-9, 1e-21};
    return {"reduced length", "reduced energy", 0.0, 0.0};
}

UnitCheck checkUnitConversion(const std::string& unitStyle, const DeclaredUnits& declared,
                              const std::string& inputNnPath, double cflength, double cfenergy) {
    UnitCheck check;
    const LammpsUnits lammps = lammpsUnits(unitStyle);
    if (lammps.lengthMeters == 0.0) {
        check.notes.push_back("units " + unitStyle +
                              " has no fixed physical size, so cflength and cfenergy are used as given");
        return check;
    }

    struct Quantity {
        const char* name;
        const char* keyword;
        const std::string& declaredName;
        std::size_t line;
        double declaredSize;
        const std::string& lammpsName;
        double lammpsSize;
        double factor;
    };
    const Quantity quantities[] = {
        {"length", "cflength", declared.length, declared.lengthLine, lengthUnitInMeters(declared.length),
         lammps.lengthName, lammps.lengthMeters, cflength},
        {"energy", "cfenergy", declared.energy, declared.energyLine, energyUnitInJoules(declared.energy),
         lammps.energyName, lammps.energyJoules, cfenergy},
    };
    for (const Quantity& q : quantities) {
        if (q.declaredName.empty()) {
            check.notes.push_back(inputNnPath + " declares no " + q.name + " unit (comment '# " + q.name +
                                  " unit : NAME'), so " + q.keyword + " " + formatNumber(q.factor) +
                                  " cannot be checked");
            continue;
        }
        if (q.declaredSize == 0.0) {
            check.notes.push_back(inputNnPath + ":" + std::to_string(q.line) + " declares the unknown " +
                                  q.name + " unit '" + q.declaredName + "', so " + q.keyword +
                                  " cannot be checked");
            continue;
        }
        const double expected = q.lammpsSize / q.declaredSize;
        if (std::fabs(q.factor / expected - 1.0) > kFactorTolerance) {
            check.warnings.push_back(inputNnPath + ":" + std::to_string(q.line) + " declares the " + q.name +
                                     " unit " + q.declaredName + " and units " + unitStyle + " uses " +
                                     q.lammpsName + ", so " + q.keyword + " should be " + formatNumber(expected) +
                                     " (1 " + q.lammpsName + " in " + q.declaredName + "), but it is " +
                                     formatNumber(q.factor) + ". Results are in the wrong units unless " +
                                     q.keyword + " is corrected.");
        } else {
            check.notes.push_back(std::string(q.keyword) + " " + formatNumber(q.factor) + " matches 1 " +
                                  q.lammpsName + " in " + q.declaredName + " (declared in " + inputNnPath +
                                  ":" + std::to_string(q.line) + ")");
        }
    }
    return check;
}

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
// `bpnn predict`: evaluates every structure of a file with a potential and
// writes them back with the predicted energies and forces.
#include "commands.h"

#include "core/errors.h"
#include "core/evaluator.h"
#include "core/potential.h"
#include "core/structure_io.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace bpnn {
namespace {

struct PredictOptions {
    std::string potentialDir;
    std::string input;
    std::string output;
    bool force = false;
    int threads = 0;  // 0: OpenMP default
};

void printPredictHelp() {
    std::printf(
        "Usage: bpnn predict POTENTIAL_DIR STRUCTURES -o OUTPUT [--force] [--threads N]\n"
        "\n"
        "Evaluates every structure of STRUCTURES with the potential in POTENTIAL_DIR\n"
        "(input.nn, scaling.data, weights.NNN.data) and writes them to OUTPUT in the\n"
        "same format, with the predicted energy and forces in place of the given ones.\n"
        "Files ending in .xyz or .extxyz are extended XYZ; all others RuNNer input.data.\n"
        "Units are those of the potential; no conversion is applied.\n"
        "\n"
        "Per-atom energies go to an extra column 'energies' in extended XYZ, and to the\n"
        "side file OUTPUT.atomic-energies for input.data.\n"
        "\n"
        "Options:\n"
        "  -o, --output OUTPUT  output file (required); not overwritten unless --force\n"
        "  --force              replace OUTPUT and its side file if they exist\n"
        "  --threads N          OpenMP threads over structures (default: OMP_NUM_THREADS)\n"
        "  -h, --help           show this help\n");
}

PredictOptions parsePredictOptions(int argc, char** argv) {
    PredictOptions options;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw InputError("option " + arg + " needs a value");
            return argv[++i];
        };
        if (arg == "-h" || arg == "--help") {
            printPredictHelp();
            std::exit(0);
        } else if (arg == "-o" || arg == "--output") {
            options.output = value();
        } else if (arg == "--force") {
            options.force = true;
        } else if (arg == "--threads") {
            const std::string text = value();
            char* end = nullptr;
            const long threads = std::strtol(text.c_str(), &end, 10);
            if (*end != '\0' || threads < 1 || threads > 4096) {
                throw InputError("invalid --threads value '" + text + "': expected a positive integer");
            }
            options.threads = static_cast<int>(threads);
        } else if (!arg.empty() && arg[0] == '-') {
            throw InputError("unknown option '" + arg + "': see 'bpnn predict --help'");
        } else {
            positional.push_back(arg);
        }
    }
    if (positional.size() != 2 || options.output.empty()) {
        throw InputError("expected 'bpnn predict POTENTIAL_DIR STRUCTURES -o OUTPUT': see 'bpnn predict --help'");
    }
    options.potentialDir = positional[0];
    options.input = positional[1];
    return options;
}

bool isExtendedXyz(const std::string& path) {
    std::string extension = std::filesystem::path(path).extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return extension == ".xyz" || extension == ".extxyz";
}

void rejectExistingOutput(const std::string& path, bool force) {
    if (!force && std::filesystem::exists(path)) {
        throw InputError(path + ": output file exists: choose another name or pass --force to replace it");
    }
}

void writeAtomicEnergies(const std::string& path, const std::vector<Structure>& structures,
                         const std::vector<std::vector<double>>& energies) {
    const std::string temporary = path + ".tmp";
    std::FILE* out = std::fopen(temporary.c_str(), "w");
    if (!out) throw InputError(path + ": cannot open for writing");
    std::fprintf(out, "# structure atom element atomic_energy (1-based indices; energies sum to the structure energy)\n");
    for (std::size_t s = 0; s < structures.size(); ++s) {
        for (std::size_t i = 0; i < structures[s].size(); ++i) {
            std::fprintf(out, "%zu %zu %s %.17g\n", s + 1, i + 1, structures[s].symbols[i].c_str(), energies[s][i]);
        }
    }
    const bool failed = std::ferror(out) != 0;
    std::fclose(out);
    if (failed) throw InputError(path + ": write failed");
    std::filesystem::rename(temporary, path);
}

void printSummary(const Potential& potential, const PredictOptions& options, std::size_t numStructures,
                  std::size_t numAtoms, std::size_t extrapolations, double seconds) {
    std::printf("bpnn predict\n");
    std::printf("  potential      %s\n", options.potentialDir.c_str());
    std::printf("  elements      ");
    for (const ElementModel& model : potential.elements) {
        std::printf(" %s (%zu symmetry functions, %zu weights)", model.symbol.c_str(),
                    model.symmetryFunctions.size(), model.numWeights());
    }
    std::printf("\n  cutoff         %.6g (potential length unit)\n", potential.maxCutoff());
    for (const std::string& warning : potential.warnings) std::printf("  warning: %s\n", warning.c_str());
    std::printf("  structures     %zu (%zu atoms) from %s\n", numStructures, numAtoms, options.input.c_str());
    std::printf("  output         %s\n", options.output.c_str());
    std::printf("  extrapolation warnings  %zu (symmetry function values outside the range of scaling.data)\n",
                extrapolations);
    std::printf("  time           %.3f s\n", seconds);
}

}  // namespace

int runPredict(int argc, char** argv) {
    const PredictOptions options = parsePredictOptions(argc, argv);
    const bool xyz = isExtendedXyz(options.output);
    const std::string sideFile = options.output + ".atomic-energies";
    rejectExistingOutput(options.output, options.force);
    if (!xyz) rejectExistingOutput(sideFile, options.force);

    const auto start = std::chrono::steady_clock::now();
    const Potential potential = readPotential(options.potentialDir);
    std::vector<Structure> structures = readStructures(options.input);
    if (structures.empty()) throw InputError(options.input + ": no structures found");

    std::vector<std::vector<double>> atomEnergies(structures.size());
    std::vector<std::size_t> extrapolations(structures.size(), 0);
    std::vector<std::string> errors(structures.size());
#ifdef _OPENMP
    if (options.threads > 0) omp_set_num_threads(options.threads);
#endif
#pragma omp parallel
    {
        Evaluator evaluator(potential);
#pragma omp for schedule(dynamic)
        for (std::size_t s = 0; s < structures.size(); ++s) {
            try {
                const Evaluator::StructureResult result = evaluator.evaluate(structures[s]);
                structures[s].energy = result.energy;
                structures[s].hasEnergy = true;
                structures[s].forces = result.forces;
                structures[s].hasForces = true;
                atomEnergies[s] = result.atomEnergies;
                extrapolations[s] = result.extrapolations;
            } catch (const std::exception& error) {
                errors[s] = options.input + ": " + error.what();
            }
        }
    }
    std::size_t numAtoms = 0, totalExtrapolations = 0;
    for (std::size_t s = 0; s < structures.size(); ++s) {
        if (!errors[s].empty()) throw InputError(errors[s]);
        numAtoms += structures[s].size();
        totalExtrapolations += extrapolations[s];
    }

    if (xyz) {
        writeStructures(options.output, structures, &atomEnergies);
    } else {
        writeStructures(options.output, structures, nullptr);
        writeAtomicEnergies(sideFile, structures, atomEnergies);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    printSummary(potential, options, structures.size(), numAtoms, totalExtrapolations, seconds);
    return 0;
}

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
// `bpnn fit SETTINGS DATA -o OUTPUT_DIR [options]`: trains a potential with
// the fitting engine of src/fit. Options override the training keywords of
// SETTINGS, which override bpnn's defaults.
#include "commands.h"

#include "core/errors.h"
#include "fit/fit_settings.h"
#include "fit/trainer.h"

#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

namespace bpnn {
namespace {

const char* const kUsage =
    "Usage: bpnn fit SETTINGS DATA -o OUTPUT_DIR [options]\n"
    "\n"
    "Fits a Behler-Parrinello potential. SETTINGS is an n2p2 input.nn (elements,\n"
    "cutoff, symmetry functions, architecture and training keywords), DATA a RuNNer\n"
    "input.data or an extended XYZ file (.xyz, .extxyz) with reference energies and\n"
    "forces. OUTPUT_DIR receives the best potential so far (input.nn, scaling.data,\n"
    "weights.NNN.data, readable by bpnn and n2p2), fit-checkpoint.bin,\n"
    "learning-curve.csv, parity-energy.csv and parity-forces.csv. The best potential\n"
    "is the one with the lowest test loss (training loss without a test set).\n"
    "\n"
    "Energies, forces and lengths are in the units of DATA (RMSEs of energies are per\n"
    "atom). Options override the training keywords of SETTINGS (in brackets).\n"
    "\n"
    "Output:\n"
    "  -o, --output DIR        output directory, created if needed (required)\n"
    "  --force                 overwrite the files of an earlier fit in DIR\n"
    "  --resume                continue the fit whose checkpoint is in DIR; needs the\n"
    "                          same SETTINGS, DATA and training options\n"
    "  --checkpoint-every N    epochs between checkpoints (default 1)\n"
    "\n"
    "Data and loss:\n"
    "  --test-fraction F       fraction of structures held out for testing, 0 <= F < 1\n"
    "                          (test_fraction; default 0.1)\n"
    "  --seed N                seed of the split, initial weights and sampling\n"
    "                          (random_seed; default 1)\n"
    "  --forces, --no-forces   fit forces or energies only (default: forces when\n"
    "                          SETTINGS has use_short_forces)\n"
    "  --energy-weight W       factor on energy residuals (energy_weight; default 1)\n"
    "  --force-weight W        factor on force residuals (force_weight; default 1).\n"
    "                          The loss is mean((W_E dE / (N sigma_E))^2) +\n"
    "                          mean((W_F dF / sigma_F)^2) with sigma_E, sigma_F the\n"
    "                          standard deviations of the training energies per atom\n"
    "                          and force components\n"
    "  --normalize MODE        energy normalization of the network output: data\n"
    "                          (computed from the training set as n2p2's nnp-norm),\n"
    "                          settings (mean_energy, conv_energy, conv_length of\n"
    "                          SETTINGS), off, or auto (settings when SETTINGS has\n"
    "                          them, else data; default; normalize_data_set ref: data)\n"
    "  --min-distance D        reject structures with atoms closer than D length\n"
    "                          units (default 0.1)\n"
    "\n"
    "Optimizer:\n"
    "  --optimizer NAME        lbfgs (L-BFGS on the full training set), kalman\n"
    "                          (extended Kalman filter) or adam (Adam on mini-batches)\n"
    "                          (fit_optimizer; default lbfgs; n2p2's updater_type is\n"
    "                          ignored)\n"
    "  --epochs N              maximum number of epochs (epochs or fit_max_epochs;\n"
    "                          default 100)\n"
    "  --learning-rate R       Adam step size, in units of the weights\n"
    "                          (gradient_adam_eta; default 0.001)\n"
    "  --batch-size N          Adam: structures per batch (fit_batch_size; default 1)\n"
    "  --lbfgs-history N       L-BFGS: stored correction pairs (default 30)\n"
    "  --lbfgs-iterations N    L-BFGS: iterations per epoch (default 10)\n"
    "  --energy-fraction F     Kalman: energy updates per epoch as a fraction of the\n"
    "                          training structures (short_energy_fraction; default 1)\n"
    "  --force-fraction F      Kalman: force rows per epoch as a fraction of the\n"
    "                          training force components (short_force_fraction;\n"
    "                          default 0.02)\n"
    "  --energy-batch N        Kalman: energy rows per update (task_batch_size_energy;\n"
    "                          default 1)\n"
    "  --force-batch N         Kalman: force rows per update (task_batch_size_force;\n"
    "                          default 8)\n"
    "  The Kalman filter parameters kalman_epsilon, kalman_q0, kalman_qtau,\n"
    "  kalman_qmin, kalman_eta, kalman_etatau and kalman_etamax are read from\n"
    "  SETTINGS (defaults 0.01, 0.01, 2.302, 1e-6, 0.01, 2.302, 1).\n"
    "\n"
    "Stopping:\n"
    "  --patience N            stop after N epochs without a better test loss\n"
    "                          (training loss without a test set) (fit_patience;\n"
    "                          default 0: never)\n"
    "  --target-energy-rmse E  stop once the training energy RMSE per atom is <= E\n"
    "                          (energy unit of DATA)\n"
    "  --target-force-rmse F   stop once the training force RMSE is <= F (force unit\n"
    "                          of DATA); with both targets, once both are met\n"
    "  --max-time S            stop after the first epoch that ends more than S\n"
    "                          seconds of wall time after the start (setup included)\n"
    "\n"
    "  --threads N             OpenMP threads (fit_threads; default: OMP_NUM_THREADS or\n"
    "                          all cores); results do not depend on it\n"
    "  -h, --help              show this help\n"
    "\n"
    "Ctrl-C (SIGINT) or SIGTERM stops the fit at the next update: the best potential\n"
    "and the last checkpoint stay in OUTPUT_DIR. A second signal aborts at once.\n";

std::atomic<bool> gStopRequested{false};
volatile std::sig_atomic_t gStopSignal = 0;

extern "C" void handleStopSignal(int signal) {
    gStopSignal = signal;
    gStopRequested.store(true);
    static const char message[] =
        "\nbpnn fit: stopping at the next update; signal again to abort at once\n";
    const ssize_t ignored = ::write(STDERR_FILENO, message, sizeof(message) - 1);
    (void)ignored;
}

// Installs the stop handler for SIGINT and SIGTERM for its lifetime. The
// handler resets itself, so that a second signal has the default effect.
class StopSignalGuard {
public:
    StopSignalGuard() {
        struct sigaction action;
        std::memset(&action, 0, sizeof(action));
        action.sa_handler = handleStopSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESETHAND;
        sigaction(SIGINT, &action, &previousInterrupt_);
        sigaction(SIGTERM, &action, &previousTerminate_);
    }
    ~StopSignalGuard() {
        sigaction(SIGINT, &previousInterrupt_, nullptr);
        sigaction(SIGTERM, &previousTerminate_, nullptr);
    }
    StopSignalGuard(const StopSignalGuard&) = delete;
    StopSignalGuard& operator=(const StopSignalGuard&) = delete;

private:
    struct sigaction previousInterrupt_;
    struct sigaction previousTerminate_;
};

[[noreturn]] void usageError(const std::string& message) {
    throw InputError(message + " (see 'bpnn fit --help')");
}

double parseNumber(const std::string& option, const std::string& text) {
    errno = 0;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(value)) {
        usageError("invalid value '" + text + "' for " + option + ": expected a number");
    }
    return value;
}

std::size_t parseCount(const std::string& option, const std::string& text) {
    errno = 0;
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE || value < 0) {
        usageError("invalid value '" + text + "' for " + option + ": expected a non-negative integer");
    }
    return static_cast<std::size_t>(value);
}

struct CommandLine {
    std::vector<std::string> positional;
    fit::FitRequest request;
    bool help = false;
    // Overrides, applied after SETTINGS is read.
    std::vector<std::function<void(fit::FitSettings&)>> overrides;
};

CommandLine parseCommandLine(int argc, char** argv) {
    CommandLine line;
    using Setter = std::function<void(fit::FitSettings&, const std::string&, const std::string&)>;
    const std::map<std::string, Setter> valued = {
        {"--checkpoint-every", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.checkpointInterval = parseCount(o, v); }},
        {"--test-fraction", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.testFraction = parseNumber(o, v); }},
        {"--seed", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.seed = parseCount(o, v); }},
        {"--energy-weight", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.energyWeight = parseNumber(o, v); }},
        {"--force-weight", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.forceWeight = parseNumber(o, v); }},
        {"--normalize", [](fit::FitSettings& s, const std::string& o, const std::string& v) {
             if (!fit::parseNormalization(v, s.normalization)) {
                 usageError("invalid value '" + v + "' for " + o + ": expected auto, data, settings or off");
             }
         }},
        {"--min-distance", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.minDistance = parseNumber(o, v); }},
        {"--optimizer", [](fit::FitSettings& s, const std::string& o, const std::string& v) {
             if (!fit::parseOptimizer(v, s.optimizer)) {
                 usageError("invalid value '" + v + "' for " + o + ": expected lbfgs, kalman or adam");
             }
         }},
        {"--epochs", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.epochs = parseCount(o, v); }},
        {"--learning-rate", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.adam.learningRate = parseNumber(o, v); }},
        {"--batch-size", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.adam.batchSize = parseCount(o, v); }},
        {"--lbfgs-history", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.lbfgs.history = parseCount(o, v); }},
        {"--lbfgs-iterations", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.lbfgs.iterationsPerEpoch = parseCount(o, v); }},
        {"--energy-fraction", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.kalman.energyFraction = parseNumber(o, v); }},
        {"--force-fraction", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.kalman.forceFraction = parseNumber(o, v); }},
        {"--energy-batch", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.kalman.energyBatch = parseCount(o, v); }},
        {"--force-batch", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.kalman.forceBatch = parseCount(o, v); }},
        {"--patience", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.patience = parseCount(o, v); }},
        {"--target-energy-rmse", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.targetEnergyRmse = parseNumber(o, v); }},
        {"--target-force-rmse", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.targetForceRmse = parseNumber(o, v); }},
        {"--max-time", [](fit::FitSettings& s, const std::string& o, const std::string& v) { s.maxSeconds = parseNumber(o, v); }},
        {"--threads", [](fit::FitSettings& s, const std::string& o, const std::string& v) {
             const std::size_t threads = parseCount(o, v);
             if (threads == 0 || threads > 4096) usageError("invalid value '" + v + "' for " + o + ": expected 1 to 4096");
             s.threads = static_cast<int>(threads);
         }},
    };

    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "-h" || argument == "--help") {
            line.help = true;
        } else if (argument == "-o" || argument == "--output") {
            if (i + 1 >= argc) usageError("option " + argument + " needs a directory");
            line.request.outputDirectory = argv[++i];
        } else if (argument == "--force") {
            line.request.overwrite = true;
        } else if (argument == "--resume") {
            line.request.resume = true;
        } else if (argument == "--forces" || argument == "--no-forces") {
            const bool value = argument == "--forces";
            line.overrides.push_back([value](fit::FitSettings& s) { s.useForces = value; });
        } else if (valued.count(argument)) {
            if (i + 1 >= argc) usageError("option " + argument + " needs a value");
            const std::string value = argv[++i];
            const Setter setter = valued.at(argument);
            // Check the value now, so that a typo is reported before SETTINGS is read.
            fit::FitSettings scratch;
            setter(scratch, argument, value);
            line.overrides.push_back([setter, argument, value](fit::FitSettings& s) { setter(s, argument, value); });
        } else if (argument.size() > 1 && argument[0] == '-') {
            usageError("unknown option '" + argument + "'");
        } else {
            line.positional.push_back(argument);
        }
    }
    return line;
}

}  // namespace

int runFit(int argc, char** argv) {
    CommandLine line = parseCommandLine(argc, argv);
    if (line.help) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (line.positional.size() != 2) {
        std::fprintf(stderr, "bpnn fit: expected SETTINGS and DATA, found %zu argument(s)\n\n%s",
                     line.positional.size(), kUsage);
        return 2;
    }
    if (line.request.outputDirectory.empty()) {
        std::fprintf(stderr, "bpnn fit: missing -o OUTPUT_DIR\n\n%s", kUsage);
        return 2;
    }
    if (line.request.resume && line.request.overwrite) {
        usageError("--resume continues the fit in OUTPUT_DIR and --force starts over: use one of them");
    }
    fit::FitRequest& request = line.request;
    request.settingsFile = line.positional[0];
    request.dataFile = line.positional[1];
    fit::readFitSettings(request.settingsFile, request.settings);
    for (const auto& apply : line.overrides) apply(request.settings);

    gStopRequested.store(false);
    gStopSignal = 0;
    StopSignalGuard guard;
    const fit::FitResult result = fit::runTraining(request, std::cout, gStopRequested);
    if (result.interrupted) return 128 + (gStopSignal ? static_cast<int>(gStopSignal) : SIGINT);
    return 0;
}

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
#include "fit/trainer.h"

#include "core/errors.h"
#include "core/structure_io.h"
#include "core/text_parsing.h"
#include "fit/binary_io.h"
#include "fit/optimizer.h"
#include "fit/setup.h"

#include <Eigen/Core>

#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace bpnn {
namespace fit {

const char* const kCheckpointFile = "fit-checkpoint.bin";
const char* const kLearningCurveFile = "learning-curve.csv";
const char* const kParityEnergyFile = "parity-energy.csv";
const char* const kParityForcesFile = "parity-forces.csv";

namespace {

namespace fs = std::filesystem;

constexpr const char* kCheckpointMagic = "bpnn fit checkpoint";
constexpr std::uint64_t kCheckpointVersion = 1;
constexpr const char* kCurveHeader =
    "epoch,seconds,train_energy_rmse,train_force_rmse,test_energy_rmse,test_force_rmse,train_loss,test_loss,best";

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string readWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, 0, "cannot open file: check the path and its permissions");
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

std::vector<fs::path> outputFiles(const std::string& directory, const Potential& potential) {
    const fs::path dir(directory);
    std::vector<fs::path> files = {dir / "input.nn", dir / "scaling.data"};
    for (const ElementModel& model : potential.elements) {
        char name[32];
        std::snprintf(name, sizeof(name), "weights.%03d.data", model.atomicNumber);
        files.push_back(dir / name);
    }
    for (const char* name : {kCheckpointFile, kLearningCurveFile, kParityEnergyFile, kParityForcesFile}) {
        files.push_back(dir / name);
    }
    return files;
}

// Rejects an output directory with files that the fit would overwrite,
// unless --force or --resume allows it, and inputs that are themselves
// output files.
void checkOutputDirectory(const FitRequest& request, const Potential& potential) {
    const fs::path dir(request.outputDirectory);
    std::error_code error;
    if (fs::exists(dir, error) && !fs::is_directory(dir, error)) {
        throw InputError(request.outputDirectory, 0, "output path exists and is not a directory: choose another -o");
    }
    for (const fs::path& file : outputFiles(request.outputDirectory, potential)) {
        for (const std::string& input : {request.settingsFile, request.dataFile}) {
            if (fs::exists(file, error) && fs::equivalent(file, input, error)) {
                throw InputError(input, 0,
                                 "this input would be overwritten by the fit's output " + file.string() +
                                     ": copy it elsewhere or choose another output directory");
            }
        }
    }
    if (request.resume) {
        if (!fs::exists(dir / kCheckpointFile, error)) {
            throw InputError((dir / kCheckpointFile).string(), 0,
                             "no checkpoint to resume from: start without --resume");
        }
        return;
    }
    if (request.overwrite) return;
    for (const fs::path& file : outputFiles(request.outputDirectory, potential)) {
        if (fs::exists(file, error)) {
            throw InputError(file.string(), 0,
                             "file exists and would be overwritten: choose another output directory, add --force "
                             "to overwrite, or --resume to continue the fit that wrote it");
        }
    }
}

std::uint64_t fingerprint(const FitRequest& request) {
    const FitSettings& s = request.settings;
    Fingerprint hash;
    hash.add(readWholeFile(request.settingsFile));
    hash.add(readWholeFile(request.dataFile));
    hash.add(static_cast<std::uint64_t>(s.optimizer));
    hash.add(s.seed);
    hash.add(s.testFraction);
    hash.add(static_cast<std::uint64_t>(s.useForces));
    hash.add(s.energyWeight);
    hash.add(s.forceWeight);
    hash.add(s.weightsMin);
    hash.add(s.weightsMax);
    hash.add(static_cast<std::uint64_t>(s.normalization));
    hash.add(s.minDistance);
    hash.add(s.adam.learningRate);
    hash.add(s.adam.beta1);
    hash.add(s.adam.beta2);
    hash.add(s.adam.epsilon);
    hash.add(static_cast<std::uint64_t>(s.adam.batchSize));
    hash.add(static_cast<std::uint64_t>(s.lbfgs.history));
    hash.add(static_cast<std::uint64_t>(s.lbfgs.iterationsPerEpoch));
    const KalmanSettings& k = s.kalman;
    for (double value : {k.epsilon, k.q0, k.qtau, k.qmin, k.eta, k.etatau, k.etamax, k.energyFraction, k.forceFraction}) {
        hash.add(value);
    }
    hash.add(static_cast<std::uint64_t>(k.energyBatch));
    hash.add(static_cast<std::uint64_t>(k.forceBatch));
    return hash.value();
}

// Training state that a checkpoint stores besides the optimizer's own.
struct LoopState {
    std::size_t epoch = 0;
    double trainingSeconds = 0.0;  // summed over runs
    Eigen::VectorXd parameters;
    Eigen::VectorXd best;
    double bestLoss = HUGE_VAL;
    std::size_t bestEpoch = 0;
    std::size_t epochsWithoutImprovement = 0;
};

void writeCheckpoint(const std::string& directory, std::uint64_t inputHash, const LoopState& state, const Random& random,
                     const Optimizer& optimizer, OptimizerType type) {
    const fs::path file = fs::path(directory) / kCheckpointFile;
    const fs::path temporary = fs::path(file.string() + ".tmp");
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        BinaryWriter writer(out);
        writer.text(kCheckpointMagic);
        writer.u64(kCheckpointVersion);
        writer.u64(inputHash);
        writer.u64(state.epoch);
        writer.f64(state.trainingSeconds);
        for (std::uint64_t word : random.state()) writer.u64(word);
        writer.vector(state.parameters);
        writer.vector(state.best);
        writer.f64(state.bestLoss);
        writer.u64(state.bestEpoch);
        writer.u64(state.epochsWithoutImprovement);
        writer.text(optimizerName(type));
        optimizer.save(writer);
        out.flush();
        if (!out) throw std::runtime_error(temporary.string() + ": writing the checkpoint failed: check free disk space");
    }
    fs::rename(temporary, file);
}

// Reads the checkpoint fields up to the best parameters. A fingerprint of
// zero skips the check that the inputs match.
void readCheckpointHead(BinaryReader& reader, const std::string& file, std::uint64_t inputHash, LoopState& state,
                        Random& random) {
    if (reader.text() != kCheckpointMagic) reader.fail("not a bpnn fit checkpoint");
    if (reader.u64() != kCheckpointVersion) reader.fail("unsupported checkpoint version");
    if (reader.u64() != inputHash && inputHash != 0) {
        throw InputError(file, 0,
                         "the checkpoint belongs to a fit with other settings, data or training options: resume "
                         "with the same SETTINGS, DATA and options, or start a new fit without --resume");
    }
    state.epoch = static_cast<std::size_t>(reader.u64());
    state.trainingSeconds = reader.f64();
    std::array<std::uint64_t, 4> words{};
    for (std::uint64_t& word : words) word = reader.u64();
    random.setState(words);
    state.parameters = reader.vector();
    state.best = reader.vector();
}

void readCheckpoint(const std::string& directory, std::uint64_t inputHash, LoopState& state, Random& random,
                    Optimizer& optimizer, OptimizerType type, std::size_t numParameters) {
    const std::string file = (fs::path(directory) / kCheckpointFile).string();
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file, 0, "cannot open the checkpoint: check its permissions, or start without --resume");
    BinaryReader reader(in, file);
    readCheckpointHead(reader, file, inputHash, state, random);
    if (static_cast<std::size_t>(state.parameters.size()) != numParameters ||
        static_cast<std::size_t>(state.best.size()) != numParameters) {
        reader.fail("weight vector of the wrong size");
    }
    state.bestLoss = reader.f64();
    state.bestEpoch = static_cast<std::size_t>(reader.u64());
    state.epochsWithoutImprovement = static_cast<std::size_t>(reader.u64());
    if (reader.text() != optimizerName(type)) reader.fail("checkpoint of another optimizer");
    optimizer.load(reader);
}

// Keeps the header and the rows of epochs up to `epoch` of an existing
// learning curve, so that a resumed run continues it.
void truncateLearningCurve(const std::string& path, std::size_t epoch) {
    std::ifstream in(path);
    std::vector<std::string> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == 'e') continue;
        const std::size_t rowEpoch = std::strtoul(line.c_str(), nullptr, 10);
        if (rowEpoch <= epoch) rows.push_back(line);
    }
    in.close();
    std::ofstream out(path, std::ios::trunc);
    out << kCurveHeader << '\n';
    for (const std::string& row : rows) out << row << '\n';
}

std::string format(double value) {
    if (std::isnan(value)) return "      n/a";
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%9.3e", value);
    return buffer;
}

void writeParity(const std::string& directory, const Model& model, const Eigen::VectorXd& parameters,
                 const std::vector<std::size_t>& set, ErrorSums& sums) {
    std::vector<Prediction> predictions;
    model.evaluate(parameters, set, nullptr, &sums, &predictions);
    const fs::path dir(directory);
    const fs::path energyFile = dir / kParityEnergyFile;
    const fs::path forceFile = dir / kParityForcesFile;
    std::ofstream energies(energyFile.string() + ".tmp");
    energies.precision(17);
    energies << "structure,atoms,reference_energy_per_atom,predicted_energy_per_atom\n";
    std::ofstream forces(forceFile.string() + ".tmp");
    forces.precision(17);
    forces << "structure,atom,component,reference_force,predicted_force\n";
    for (std::size_t k = 0; k < set.size(); ++k) {
        const FitStructure& fs = model.structures()[set[k]];
        const double atoms = static_cast<double>(fs.numAtoms);
        energies << fs.number << ',' << fs.numAtoms << ',' << fs.energy / atoms << ','
                 << predictions[k].energy / atoms << '\n';
        const std::vector<double>& predicted = predictions[k].forces;
        if (predicted.size() != fs.forces.size()) continue;
        for (std::size_t i = 0; i < predicted.size(); ++i) {
            forces << fs.number << ',' << i / 3 + 1 << ',' << "xyz"[i % 3] << ',' << fs.forces[i] << ','
                   << predicted[i] << '\n';
        }
    }
    energies.close();
    forces.close();
    if (!energies || !forces) throw std::runtime_error(directory + ": writing the parity files failed");
    fs::rename(energyFile.string() + ".tmp", energyFile);
    fs::rename(forceFile.string() + ".tmp", forceFile);
}

// Comment lines of a settings file that declare units or the reference
// method ("# Length unit : Bohr"), which pair_style bpnn reads from input.nn.
std::vector<std::string> unitComments(const std::string& settingsFile) {
    std::ifstream in(settingsFile);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        std::string lower = line;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const std::size_t start = lower.find_first_not_of(" \t");
        if (start == std::string::npos || lower[start] != '#' || lower.find(':') == std::string::npos) continue;
        if (lower.find(" unit") != std::string::npos || lower.find("reference method") != std::string::npos) {
            lines.push_back(line.substr(start));
        }
    }
    return lines;
}

// Writes the potential with writePotential and then inserts the unit
// comments after the first line of its input.nn, through a temporary file
// and a rename like writePotential itself.
void writeBestPotential(const Potential& potential, const std::string& directory,
                        const std::vector<std::string>& comments) {
    writePotential(potential, directory, true);
    if (comments.empty()) return;
    const fs::path file = fs::path(directory) / "input.nn";
    std::istringstream written(readWholeFile(file.string()));
    const fs::path temporary = fs::path(file.string() + ".tmp");
    {
        std::ofstream out(temporary, std::ios::trunc);
        std::string line;
        std::getline(written, line);
        out << line << '\n';
        for (const std::string& comment : comments) out << comment << '\n';
        while (std::getline(written, line)) out << line << '\n';
        out.close();
        if (!out) throw std::runtime_error(temporary.string() + ": writing input.nn failed: check free disk space");
    }
    fs::rename(temporary, file);
}

std::size_t countAtoms(const FitProblem& problem, const std::vector<std::size_t>& set) {
    std::size_t atoms = 0;
    for (std::size_t s : set) atoms += problem.structures[s].numAtoms;
    return atoms;
}

void logProblem(std::ostream& log, const FitProblem& problem, const Model& model, const Optimizer& optimizer) {
    log << "  " << problem.structures.size() << " structures: " << problem.train.size() << " for training ("
        << countAtoms(problem, problem.train) << " atoms), " << problem.test.size() << " for testing ("
        << countAtoms(problem, problem.test) << " atoms)\n";
    log << "  " << model.numParameters() << " weights and biases; features and derivatives take "
        << static_cast<double>(featureBytes(problem.structures)) / 1048576.0 << " MiB\n";
    const LossSettings& loss = problem.loss;
    if (loss.useForces) {
        log << "  loss: mean((w_E dE / (N sigma_E))^2) + mean((w_F dF / sigma_F)^2) with w_E " << loss.energyWeight
            << ", sigma_E " << loss.sigmaEnergy << ", w_F " << loss.forceWeight << ", sigma_F " << loss.sigmaForce
            << "\n";
    } else {
        log << "  loss: mean((w_E dE / (N sigma_E))^2) with w_E " << loss.energyWeight << ", sigma_E "
            << loss.sigmaEnergy << " (forces not fitted)\n";
    }
    log << "  optimizer: " << optimizer.describe() << "\n";
#ifdef _OPENMP
    log << "  threads: " << omp_get_max_threads() << "\n";
#endif
}

// Returns why the fit should stop after this epoch, or an empty string.
std::string stopReason(const FitSettings& settings, const LoopState& state, const ErrorSums& train, bool haveTest,
                       const Optimizer& optimizer, double elapsed) {
    const bool energyTarget = settings.targetEnergyRmse > 0.0;
    const bool forceTarget = settings.targetForceRmse > 0.0;
    if ((energyTarget || forceTarget) && (!energyTarget || train.energyRmse() <= settings.targetEnergyRmse) &&
        (!forceTarget || train.forceRmse() <= settings.targetForceRmse)) {
        return "the training RMSE targets are reached";
    }
    if (settings.patience > 0 && state.epochsWithoutImprovement >= settings.patience) {
        return "no better " + std::string(haveTest ? "test" : "training") + " loss for " +
               std::to_string(settings.patience) + " epochs";
    }
    if (settings.maxSeconds > 0.0 && elapsed >= settings.maxSeconds) return "the time limit is reached";
    if (optimizer.stalled()) return "the optimizer found no further decrease of the loss";
    return "";
}

void logSummary(std::ostream& log, const FitResult& result, bool haveTest, const std::string& directory) {
    log << "stopped: " << result.stopReason << "\n";
    log << "best epoch " << result.bestEpoch << ": train energy RMSE " << format(result.bestTrain.energyRmse())
        << " per atom, force RMSE " << format(result.bestTrain.forceRmse());
    if (haveTest) {
        log << "; test energy RMSE " << format(result.bestTest.energyRmse()) << " per atom, force RMSE "
            << format(result.bestTest.forceRmse());
    }
    log << "\nwrote the best potential, " << kLearningCurveFile << ", " << kParityEnergyFile << " and "
        << kParityForcesFile << " (" << (haveTest ? "test" : "training") << " set) to " << directory << "\n";
    if (result.interrupted) log << "continue with the same command and --resume\n";
    log << "total time " << result.seconds << " s\n" << std::flush;
}

}  // namespace

CheckpointSummary readCheckpointSummary(const std::string& directory) {
    const std::string file = (fs::path(directory) / kCheckpointFile).string();
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file, 0, "cannot open the checkpoint: check its permissions, or start without --resume");
    BinaryReader reader(in, file);
    LoopState state;
    Random random;
    readCheckpointHead(reader, file, 0, state, random);
    CheckpointSummary summary;
    summary.epoch = state.epoch;
    summary.parameters = state.parameters;
    summary.best = state.best;
    return summary;
}

FitResult runTraining(const FitRequest& request, std::ostream& log, const std::atomic<bool>& stop) {
    const Clock::time_point start = Clock::now();
    const FitSettings& settings = request.settings;
    validateFitSettings(settings);
#ifdef _OPENMP
    if (settings.threads > 0) omp_set_num_threads(settings.threads);
#endif
    // Parallelism comes from the loops over structures, because Eigen's own
    // threads would make sums depend on the thread count.
    Eigen::setNbThreads(1);

    checkOutputDirectory(request, readPotentialSettings(request.settingsFile));
    log << "bpnn fit: settings " << request.settingsFile << ", data " << request.dataFile << ", output "
        << request.outputDirectory << "\n";
    for (const std::string& note : settings.notes) log << "  note: " << note << "\n";

    const std::vector<Structure> data = readStructures(request.dataFile);
    Random random(settings.seed);
    FitProblem problem = setupProblem(request.settingsFile, data, request.dataFile, settings, random);
    initializeWeights(problem, settings, random);
    for (const std::string& warning : problem.potential.warnings) log << "  warning: " << warning << "\n";
    for (const std::string& note : problem.notes) log << "  " << note << "\n";

    const Model model(problem.potential, problem.structures, problem.loss);
    std::unique_ptr<Optimizer> optimizer = makeOptimizer(settings, model, problem.train);
    logProblem(log, problem, model, *optimizer);

    fs::create_directories(request.outputDirectory);
    const std::vector<std::string> comments = unitComments(request.settingsFile);
    const std::uint64_t inputHash = fingerprint(request);
    LoopState state;
    state.parameters = model.parameters(problem.potential);
    state.best = state.parameters;
    Potential& potential = problem.potential;
    const std::string curvePath = (fs::path(request.outputDirectory) / kLearningCurveFile).string();
    const bool haveTest = !problem.test.empty();

    if (request.resume) {
        readCheckpoint(request.outputDirectory, inputHash, state, random, *optimizer, settings.optimizer,
                       model.numParameters());
        truncateLearningCurve(curvePath, state.epoch);
        model.applyParameters(state.best, potential);
        writeBestPotential(potential, request.outputDirectory, comments);
        log << "  resumed from " << kCheckpointFile << " after epoch " << state.epoch << " (best epoch "
            << state.bestEpoch << ")\n";
    } else {
        std::ofstream curve(curvePath, std::ios::trunc);
        curve << kCurveHeader << '\n';
    }
    log << "  setup took " << secondsSince(start) << " s\n";
    log << "energy RMSE per atom and force RMSE in the units of the data; * marks a new best "
        << (haveTest ? "test" : "training") << " loss\n";
    log << "epoch  train E    train F    test E     test F     loss       time/s\n";

    std::ofstream curve(curvePath, std::ios::app);
    curve.precision(10);
    FitResult result;
    auto evaluateEpoch = [&](const ErrorSums* known, ErrorSums& train, ErrorSums& test) {
        train = known ? *known : ErrorSums();
        if (!known) model.evaluate(state.parameters, problem.train, nullptr, &train);
        test = ErrorSums();
        if (haveTest) model.evaluate(state.parameters, problem.test, nullptr, &test);
    };
    auto report = [&](const ErrorSums& train, const ErrorSums& test, bool best) {
        const double elapsed = secondsSince(start);
        char line[256];
        std::snprintf(line, sizeof(line), "%5zu  %s  %s  %s  %s  %s  %7.1f%s\n", state.epoch,
                      format(train.energyRmse()).c_str(), format(train.forceRmse()).c_str(),
                      format(haveTest ? test.energyRmse() : NAN).c_str(), format(haveTest ? test.forceRmse() : NAN).c_str(),
                      format(haveTest ? test.loss : train.loss).c_str(), elapsed, best ? " *" : "");
        log << line << std::flush;
        curve << state.epoch << ',' << state.trainingSeconds << ',' << train.energyRmse() << ',' << train.forceRmse()
              << ',' << (haveTest ? test.energyRmse() : NAN) << ',' << (haveTest ? test.forceRmse() : NAN) << ','
              << train.loss << ',' << (haveTest ? test.loss : NAN) << ',' << (best ? 1 : 0) << '\n'
              << std::flush;
    };

    if (!request.resume) {
        ErrorSums train, test;
        evaluateEpoch(nullptr, train, test);
        state.bestLoss = haveTest ? test.loss : train.loss;
        state.bestEpoch = 0;
        model.applyParameters(state.best, potential);
        writeBestPotential(potential, request.outputDirectory, comments);
        report(train, test, true);
        result.lastTrain = train;
        result.lastTest = test;
    }

    Clock::time_point epochStart = Clock::now();
    while (state.epoch < settings.epochs) {
        if (!optimizer->runEpoch(state.parameters, random, stop)) {
            result.interrupted = true;
            result.stopReason = "interrupted during epoch " + std::to_string(state.epoch + 1) +
                                ", which is discarded";
            break;
        }
        ++state.epoch;
        state.trainingSeconds += secondsSince(epochStart);
        epochStart = Clock::now();

        ErrorSums train, test;
        evaluateEpoch(optimizer->trainSums(), train, test);
        result.lastTrain = train;
        result.lastTest = test;
        const double loss = haveTest ? test.loss : train.loss;
        if (!std::isfinite(train.loss) || !std::isfinite(loss)) {
            report(train, test, false);
            throw std::runtime_error("the loss became " + std::to_string(train.loss) + " in epoch " +
                                     std::to_string(state.epoch) + ", so the optimizer diverged: lower the learning "
                                     "rate or kalman_eta; the best potential so far (epoch " +
                                     std::to_string(state.bestEpoch) + ") is in " + request.outputDirectory);
        }
        const bool improved = loss < state.bestLoss;
        if (improved) {
            state.best = state.parameters;
            state.bestLoss = loss;
            state.bestEpoch = state.epoch;
            state.epochsWithoutImprovement = 0;
            model.applyParameters(state.best, potential);
            writeBestPotential(potential, request.outputDirectory, comments);
        } else {
            ++state.epochsWithoutImprovement;
        }
        report(train, test, improved);
        if (state.epoch % settings.checkpointInterval == 0 || state.epoch == settings.epochs) {
            writeCheckpoint(request.outputDirectory, inputHash, state, random, *optimizer, settings.optimizer);
        }

        if (stop.load()) {
            result.interrupted = true;
            result.stopReason = "interrupted after epoch " + std::to_string(state.epoch);
        } else {
            result.stopReason = stopReason(settings, state, train, haveTest, *optimizer, secondsSince(start));
        }
        if (!result.stopReason.empty()) {
            if (state.epoch % settings.checkpointInterval != 0) {
                writeCheckpoint(request.outputDirectory, inputHash, state, random, *optimizer, settings.optimizer);
            }
            break;
        }
    }
    if (result.stopReason.empty()) result.stopReason = "the epoch limit (" + std::to_string(settings.epochs) + ") is reached";

    // Final figures of the written potential.
    if (haveTest) {
        model.evaluate(state.best, problem.train, nullptr, &result.bestTrain);
        writeParity(request.outputDirectory, model, state.best, problem.test, result.bestTest);
    } else {
        writeParity(request.outputDirectory, model, state.best, problem.train, result.bestTrain);
    }
    result.epochs = state.epoch;
    result.bestEpoch = state.bestEpoch;
    result.seconds = secondsSince(start);

    logSummary(log, result, haveTest, request.outputDirectory);
    return result;
}

}  // namespace fit
}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
#include "fit/fit_settings.h"

#include "core/errors.h"
#include "core/text_parsing.h"

#include <cmath>
#include <map>
#include <set>

namespace bpnn {
namespace fit {

const char* optimizerName(OptimizerType type) {
    switch (type) {
        case OptimizerType::Adam: return "adam";
        case OptimizerType::Lbfgs: return "lbfgs";
        case OptimizerType::Kalman: return "kalman";
    }
    return "?";
}

bool parseOptimizer(const std::string& text, OptimizerType& type) {
    for (OptimizerType candidate : {OptimizerType::Adam, OptimizerType::Lbfgs, OptimizerType::Kalman}) {
        if (text == optimizerName(candidate)) {
            type = candidate;
            return true;
        }
    }
    return false;
}

const char* normalizationName(NormalizationMode mode) {
    switch (mode) {
        case NormalizationMode::Auto: return "auto";
        case NormalizationMode::Data: return "data";
        case NormalizationMode::Settings: return "settings";
        case NormalizationMode::Off: return "off";
    }
    return "?";
}

bool parseNormalization(const std::string& text, NormalizationMode& mode) {
    for (NormalizationMode candidate : {NormalizationMode::Auto, NormalizationMode::Data, NormalizationMode::Settings,
                                        NormalizationMode::Off}) {
        if (text == normalizationName(candidate)) {
            mode = candidate;
            return true;
        }
    }
    return false;
}

namespace {

// n2p2 training keywords that steer n2p2's own bookkeeping (output files,
// MPI, candidate selection). bpnn accepts them without effect.
const std::set<std::string> kIgnoredKeywords = {
    "parallel_mode", "jacobian_mode", "update_strategy", "selection_mode", "selection_mode_energy",
    "selection_mode_force", "memorize_symfunc_results", "short_energy_error_threshold",
    "short_force_error_threshold", "rmse_threshold", "rmse_threshold_energy", "rmse_threshold_force",
    "rmse_threshold_trials", "rmse_threshold_trials_energy", "rmse_threshold_trials_force",
    "main_error_metric", "write_trainpoints", "write_trainforces", "write_weights_epoch",
    "write_neuronstats", "write_trainlog", "gradient_eta", "gradient_type", "use_old_weights_short",
    "repeated_energy_update",
    "kalman_lambda_short", "kalman_nue_short"};

class KeywordReader {
public:
    explicit KeywordReader(const std::string& file) : file_(file) {
        for (TokenLine& line : readTokenLines(file)) {
            const std::string keyword = line.tokens.front();
            lines_.emplace(keyword, std::move(line));
        }
    }

    const TokenLine* find(const std::string& keyword) const {
        auto it = lines_.find(keyword);
        return it == lines_.end() ? nullptr : &it->second;
    }

    bool has(const std::string& keyword) const { return find(keyword) != nullptr; }

    const TokenLine& single(const std::string& keyword) const {
        const TokenLine& line = *find(keyword);
        if (line.tokens.size() != 2) {
            throw InputError(file_, line.number,
                             "'" + keyword + "' takes one value, found " + std::to_string(line.tokens.size() - 1) +
                                 " in '" + line.text + "'");
        }
        return line;
    }

    bool readDouble(const std::string& keyword, double& value) const {
        if (!has(keyword)) return false;
        const TokenLine& line = single(keyword);
        value = parseDouble(line.tokens[1], file_, line.number, keyword);
        return true;
    }

    bool readCount(const std::string& keyword, std::size_t& value) const {
        if (!has(keyword)) return false;
        const TokenLine& line = single(keyword);
        const long parsed = parseInteger(line.tokens[1], file_, line.number, keyword);
        if (parsed < 0) fail(line, "'" + keyword + "' must not be negative");
        value = static_cast<std::size_t>(parsed);
        return true;
    }

    long readInteger(const std::string& keyword) const {
        const TokenLine& line = single(keyword);
        return parseInteger(line.tokens[1], file_, line.number, keyword);
    }

    [[noreturn]] void fail(const TokenLine& line, const std::string& message) const {
        throw InputError(file_, line.number, message);
    }

    const std::multimap<std::string, TokenLine>& lines() const { return lines_; }
    const std::string& file() const { return file_; }

private:
    std::string file_;
    std::multimap<std::string, TokenLine> lines_;
};

void readOptimizer(const KeywordReader& reader, FitSettings& settings) {
    // n2p2's updater_type chooses between n2p2's own optimizers, whereas bpnn
    // selects its optimizer with fit_optimizer or --optimizer.
    if (const TokenLine* line = reader.find("updater_type")) {
        settings.notes.push_back(reader.file() + ":" + std::to_string(line->number) +
                                 ": 'updater_type' has no effect: bpnn fit selects the optimizer with "
                                 "'fit_optimizer' or --optimizer");
    }
    if (reader.has("kalman_type")) settings.kalman.fadingMemory = reader.readInteger("kalman_type") != 0;
    if (reader.has("fit_optimizer")) {
        const TokenLine& line = reader.single("fit_optimizer");
        if (!parseOptimizer(line.tokens[1], settings.optimizer)) {
            reader.fail(line, "unknown optimizer '" + line.tokens[1] + "': expected lbfgs, kalman or adam");
        }
    }
}

void readNormalizationKeyword(const KeywordReader& reader, FitSettings& settings) {
    if (!reader.has("normalize_data_set")) return;
    const TokenLine& line = reader.single("normalize_data_set");
    if (line.tokens[1] != "ref") {
        reader.fail(line, "normalize_data_set '" + line.tokens[1] +
                              "' is not implemented: use 'ref' (statistics of the reference data) or remove it");
    }
    settings.normalization = NormalizationMode::Data;
}

}  // namespace

void readFitSettings(const std::string& settingsFile, FitSettings& settings) {
    const KeywordReader reader(settingsFile);
    readOptimizer(reader, settings);
    readNormalizationKeyword(reader, settings);

    if (reader.has("random_seed")) {
        const long seed = reader.readInteger("random_seed");
        if (seed < 0) reader.fail(*reader.find("random_seed"), "random_seed must not be negative");
        settings.seed = static_cast<std::uint64_t>(seed);
    }
    reader.readDouble("test_fraction", settings.testFraction);
    reader.readCount("epochs", settings.epochs);
    reader.readCount("fit_max_epochs", settings.epochs);
    settings.useForces = reader.has("use_short_forces");
    reader.readDouble("force_weight", settings.forceWeight);
    reader.readDouble("energy_weight", settings.energyWeight);
    reader.readDouble("weights_min", settings.weightsMin);
    reader.readDouble("weights_max", settings.weightsMax);
    reader.readCount("fit_patience", settings.patience);
    std::size_t threads = 0;
    if (reader.readCount("fit_threads", threads)) settings.threads = static_cast<int>(threads);

    reader.readDouble("gradient_adam_eta", settings.adam.learningRate);
    reader.readDouble("fit_learning_rate", settings.adam.learningRate);
    reader.readDouble("gradient_adam_beta1", settings.adam.beta1);
    reader.readDouble("gradient_adam_beta2", settings.adam.beta2);
    reader.readDouble("gradient_adam_epsilon", settings.adam.epsilon);
    reader.readCount("fit_batch_size", settings.adam.batchSize);

    KalmanSettings& kalman = settings.kalman;
    reader.readDouble("kalman_epsilon", kalman.epsilon);
    reader.readDouble("kalman_q0", kalman.q0);
    reader.readDouble("kalman_qtau", kalman.qtau);
    reader.readDouble("kalman_qmin", kalman.qmin);
    reader.readDouble("kalman_eta", kalman.eta);
    reader.readDouble("kalman_etatau", kalman.etatau);
    reader.readDouble("kalman_etamax", kalman.etamax);
    reader.readDouble("short_energy_fraction", kalman.energyFraction);
    reader.readDouble("short_force_fraction", kalman.forceFraction);
    reader.readCount("task_batch_size_energy", kalman.energyBatch);
    reader.readCount("task_batch_size_force", kalman.forceBatch);

    for (const char* keyword : {"nguyen_widrow_weights_short", "precondition_weights"}) {
        if (reader.has(keyword)) {
            settings.notes.push_back(settingsFile + ":" + std::to_string(reader.find(keyword)->number) + ": '" +
                                     keyword + "' is not implemented and ignored: weights start uniform in "
                                     "[weights_min, weights_max], scaled as Glorot and Bengio propose");
        }
    }
    std::string ignored;
    for (const auto& entry : reader.lines()) {
        if (kIgnoredKeywords.count(entry.first)) {
            ignored += (ignored.empty() ? " " : ", ") + entry.first + " (line " + std::to_string(entry.second.number) + ")";
        }
    }
    if (!ignored.empty()) {
        settings.notes.push_back(settingsFile + ": n2p2 training keywords without effect in bpnn fit:" + ignored);
    }
}

namespace {

[[noreturn]] void invalid(const std::string& name, const std::string& value, const std::string& expected) {
    throw InputError("invalid " + name + " " + value + ": expected " + expected);
}

std::string text(double value) { return formatDouble(value); }

}  // namespace

void validateFitSettings(const FitSettings& s) {
    if (!(s.testFraction >= 0.0 && s.testFraction < 1.0)) invalid("test fraction", text(s.testFraction), "0 <= f < 1");
    if (s.epochs == 0) invalid("number of epochs", "0", "at least 1");
    if (!(s.energyWeight >= 0.0)) invalid("energy weight", text(s.energyWeight), "a value >= 0");
    if (!(s.forceWeight >= 0.0)) invalid("force weight", text(s.forceWeight), "a value >= 0");
    if (s.energyWeight == 0.0 && (!s.useForces || s.forceWeight == 0.0)) {
        throw InputError("energy and force weights are both zero (or forces are off): nothing to fit");
    }
    if (!(s.weightsMin < s.weightsMax)) {
        throw InputError("weights_min " + text(s.weightsMin) + " must be smaller than weights_max " +
                         text(s.weightsMax));
    }
    if (!(s.minDistance >= 0.0)) invalid("minimum distance", text(s.minDistance), "a value >= 0");
    if (s.checkpointInterval == 0) invalid("checkpoint interval", "0", "at least 1 epoch");
    if (!(s.maxSeconds >= 0.0)) invalid("time limit", text(s.maxSeconds), "seconds >= 0");
    if (!(s.targetEnergyRmse >= 0.0)) invalid("energy RMSE target", text(s.targetEnergyRmse), "a value >= 0");
    if (!(s.targetForceRmse >= 0.0)) invalid("force RMSE target", text(s.targetForceRmse), "a value >= 0");
    if (s.threads < 0) invalid("thread count", std::to_string(s.threads), "0 (automatic) or more");

    const AdamSettings& adam = s.adam;
    if (!(adam.learningRate > 0.0)) invalid("Adam learning rate", text(adam.learningRate), "a value > 0");
    if (!(adam.beta1 >= 0.0 && adam.beta1 < 1.0)) invalid("Adam beta1", text(adam.beta1), "0 <= beta1 < 1");
    if (!(adam.beta2 >= 0.0 && adam.beta2 < 1.0)) invalid("Adam beta2", text(adam.beta2), "0 <= beta2 < 1");
    if (!(adam.epsilon > 0.0)) invalid("Adam epsilon", text(adam.epsilon), "a value > 0");
    if (adam.batchSize == 0) invalid("batch size", "0", "at least 1 structure");
    if (s.lbfgs.history == 0) invalid("L-BFGS history", "0", "at least 1");
    if (s.lbfgs.iterationsPerEpoch == 0) invalid("L-BFGS iterations per epoch", "0", "at least 1");

    const KalmanSettings& k = s.kalman;
    if (s.optimizer == OptimizerType::Kalman && k.fadingMemory) {
        throw InputError("kalman_type 1 (fading memory Kalman filter) is not implemented: use 'kalman_type 0' "
                         "(standard) or another optimizer");
    }
    if (!(k.epsilon > 0.0)) invalid("kalman_epsilon", text(k.epsilon), "a value > 0");
    if (!(k.q0 >= 0.0)) invalid("kalman_q0", text(k.q0), "a value >= 0");
    if (!(k.qmin >= 0.0)) invalid("kalman_qmin", text(k.qmin), "a value >= 0");
    if (!(k.qtau >= 0.0)) invalid("kalman_qtau", text(k.qtau), "a value >= 0");
    if (!(k.eta > 0.0)) invalid("kalman_eta", text(k.eta), "a value > 0");
    if (!(k.etatau >= 0.0)) invalid("kalman_etatau", text(k.etatau), "a value >= 0");
    if (!(k.etamax >= k.eta)) invalid("kalman_etamax", text(k.etamax), "a value >= kalman_eta");
    if (!(k.energyFraction >= 0.0)) invalid("energy update fraction", text(k.energyFraction), "a value >= 0");
    if (!(k.forceFraction >= 0.0)) invalid("force update fraction", text(k.forceFraction), "a value >= 0");
    if (k.energyBatch == 0) invalid("energy rows per Kalman update", "0", "at least 1");
    if (k.forceBatch == 0) invalid("force rows per Kalman update", "0", "at least 1");
}

}  // namespace fit
}  // namespace bpnn

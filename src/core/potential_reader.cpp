// SPDX-License-Identifier: GPL-2.0-or-later
// Reading of n2p2/RuNNer potential files (input.nn, scaling.data,
// weights.NNN.data), with validation of every value that changes results.
#include "potential.h"

#include "elements.h"
#include "errors.h"
#include "text_parsing.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

namespace bpnn {
namespace {

// Keywords that only control training or output in n2p2 or RuNNer. Reading a
// potential accepts and ignores them.
const std::set<std::string> kTrainingKeywords = {
    "random_seed", "test_fraction", "epochs", "normalize_data_set", "use_short_forces",
    "rmse_threshold", "rmse_threshold_energy", "rmse_threshold_force", "rmse_threshold_charge",
    "rmse_threshold_trials", "rmse_threshold_trials_energy", "rmse_threshold_trials_force",
    "rmse_threshold_trials_charge", "energy_fraction", "force_fraction", "force_energy_ratio",
    "charge_fraction", "use_old_weights_short", "use_old_weights_charge", "weights_min",
    "weights_max", "nguyen_widrow_weights_short", "nguyen_widrow_weights_charge",
    "precondition_weights", "main_error_metric", "write_trainpoints", "write_trainforces",
    "write_traincharges", "write_weights_epoch", "write_neuronstats", "write_trainlog",
    "repeated_energy_update", "updater_type", "parallel_mode", "jacobian_mode",
    "update_strategy", "selection_mode", "selection_mode_energy", "selection_mode_force",
    "selection_mode_charge", "task_batch_size_energy", "task_batch_size_force",
    "task_batch_size_charge", "gradient_type", "gradient_eta", "gradient_adam_eta",
    "gradient_adam_beta1", "gradient_adam_beta2", "gradient_adam_epsilon", "kalman_type",
    "kalman_epsilon", "kalman_eta", "kalman_etatau", "kalman_etamax", "kalman_q0",
    "kalman_qtau", "kalman_qmin", "kalman_lambda_short", "kalman_nue_short",
    "memorize_symfunc_results", "force_weight", "short_energy_error_threshold",
    "short_force_error_threshold", "short_energy_fraction", "short_force_fraction",
    "conv_charge",
    // bpnn fit's own training keywords.
    "fit_optimizer", "fit_batch_size", "fit_learning_rate", "fit_patience", "energy_weight",
    "fit_max_epochs", "fit_threads"};

// Keywords of fourth-generation and charge potentials, which change the
// result and which bpnn does not implement.
const std::set<std::string> kUnsupportedKeywords = {
    "global_hidden_layers_electrostatic", "global_nodes_electrostatic",
    "global_activation_electrostatic", "element_hidden_layers_electrostatic",
    "element_nodes_electrostatic", "element_activation_electrostatic", "fixed_gausswidth",
    "ewald_truncation_error_method", "ewald_prec", "screen_electrostatics", "four_pi_epsilon",
    "initial_hardness", "use_electrostatics", "electrostatic_type"};

// Keywords that may appear on several lines.
const std::set<std::string> kRepeatableKeywords = {
    "symfunction_short", "symfunction", "atom_energy", "element_hidden_layers_short",
    "element_nodes_short", "element_activation_short"};

// Keywords that bpnn evaluates.
const std::set<std::string> kModelKeywords = {
    "number_of_elements", "elements", "atom_energy", "cutoff_type", "symfunction_short",
    "symfunction", "scale_symmetry_functions", "scale_min_short", "scale_max_short",
    "center_symmetry_functions", "scale_symmetry_functions_sigma", "global_hidden_layers_short",
    "global_nodes_short", "global_activation_short", "element_hidden_layers_short",
    "element_nodes_short", "element_activation_short", "normalize_nodes", "mean_energy",
    "conv_length", "conv_energy", "nnp_type", "nnp_generation", "nnp_type_gen", "nnp_gen"};

using Settings = std::map<std::string, std::vector<TokenLine>>;

class SettingsReader {
public:
    explicit SettingsReader(std::string file) : file_(std::move(file)) {}

    Settings read(std::vector<std::string>& warnings) const {
        Settings settings;
        for (TokenLine& line : readTokenLines(file_)) {
            const std::string& keyword = line.tokens.front();
            if (kUnsupportedKeywords.count(keyword)) {
                throw InputError(file_, line.number,
                                 "keyword '" + keyword + "' belongs to a 4G-HDNNP or charge "
                                 "potential, which bpnn does not support: use n2p2 for it");
            }
            if (!kModelKeywords.count(keyword) && !kTrainingKeywords.count(keyword)) {
                warnings.push_back(file_ + ":" + std::to_string(line.number) +
                                   ": unknown keyword '" + keyword + "' ignored");
                continue;
            }
            std::vector<TokenLine>& entries = settings[keyword];
            if (!entries.empty() && !kRepeatableKeywords.count(keyword)) {
                throw InputError(file_, line.number,
                                 "keyword '" + keyword + "' repeats line " +
                                 std::to_string(entries.front().number) + ": keep only one");
            }
            entries.push_back(std::move(line));
        }
        return settings;
    }

private:
    std::string file_;
};

const TokenLine* findSingle(const Settings& settings, const std::string& keyword) {
    auto it = settings.find(keyword);
    return it == settings.end() ? nullptr : &it->second.front();
}

const std::vector<TokenLine>& findAll(const Settings& settings, const std::string& keyword) {
    static const std::vector<TokenLine> kNone;
    auto it = settings.find(keyword);
    return it == settings.end() ? kNone : it->second;
}

void requireArguments(const TokenLine& line, const std::string& file, std::size_t minimum,
                      std::size_t maximum, const std::string& usage) {
    const std::size_t count = line.tokens.size() - 1;
    if (count < minimum || count > maximum) {
        throw InputError(file, line.number,
                         "'" + line.tokens.front() + "' takes " + usage + ", found " +
                         std::to_string(count) + " argument(s) in '" + line.text + "'");
    }
}

const TokenLine& requireKeyword(const Settings& settings, const std::string& file,
                                const std::string& keyword, const std::string& usage) {
    const TokenLine* line = findSingle(settings, keyword);
    if (!line) throw InputError(file, 0, "missing keyword '" + keyword + "': add '" + usage + "'");
    return *line;
}

// The reader of one input.nn: each method reads one group of keywords into
// the potential.
class ModelReader {
public:
    ModelReader(const Settings& settings, std::string file, Potential& potential)
        : settings_(settings), file_(std::move(file)), potential_(potential) {}

    void readAll() {
        readGeneration();
        readElements();
        readEnergyOffsets();
        readNormalization();
        readCutoff();
        readScalingKeywords();
        readSymmetryFunctions();
        readArchitecture();
    }

private:
    int element(const std::string& symbol, std::size_t line) const {
        const int index = potential_.elementIndex(symbol);
        if (index < 0) {
            throw InputError(file_, line,
                             "element '" + symbol + "' is not in the 'elements' list of this potential");
        }
        return index;
    }

    double number(const TokenLine& line, std::size_t position, const std::string& what) const {
        return parseDouble(line.tokens[position], file_, line.number, what);
    }

    void readGeneration() {
        for (const char* keyword : {"nnp_type", "nnp_generation", "nnp_type_gen", "nnp_gen"}) {
            const TokenLine* line = findSingle(settings_, keyword);
            if (!line) continue;
            requireArguments(*line, file_, 1, 1, "one value");
            const std::string& value = line->tokens[1];
            if (value != "2" && value != "2G-HDNNP") {
                throw InputError(file_, line->number,
                                 "'" + line->tokens[0] + " " + value + "' selects a potential type "
                                 "bpnn does not support: only second-generation HDNNPs (2 or 2G-HDNNP)");
            }
        }
    }

    void readElements() {
        const TokenLine& count = requireKeyword(settings_, file_, "number_of_elements",
                                                "number_of_elements N");
        requireArguments(count, file_, 1, 1, "one integer");
        const long expected = parseInteger(count.tokens[1], file_, count.number, "number of elements");
        const TokenLine& list = requireKeyword(settings_, file_, "elements", "elements SYMBOL ...");
        requireArguments(list, file_, 1, 200, "one or more element symbols");
        if (expected != static_cast<long>(list.tokens.size() - 1)) {
            throw InputError(file_, list.number,
                             "'elements' lists " + std::to_string(list.tokens.size() - 1) +
                             " element(s) but number_of_elements (line " +
                             std::to_string(count.number) + ") is " + std::to_string(expected));
        }
        for (std::size_t i = 1; i < list.tokens.size(); ++i) {
            ElementModel model;
            model.symbol = list.tokens[i];
            model.atomicNumber = atomicNumber(model.symbol);
            if (model.atomicNumber == 0) {
                throw InputError(file_, list.number, "unknown element symbol '" + model.symbol + "'");
            }
            if (potential_.elementIndex(model.symbol) >= 0) {
                throw InputError(file_, list.number, "element '" + model.symbol + "' is listed twice");
            }
            potential_.elements.push_back(model);
        }
        std::sort(potential_.elements.begin(), potential_.elements.end(),
                  [](const ElementModel& a, const ElementModel& b) { return a.atomicNumber < b.atomicNumber; });
    }

    void readEnergyOffsets() {
        for (const TokenLine& line : findAll(settings_, "atom_energy")) {
            requireArguments(line, file_, 2, 2, "an element and an energy");
            const int index = element(line.tokens[1], line.number);
            potential_.elements[static_cast<std::size_t>(index)].energyOffset =
                number(line, 2, "atomic energy offset");
        }
    }

    void readNormalization() {
        const TokenLine* mean = findSingle(settings_, "mean_energy");
        const TokenLine* energy = findSingle(settings_, "conv_energy");
        const TokenLine* length = findSingle(settings_, "conv_length");
        const int given = (mean != nullptr) + (energy != nullptr) + (length != nullptr);
        if (given == 0) return;
        if (given != 3) {
            throw InputError(file_, 0,
                             "use all or none of 'mean_energy', 'conv_energy' and 'conv_length'");
        }
        for (const TokenLine* line : {mean, energy, length}) requireArguments(*line, file_, 1, 1, "one number");
        potential_.normalize = true;
        potential_.meanEnergy = number(*mean, 1, "mean_energy");
        potential_.convEnergy = number(*energy, 1, "conv_energy");
        potential_.convLength = number(*length, 1, "conv_length");
        if (potential_.convEnergy <= 0.0 || potential_.convLength <= 0.0) {
            throw InputError(file_, potential_.convEnergy <= 0.0 ? energy->number : length->number,
                             "conversion factors must be positive");
        }
    }

    void readCutoff() {
        const TokenLine& line = requireKeyword(settings_, file_, "cutoff_type", "cutoff_type TYPE [ALPHA]");
        requireArguments(line, file_, 1, 2, "a type from 0 to 8 and an optional alpha");
        const long type = parseInteger(line.tokens[1], file_, line.number, "cutoff type");
        if (type < 0 || type > 8) {
            throw InputError(file_, line.number,
                             "invalid cutoff type " + line.tokens[1] + ": expected 0 (hard) to 8 (poly4)");
        }
        potential_.cutoffType = static_cast<CutoffType>(type);
        if (line.tokens.size() > 2) potential_.cutoffAlpha = number(line, 2, "cutoff alpha");
        if (potential_.cutoffAlpha < 0.0 || potential_.cutoffAlpha >= 1.0) {
            throw InputError(file_, line.number,
                             "invalid cutoff alpha " + line.tokens[2] + ": expected 0 <= alpha < 1");
        }
    }

    void readScalingKeywords() {
        const bool scale = findSingle(settings_, "scale_symmetry_functions") != nullptr;
        const bool center = findSingle(settings_, "center_symmetry_functions") != nullptr;
        const bool sigma = findSingle(settings_, "scale_symmetry_functions_sigma") != nullptr;
        if (sigma && (scale || center)) {
            throw InputError(file_, findSingle(settings_, "scale_symmetry_functions_sigma")->number,
                             "'scale_symmetry_functions_sigma' cannot be combined with "
                             "'scale_symmetry_functions' or 'center_symmetry_functions'");
        }
        if (scale && center) potential_.scaling = ScalingMode::ScaleCenter;
        else if (scale) potential_.scaling = ScalingMode::Scale;
        else if (center) potential_.scaling = ScalingMode::Center;
        else if (sigma) potential_.scaling = ScalingMode::Sigma;
        if (const TokenLine* line = findSingle(settings_, "scale_min_short")) {
            requireArguments(*line, file_, 1, 1, "one number");
            potential_.scaleMin = number(*line, 1, "scale_min_short");
        }
        if (const TokenLine* line = findSingle(settings_, "scale_max_short")) {
            requireArguments(*line, file_, 1, 1, "one number");
            potential_.scaleMax = number(*line, 1, "scale_max_short");
        }
        potential_.normalizeNodes = findSingle(settings_, "normalize_nodes") != nullptr;
    }

    void readSymmetryFunctions();
    SymmetryFunction parseSymmetryFunction(const TokenLine& line) const;
    void parseCompactParameters(const TokenLine& line, std::size_t first, SymmetryFunction& sf) const;
    void readArchitecture();
    std::vector<Activation> parseActivations(const TokenLine& line, std::size_t first) const;

    const Settings& settings_;
    std::string file_;
    Potential& potential_;
};

SymmetryFunction ModelReader::parseSymmetryFunction(const TokenLine& line) const {
    const std::vector<std::string>& t = line.tokens;
    if (t.size() < 3) {
        throw InputError(file_, line.number, "incomplete symmetry function: '" + line.text + "'");
    }
    SymmetryFunction sf;
    sf.line = line.number;
    sf.element = element(t[1], line.number);
    sf.type = static_cast<int>(parseInteger(t[2], file_, line.number, "symmetry function type"));
    auto arity = [&](std::size_t minimum, std::size_t maximum, const char* usage) {
        if (t.size() < minimum || t.size() > maximum) {
            throw InputError(file_, line.number,
                             "symmetry function type " + t[2] + " expects '" + usage + "', found '" +
                             line.text + "'");
        }
    };
    switch (sf.type) {
        case 2:
            arity(7, 7, "symfunction_short CENTRAL 2 NEIGHBOR eta r_s r_c");
            sf.neighbor1 = element(t[3], line.number);
            sf.eta = number(line, 4, "eta");
            sf.rs = number(line, 5, "r_s");
            sf.rc = number(line, 6, "r_c");
            break;
        case 3:
        case 9:
            arity(9, 10, "symfunction_short CENTRAL TYPE NEIGHBOR1 NEIGHBOR2 eta lambda zeta r_c [r_s]");
            sf.neighbor1 = element(t[3], line.number);
            sf.neighbor2 = element(t[4], line.number);
            sf.eta = number(line, 5, "eta");
            sf.lambda = number(line, 6, "lambda");
            sf.zeta = number(line, 7, "zeta");
            sf.rc = number(line, 8, "r_c");
            if (t.size() > 9) sf.rs = number(line, 9, "r_s");
            break;
        case 12:
            arity(6, 6, "symfunction_short CENTRAL 12 eta r_s r_c");
            sf.eta = number(line, 3, "eta");
            sf.rs = number(line, 4, "r_s");
            sf.rc = number(line, 5, "r_c");
            break;
        case 13:
            arity(8, 8, "symfunction_short CENTRAL 13 eta r_s lambda zeta r_c");
            sf.eta = number(line, 3, "eta");
            sf.rs = number(line, 4, "r_s");
            sf.lambda = number(line, 5, "lambda");
            sf.zeta = number(line, 6, "zeta");
            sf.rc = number(line, 7, "r_c");
            break;
        case 20:
            arity(7, 7, "symfunction_short CENTRAL 20 NEIGHBOR r_l r_c SUBTYPE");
            sf.neighbor1 = element(t[3], line.number);
            sf.rl = number(line, 4, "r_l");
            sf.rc = number(line, 5, "r_c");
            sf.subtype = t[6];
            break;
        case 21:
        case 22:
            arity(10, 10, "symfunction_short CENTRAL TYPE NEIGHBOR1 NEIGHBOR2 r_l r_c angle_left angle_right SUBTYPE");
            sf.neighbor1 = element(t[3], line.number);
            sf.neighbor2 = element(t[4], line.number);
            parseCompactParameters(line, 5, sf);
            break;
        case 23:
            arity(6, 6, "symfunction_short CENTRAL 23 r_l r_c SUBTYPE");
            sf.rl = number(line, 3, "r_l");
            sf.rc = number(line, 4, "r_c");
            sf.subtype = t[5];
            break;
        case 24:
        case 25:
            arity(8, 8, "symfunction_short CENTRAL TYPE r_l r_c angle_left angle_right SUBTYPE");
            parseCompactParameters(line, 3, sf);
            break;
        default:
            throw InputError(file_, line.number,
                             "unknown symmetry function type " + t[2] +
                             ": supported are 2, 3, 9, 12, 13, 20, 21, 22, 23, 24 and 25");
    }
    if (sf.neighbor2 >= 0 && sf.neighbor1 > sf.neighbor2) std::swap(sf.neighbor1, sf.neighbor2);
    return sf;
}

void ModelReader::parseCompactParameters(const TokenLine& line, std::size_t first,
                                         SymmetryFunction& sf) const {
    sf.rl = number(line, first, "r_l");
    sf.rc = number(line, first + 1, "r_c");
    sf.angleLeft = number(line, first + 2, "angle_left");
    sf.angleRight = number(line, first + 3, "angle_right");
    sf.subtype = line.tokens[first + 4];
    if (sf.angleLeft >= sf.angleRight) {
        throw InputError(file_, line.number, "angle_left must be smaller than angle_right in '" + line.text + "'");
    }
    const double center = 0.5 * (sf.angleLeft + sf.angleRight);
    if ((sf.angleLeft < 0.0 && center != 0.0) || (sf.angleRight > 180.0 && center != 180.0) ||
        sf.angleRight - sf.angleLeft > 360.0) {
        throw InputError(file_, line.number,
                         "angular range outside [0, 180] degrees must be centered at 0 or 180 "
                         "and span at most 360 degrees: '" + line.text + "'");
    }
}

}  // namespace
}  // namespace bpnn

namespace bpnn {
namespace {

// n2p2 orders the symmetry functions of an element by type and then by the
// parameters below (the same order as its SymFnc operator< implementations);
// the index of a function in scaling.data and the network input follow it.
auto orderKey(const SymmetryFunction& s) {
    const double none = 0.0;
    switch (s.type) {
        case 2:
            return std::make_tuple(s.type, std::string(), s.rc, s.eta, s.rs, none, none, s.neighbor1, 0, none, none);
        case 3:
        case 9:
            return std::make_tuple(s.type, std::string(), s.rc, s.eta, s.rs, s.zeta, s.lambda, s.neighbor1,
                                   s.neighbor2, none, none);
        case 12:
            return std::make_tuple(s.type, std::string(), s.rc, s.eta, s.rs, none, none, 0, 0, none, none);
        case 13:
            return std::make_tuple(s.type, std::string(), s.rc, s.eta, s.rs, s.zeta, s.lambda, 0, 0, none, none);
        case 20:
            return std::make_tuple(s.type, s.subtype, none, none, none, none, none, s.neighbor1, 0, s.rc, s.rl);
        case 21:
        case 22:
            return std::make_tuple(s.type, s.subtype, none, none, none, none, none, s.neighbor1, s.neighbor2,
                                   s.rc, s.rl);
        default:  // 23, 24, 25
            return std::make_tuple(s.type, s.subtype, none, none, none, none, none, 0, 0, s.rc, s.rl);
    }
}

bool precedes(const SymmetryFunction& a, const SymmetryFunction& b) {
    const auto ka = orderKey(a);
    const auto kb = orderKey(b);
    if (ka != kb) return ka < kb;
    // Compact angular types finally compare their angular ranges.
    return std::make_tuple(a.angleLeft, a.angleRight) < std::make_tuple(b.angleLeft, b.angleRight);
}

bool validSubtype(const std::string& subtype) {
    if (subtype == "e") return true;
    if (subtype.size() < 2 || subtype.size() > 3 || subtype[0] != 'p') return false;
    if (subtype[1] < '1' || subtype[1] > '4') return false;
    return subtype.size() == 2 || subtype[2] == 'a';
}

}  // namespace

void sortSymmetryFunctions(Potential& potential) {
    for (ElementModel& model : potential.elements) {
        std::vector<std::size_t> order(model.symmetryFunctions.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return precedes(model.symmetryFunctions[a], model.symmetryFunctions[b]);
        });
        std::vector<SymmetryFunction> sorted;
        for (std::size_t i : order) sorted.push_back(model.symmetryFunctions[i]);
        model.symmetryFunctions = sorted;
        if (model.layers.empty() || model.layers.front().weights.cols() != static_cast<Eigen::Index>(order.size())) {
            continue;
        }
        Eigen::MatrixXd& weights = model.layers.front().weights;
        const Eigen::MatrixXd original = weights;
        for (std::size_t i = 0; i < order.size(); ++i) {
            weights.col(static_cast<Eigen::Index>(i)) = original.col(static_cast<Eigen::Index>(order[i]));
        }
    }
}

bool hasSortedSymmetryFunctions(const Potential& potential) {
    for (const ElementModel& model : potential.elements) {
        const auto& list = model.symmetryFunctions;
        for (std::size_t i = 1; i < list.size(); ++i) {
            if (precedes(list[i], list[i - 1])) return false;
        }
    }
    return true;
}

void ModelReader::readSymmetryFunctions() {
    std::vector<TokenLine> lines = findAll(settings_, "symfunction_short");
    for (const TokenLine& line : findAll(settings_, "symfunction")) lines.push_back(line);
    for (const TokenLine& line : lines) {
        SymmetryFunction sf = parseSymmetryFunction(line);
        if (!(sf.rc > 0.0)) throw InputError(file_, line.number, "r_c must be positive in '" + line.text + "'");
        if (sf.eta < 0.0) throw InputError(file_, line.number, "eta must not be negative in '" + line.text + "'");
        if (sf.isCompact()) {
            if (!validSubtype(sf.subtype)) {
                throw InputError(file_, line.number,
                                 "invalid compact subtype '" + sf.subtype + "': expected p1, p2, p3, p4 "
                                 "(optionally followed by a, as in p2a) or e");
            }
            if (!(sf.rl < sf.rc)) {
                throw InputError(file_, line.number, "r_l must be smaller than r_c in '" + line.text + "'");
            }
        }
        if (sf.isAngular() && !sf.isCompact() && sf.zeta < 1.0) {
            throw InputError(file_, line.number, "zeta must be at least 1 in '" + line.text + "'");
        }
        potential_.elements[static_cast<std::size_t>(sf.element)].symmetryFunctions.push_back(sf);
    }
    for (ElementModel& model : potential_.elements) {
        if (model.symmetryFunctions.empty()) {
            throw InputError(file_, 0, "element " + model.symbol + " has no symmetry functions: add "
                             "'symfunction_short " + model.symbol + " ...' lines");
        }
        std::sort(model.symmetryFunctions.begin(), model.symmetryFunctions.end(), precedes);
    }
}

std::vector<Activation> ModelReader::parseActivations(const TokenLine& line, std::size_t first) const {
    std::vector<Activation> result;
    for (std::size_t i = first; i < line.tokens.size(); ++i) {
        Activation activation;
        if (!parseActivation(line.tokens[i], activation)) {
            throw InputError(file_, line.number,
                             "unknown activation '" + line.tokens[i] +
                             "': expected one of l, t, s, p, r, g, c, S, e, h");
        }
        result.push_back(activation);
    }
    return result;
}

void ModelReader::readArchitecture() {
    const std::size_t numElements = potential_.elements.size();
    std::vector<long> hiddenLayers(numElements, -1);
    std::vector<std::vector<long>> nodes(numElements);
    std::vector<std::vector<Activation>> activations(numElements);

    if (const TokenLine* line = findSingle(settings_, "global_hidden_layers_short")) {
        requireArguments(*line, file_, 1, 1, "one integer");
        const long count = parseInteger(line->tokens[1], file_, line->number, "number of hidden layers");
        if (count < 0) throw InputError(file_, line->number, "number of hidden layers must not be negative");
        std::fill(hiddenLayers.begin(), hiddenLayers.end(), count);
    }
    for (const TokenLine& line : findAll(settings_, "element_hidden_layers_short")) {
        requireArguments(line, file_, 2, 2, "an element and an integer");
        const long count = parseInteger(line.tokens[2], file_, line.number, "number of hidden layers");
        if (count < 0) throw InputError(file_, line.number, "number of hidden layers must not be negative");
        hiddenLayers[static_cast<std::size_t>(element(line.tokens[1], line.number))] = count;
    }
    const TokenLine* globalNodes = findSingle(settings_, "global_nodes_short");
    const TokenLine* globalActivations = findSingle(settings_, "global_activation_short");
    for (std::size_t e = 0; e < numElements; ++e) {
        if (hiddenLayers[e] < 0) {
            throw InputError(file_, 0, "number of hidden layers unset for element " +
                             potential_.elements[e].symbol + ": add 'global_hidden_layers_short N'");
        }
        if (globalNodes && static_cast<long>(globalNodes->tokens.size() - 1) == hiddenLayers[e]) {
            for (std::size_t i = 1; i < globalNodes->tokens.size(); ++i) {
                nodes[e].push_back(parseInteger(globalNodes->tokens[i], file_, globalNodes->number, "node count"));
            }
        }
        if (globalActivations && static_cast<long>(globalActivations->tokens.size() - 2) == hiddenLayers[e]) {
            activations[e] = parseActivations(*globalActivations, 1);
        }
    }
    for (const TokenLine& line : findAll(settings_, "element_nodes_short")) {
        const std::size_t e = static_cast<std::size_t>(element(line.tokens.size() > 1 ? line.tokens[1] : "", line.number));
        nodes[e].clear();
        for (std::size_t i = 2; i < line.tokens.size(); ++i) {
            nodes[e].push_back(parseInteger(line.tokens[i], file_, line.number, "node count"));
        }
    }
    for (const TokenLine& line : findAll(settings_, "element_activation_short")) {
        const std::size_t e = static_cast<std::size_t>(element(line.tokens.size() > 1 ? line.tokens[1] : "", line.number));
        activations[e] = parseActivations(line, 2);
    }
    for (std::size_t e = 0; e < numElements; ++e) {
        ElementModel& model = potential_.elements[e];
        const std::size_t hidden = static_cast<std::size_t>(hiddenLayers[e]);
        if (nodes[e].size() != hidden) {
            throw InputError(file_, globalNodes ? globalNodes->number : 0,
                             "element " + model.symbol + " has " + std::to_string(hidden) +
                             " hidden layer(s) but " + std::to_string(nodes[e].size()) +
                             " node count(s): give one per hidden layer in 'global_nodes_short' or "
                             "'element_nodes_short'");
        }
        if (activations[e].size() != hidden + 1) {
            throw InputError(file_, globalActivations ? globalActivations->number : 0,
                             "element " + model.symbol + " needs " + std::to_string(hidden + 1) +
                             " activation(s), one per hidden layer and one for the output layer, in "
                             "'global_activation_short' or 'element_activation_short'");
        }
        long inputs = static_cast<long>(model.symmetryFunctions.size());
        for (std::size_t l = 0; l <= hidden; ++l) {
            const long outputs = l < hidden ? nodes[e][l] : 1;
            if (outputs <= 0) {
                throw InputError(file_, globalNodes ? globalNodes->number : 0,
                                 "node counts must be positive for element " + model.symbol);
            }
            Layer layer;
            layer.weights = Eigen::MatrixXd::Zero(outputs, inputs);
            layer.bias = Eigen::VectorXd::Zero(outputs);
            layer.activation = activations[e][l];
            model.layers.push_back(layer);
            inputs = outputs;
        }
    }
}

namespace {

std::string scalingUsage() {
    return "each line of scaling.data holds 'element_index function_index G_min G_max G_mean G_sigma'";
}

void readScaling(Potential& potential, const std::string& file) {
    const std::vector<TokenLine> lines = readTokenLines(file);
    std::size_t next = 0;
    for (std::size_t e = 0; e < potential.elements.size(); ++e) {
        ElementModel& model = potential.elements[e];
        for (std::size_t s = 0; s < model.symmetryFunctions.size(); ++s) {
            if (next >= lines.size()) {
                throw InputError(file, 0,
                                 "scaling data ends before symmetry function " + std::to_string(s + 1) +
                                 " of element " + model.symbol + ": the file does not match input.nn "
                                 "(expected " + std::to_string(model.symmetryFunctions.size()) +
                                 " functions for this element)");
            }
            const TokenLine& line = lines[next++];
            if (line.tokens.size() < 5 || line.tokens.size() > 6) {
                throw InputError(file, line.number, "expected 5 or 6 columns: " + scalingUsage());
            }
            const long elementIndex = parseInteger(line.tokens[0], file, line.number, "element index");
            const long functionIndex = parseInteger(line.tokens[1], file, line.number, "function index");
            if (elementIndex != static_cast<long>(e + 1) || functionIndex != static_cast<long>(s + 1)) {
                throw InputError(file, line.number,
                                 "expected element " + std::to_string(e + 1) + " function " +
                                 std::to_string(s + 1) + " here, found " + line.tokens[0] + " " +
                                 line.tokens[1] + ": scaling.data does not match the symmetry functions of input.nn");
            }
            SymmetryFunction& sf = model.symmetryFunctions[s];
            sf.gmin = parseDouble(line.tokens[2], file, line.number, "G_min");
            sf.gmax = parseDouble(line.tokens[3], file, line.number, "G_max");
            sf.gmean = parseDouble(line.tokens[4], file, line.number, "G_mean");
            if (line.tokens.size() > 5) sf.gsigma = parseDouble(line.tokens[5], file, line.number, "G_sigma");
            const bool usesRange = potential.scaling == ScalingMode::Scale || potential.scaling == ScalingMode::ScaleCenter;
            if (usesRange && !(sf.gmax > sf.gmin)) {
                throw InputError(file, line.number,
                                 "G_max must exceed G_min for min/max scaling; this symmetry function is "
                                 "constant over the training data, so remove it from input.nn");
            }
            if (potential.scaling == ScalingMode::Sigma && !(sf.gsigma > 0.0)) {
                throw InputError(file, line.number, "G_sigma must be positive for sigma scaling");
            }
        }
    }
    if (next < lines.size()) {
        throw InputError(file, lines[next].number,
                         "extra scaling line: input.nn defines only " + std::to_string(next) +
                         " symmetry functions in all");
    }
}

void readWeights(ElementModel& model, const std::string& file) {
    const std::vector<TokenLine> lines = readTokenLines(file);
    const std::size_t expected = model.numWeights();
    if (lines.size() != expected) {
        throw InputError(file, lines.empty() ? 0 : lines.back().number,
                         "found " + std::to_string(lines.size()) + " weights but the network of " +
                         model.symbol + " in input.nn needs " + std::to_string(expected) +
                         ": check global_nodes_short and the symmetry functions");
    }
    std::size_t next = 0;
    auto value = [&]() {
        const TokenLine& line = lines[next++];
        return parseDouble(line.tokens[0], file, line.number, "weight");
    };
    // n2p2 order: per layer, the weights by input neuron then output neuron,
    // then the biases of that layer.
    for (Layer& layer : model.layers) {
        for (Eigen::Index in = 0; in < layer.weights.cols(); ++in) {
            for (Eigen::Index out = 0; out < layer.weights.rows(); ++out) layer.weights(out, in) = value();
        }
        for (Eigen::Index out = 0; out < layer.bias.size(); ++out) layer.bias(out) = value();
    }
}

std::string weightsFile(const std::string& pattern, int atomicNumber) {
    char buffer[4096];
    std::snprintf(buffer, sizeof(buffer), pattern.c_str(), atomicNumber);
    return buffer;
}

}  // namespace

Potential readPotentialFiles(const std::string& settingsFile, const std::string& scalingFile,
                             const std::string& weightsPattern) {
    Potential potential;
    potential.source = settingsFile;
    const Settings settings = SettingsReader(settingsFile).read(potential.warnings);
    ModelReader(settings, settingsFile, potential).readAll();
    if (!scalingFile.empty()) {
        readScaling(potential, scalingFile);
        potential.hasScalingData = true;
    } else if (potential.scaling != ScalingMode::None) {
        throw InputError(settingsFile, 0, "symmetry function scaling is enabled but no scaling.data was given");
    }
    for (ElementModel& model : potential.elements) readWeights(model, weightsFile(weightsPattern, model.atomicNumber));
    return potential;
}

Potential readPotentialSettings(const std::string& settingsFile) {
    Potential potential;
    potential.source = settingsFile;
    const Settings settings = SettingsReader(settingsFile).read(potential.warnings);
    ModelReader(settings, settingsFile, potential).readAll();
    return potential;
}

Potential readPotential(const std::string& directory) {
    const std::string prefix = directory.empty() || directory.back() == '/' ? directory : directory + "/";
    std::string scaling = prefix + "scaling.data";
    const bool hasScaling = static_cast<bool>(std::ifstream(scaling));
    if (!hasScaling) scaling.clear();
    try {
        return readPotentialFiles(prefix + "input.nn", scaling, prefix + "weights.%03d.data");
    } catch (const InputError& error) {
        // Name the missing scaling file rather than a consequence of its absence.
        if (!hasScaling && std::string(error.what()).find("no scaling.data") != std::string::npos) {
            throw InputError(prefix + "scaling.data", 0,
                             "cannot open file, but input.nn enables symmetry function scaling: "
                             "copy scaling.data next to input.nn");
        }
        throw;
    }
}

}  // namespace bpnn

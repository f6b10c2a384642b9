// SPDX-License-Identifier: GPL-2.0-or-later
// Writing of potentials in the n2p2 file format.
#include "potential.h"

#include "errors.h"
#include "text_parsing.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bpnn {
namespace {

std::string symmetryFunctionLine(const Potential& potential, const SymmetryFunction& sf) {
    auto symbol = [&](int index) { return potential.elements[static_cast<std::size_t>(index)].symbol; };
    std::ostringstream line;
    line << "symfunction_short " << symbol(sf.element) << ' ' << sf.type << ' ';
    auto numbers = [&](std::initializer_list<double> values) {
        for (double v : values) line << ' ' << formatDouble(v);
    };
    switch (sf.type) {
        case 2: line << symbol(sf.neighbor1); numbers({sf.eta, sf.rs, sf.rc}); break;
        case 3:
        case 9:
            line << symbol(sf.neighbor1) << ' ' << symbol(sf.neighbor2);
            numbers({sf.eta, sf.lambda, sf.zeta, sf.rc, sf.rs});
            break;
        case 12: numbers({sf.eta, sf.rs, sf.rc}); break;
        case 13: numbers({sf.eta, sf.rs, sf.lambda, sf.zeta, sf.rc}); break;
        case 20: line << symbol(sf.neighbor1); numbers({sf.rl, sf.rc}); line << ' ' << sf.subtype; break;
        case 21:
        case 22:
            line << symbol(sf.neighbor1) << ' ' << symbol(sf.neighbor2);
            numbers({sf.rl, sf.rc, sf.angleLeft, sf.angleRight});
            line << ' ' << sf.subtype;
            break;
        case 23: numbers({sf.rl, sf.rc}); line << ' ' << sf.subtype; break;
        default:  // 24, 25
            numbers({sf.rl, sf.rc, sf.angleLeft, sf.angleRight});
            line << ' ' << sf.subtype;
            break;
    }
    return line.str();
}

bool sameArchitecture(const Potential& potential) {
    const ElementModel& first = potential.elements.front();
    for (const ElementModel& model : potential.elements) {
        if (model.layers.size() != first.layers.size()) return false;
        for (std::size_t l = 0; l < model.layers.size(); ++l) {
            if (model.layers[l].activation != first.layers[l].activation) return false;
            if (l + 1 < model.layers.size() && model.layers[l].weights.rows() != first.layers[l].weights.rows()) {
                return false;
            }
        }
    }
    return true;
}

void writeArchitecture(std::ostream& out, const Potential& potential) {
    auto describe = [](const ElementModel& model, std::string& nodes, std::string& activations) {
        for (std::size_t l = 0; l < model.layers.size(); ++l) {
            if (l + 1 < model.layers.size()) nodes += " " + std::to_string(model.layers[l].weights.rows());
            activations += std::string(" ") + activationCode(model.layers[l].activation);
        }
    };
    if (sameArchitecture(potential)) {
        std::string nodes, activations;
        describe(potential.elements.front(), nodes, activations);
        out << "global_hidden_layers_short " << potential.elements.front().layers.size() - 1 << '\n';
        if (!nodes.empty()) out << "global_nodes_short" << nodes << '\n';
        out << "global_activation_short" << activations << '\n';
        return;
    }
    // NOTE: n2p2 v2.3 itself reads per-element node counts only for all but
    // the last hidden layer, so potentials whose elements differ in
    // architecture load in bpnn but may not load in that n2p2 version.
    for (const ElementModel& model : potential.elements) {
        std::string nodes, activations;
        describe(model, nodes, activations);
        out << "element_hidden_layers_short " << model.symbol << ' ' << model.layers.size() - 1 << '\n';
        if (!nodes.empty()) out << "element_nodes_short " << model.symbol << nodes << '\n';
        out << "element_activation_short " << model.symbol << activations << '\n';
    }
}

void writeSettings(const Potential& potential, const std::string& file) {
    std::ofstream out(file);
    out << "# HDNNP written by bpnn (n2p2 input.nn format)\n";
    if (potential.normalize) {
        out << "mean_energy " << formatDouble(potential.meanEnergy) << '\n';
        out << "conv_energy " << formatDouble(potential.convEnergy) << '\n';
        out << "conv_length " << formatDouble(potential.convLength) << '\n';
    }
    out << "number_of_elements " << potential.elements.size() << '\n' << "elements";
    for (const ElementModel& model : potential.elements) out << ' ' << model.symbol;
    out << '\n';
    for (const ElementModel& model : potential.elements) {
        if (model.energyOffset != 0.0) out << "atom_energy " << model.symbol << ' ' << formatDouble(model.energyOffset) << '\n';
    }
    out << "cutoff_type " << static_cast<int>(potential.cutoffType) << ' ' << formatDouble(potential.cutoffAlpha) << '\n';
    switch (potential.scaling) {
        case ScalingMode::None: break;
        case ScalingMode::Scale: out << "scale_symmetry_functions\n"; break;
        case ScalingMode::Center: out << "center_symmetry_functions\n"; break;
        case ScalingMode::ScaleCenter: out << "scale_symmetry_functions\ncenter_symmetry_functions\n"; break;
        case ScalingMode::Sigma: out << "scale_symmetry_functions_sigma\n"; break;
    }
    out << "scale_min_short " << formatDouble(potential.scaleMin) << '\n';
    out << "scale_max_short " << formatDouble(potential.scaleMax) << '\n';
    if (potential.normalizeNodes) out << "normalize_nodes\n";
    writeArchitecture(out, potential);
    for (const ElementModel& model : potential.elements) {
        for (const SymmetryFunction& sf : model.symmetryFunctions) out << symmetryFunctionLine(potential, sf) << '\n';
    }
    if (!out) throw InputError(file, 0, "write failed: check free disk space and permissions");
}

void writeScaling(const Potential& potential, const std::string& file) {
    std::ofstream out(file);
    out << "# e_index sf_index sf_min sf_max sf_mean sf_sigma\n";
    for (std::size_t e = 0; e < potential.elements.size(); ++e) {
        const auto& functions = potential.elements[e].symmetryFunctions;
        for (std::size_t s = 0; s < functions.size(); ++s) {
            const SymmetryFunction& sf = functions[s];
            out << e + 1 << ' ' << s + 1 << ' ' << formatDouble(sf.gmin) << ' ' << formatDouble(sf.gmax) << ' '
                << formatDouble(sf.gmean) << ' ' << formatDouble(sf.gsigma) << '\n';
        }
    }
    if (!out) throw InputError(file, 0, "write failed: check free disk space and permissions");
}

void writeWeights(const ElementModel& model, const std::string& file) {
    std::ofstream out(file);
    out << "# connection t index l_s n_s l_e n_e (weights) / connection t index l_e n_e (biases)\n";
    std::size_t index = 0;
    for (std::size_t l = 0; l < model.layers.size(); ++l) {
        const Layer& layer = model.layers[l];
        for (Eigen::Index in = 0; in < layer.weights.cols(); ++in) {
            for (Eigen::Index o = 0; o < layer.weights.rows(); ++o) {
                out << formatDouble(layer.weights(o, in)) << " a " << ++index << ' ' << l << ' ' << in + 1 << ' '
                    << l + 1 << ' ' << o + 1 << '\n';
            }
        }
        for (Eigen::Index o = 0; o < layer.bias.size(); ++o) {
            out << formatDouble(layer.bias(o)) << " b " << ++index << ' ' << l + 1 << ' ' << o + 1 << '\n';
        }
    }
    if (!out) throw InputError(file, 0, "write failed: check free disk space and permissions");
}

}  // namespace

void writePotential(const Potential& potential, const std::string& directory, bool overwrite) {
    namespace fs = std::filesystem;
    if (!hasSortedSymmetryFunctions(potential)) {
        throw std::logic_error("writePotential: symmetry functions are not in n2p2 order; call "
                               "sortSymmetryFunctions() first, or the files would pair scaling data "
                               "and weights with the wrong functions");
    }
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) throw InputError(directory, 0, "cannot create directory: " + error.message());
    const fs::path dir(directory);
    std::vector<fs::path> files = {dir / "input.nn", dir / "scaling.data"};
    for (const ElementModel& model : potential.elements) {
        char name[32];
        std::snprintf(name, sizeof(name), "weights.%03d.data", model.atomicNumber);
        files.push_back(dir / name);
    }
    if (!overwrite) {
        for (const fs::path& file : files) {
            if (fs::exists(file)) {
                throw InputError(file.string(), 0, "file exists and would be overwritten: choose another "
                                 "output directory or remove the file");
            }
        }
    }
    // Write to temporary names first, then rename, so that an interrupted
    // write never leaves a half-written potential under the final names.
    std::vector<fs::path> temporaries;
    for (const fs::path& file : files) temporaries.push_back(fs::path(file.string() + ".tmp"));
    writeSettings(potential, temporaries[0].string());
    writeScaling(potential, temporaries[1].string());
    for (std::size_t e = 0; e < potential.elements.size(); ++e) {
        writeWeights(potential.elements[e], temporaries[e + 2].string());
    }
    for (std::size_t i = 0; i < files.size(); ++i) fs::rename(temporaries[i], files[i]);
}

}  // namespace bpnn

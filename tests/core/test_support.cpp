// SPDX-License-Identifier: GPL-2.0-or-later
#include "test_support.h"

#include "../atomic_energies.h"

#include <unistd.h>

#include <cmath>
#include <algorithm>
#include <functional>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bpnn::test {

std::string dataPath(const std::string& relative) { return std::string(BPNN_TEST_DATA_DIR) + "/" + relative; }

std::string makeTempDir(const std::string& name) {
    namespace fs = std::filesystem;
    static int counter = 0;
    const fs::path dir = fs::temp_directory_path() /
                         ("bpnn-test-" + std::to_string(::getpid()) + "-" + name + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir.string();
}

void writeTextFile(const std::string& path, const std::string& content) {
    std::ofstream out(path);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<std::vector<double>> readAtomicEnergies(const std::string& path) {
    return readAtomicEnergyFile(path);
}

namespace {

SymmetryFunction radial(int type, int center, int neighbor, double rc) {
    SymmetryFunction sf;
    sf.type = type;
    sf.element = center;
    sf.neighbor1 = neighbor;
    sf.rc = rc;
    return sf;
}

// Symmetry functions of every type for one central element.
std::vector<SymmetryFunction> allTypes(int center) {
    std::vector<SymmetryFunction> list;
    for (int n = 0; n < 2; ++n) {
        SymmetryFunction g2 = radial(2, center, n, 4.5);
        g2.eta = 0.4;
        g2.rs = 0.5 * n;
        list.push_back(g2);
        SymmetryFunction g20 = radial(20, center, n, 4.0);
        g20.rl = n == 0 ? -4.0 : 0.8;
        g20.subtype = n == 0 ? "p2" : "p3";
        list.push_back(g20);
    }
    for (int type : {3, 9}) {
        for (double lambda : {-1.0, 1.0}) {
            SymmetryFunction sf = radial(type, center, 0, 4.2);
            sf.neighbor2 = 1;
            sf.eta = 0.1;
            sf.lambda = lambda;
            sf.zeta = lambda > 0 ? 2.0 : 1.5;
            sf.rs = type == 9 ? 0.3 : 0.0;
            list.push_back(sf);
        }
        SymmetryFunction same = radial(type, center, 1, 4.2);
        same.neighbor2 = 1;
        same.eta = 0.05;
        same.lambda = 1.0;
        same.zeta = 4.0;
        list.push_back(same);
    }
    SymmetryFunction g12 = radial(12, center, -1, 4.0);
    g12.eta = 0.3;
    g12.rs = 0.2;
    list.push_back(g12);
    SymmetryFunction g13 = radial(13, center, -1, 4.0);
    g13.eta = 0.05;
    g13.lambda = -1.0;
    g13.zeta = 3.0;
    list.push_back(g13);
    const char* subtypes[] = {"p1", "p2a", "p4", "e"};
    int next = 0;
    for (int type : {21, 22, 24, 25}) {
        SymmetryFunction sf = radial(type, center, type < 23 ? 0 : -1, 4.3);
        if (type < 23) sf.neighbor2 = 1;
        sf.rl = type % 2 ? -4.3 : 0.5;
        sf.angleLeft = type == 22 ? -40.0 : 20.0;
        sf.angleRight = type == 22 ? 40.0 : 170.0;
        sf.subtype = subtypes[next++];
        list.push_back(sf);
    }
    SymmetryFunction g23 = radial(23, center, -1, 3.9);
    g23.rl = 0.4;
    g23.subtype = "p2a";
    list.push_back(g23);
    return list;
}

Layer randomLayer(std::mt19937& random, long outputs, long inputs, Activation activation) {
    std::uniform_real_distribution<double> weight(-1.0, 1.0);
    Layer layer;
    layer.weights.resize(outputs, inputs);
    layer.bias.resize(outputs);
    const double scale = 1.0 / std::sqrt(static_cast<double>(inputs));
    for (long r = 0; r < outputs; ++r) {
        for (long c = 0; c < inputs; ++c) layer.weights(r, c) = scale * weight(random);
        layer.bias(r) = 0.3 * weight(random);
    }
    layer.activation = activation;
    return layer;
}

}  // namespace

Potential makeSyntheticPotential(CutoffType cutoff, double alpha, Activation activation, std::mt19937& random) {
    Potential potential;
    potential.cutoffType = cutoff;
    potential.cutoffAlpha = alpha;
    potential.scaling = ScalingMode::ScaleCenter;
    potential.scaleMin = -1.0;
    potential.scaleMax = 1.0;
    potential.hasScalingData = true;
    potential.normalize = true;
    potential.meanEnergy = -2.5;
    potential.convEnergy = 3.0;
    potential.convLength = 1.7;
    const char* symbols[] = {"H", "O"};
    const int numbers[] = {1, 8};
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (int e = 0; e < 2; ++e) {
        ElementModel model;
        model.symbol = symbols[e];
        model.atomicNumber = numbers[e];
        model.energyOffset = 0.1 * (e + 1);
        model.symmetryFunctions = allTypes(e);
        const long inputs = static_cast<long>(model.symmetryFunctions.size());
        model.layers.push_back(randomLayer(random, 7, inputs, activation));
        model.layers.push_back(randomLayer(random, 5, 7, activation));
        model.layers.push_back(randomLayer(random, 1, 5, Activation::Identity));
        potential.elements.push_back(model);
    }
    sortSymmetryFunctions(potential);
    // Statistics from a sample cell, as n2p2's nnp-scaling would derive them
    // from training data, so that scaled inputs stay of order one.
    std::mt19937 sampleRandom(1);
    const Structure sample = makeRandomCell(sampleRandom, 24, true, 5.0, 0.9);
    Evaluator evaluator(potential);
    const std::vector<std::vector<double>> values = evaluator.symmetryFunctions(sample);
    for (std::size_t e = 0; e < potential.elements.size(); ++e) {
        for (std::size_t s = 0; s < potential.elements[e].symmetryFunctions.size(); ++s) {
            SymmetryFunction& sf = potential.elements[e].symmetryFunctions[s];
            sf.gmin = 1e300;
            sf.gmax = -1e300;
            for (std::size_t i = 0; i < sample.size(); ++i) {
                if (potential.elementIndex(sample.symbols[i]) != static_cast<int>(e)) continue;
                sf.gmin = std::min(sf.gmin, values[i][s]);
                sf.gmax = std::max(sf.gmax, values[i][s]);
            }
            sf.gmax = std::max(sf.gmax, sf.gmin + 1e-3) + 0.5 * uniform(random);
            sf.gmean = 0.5 * (sf.gmin + sf.gmax);
            sf.gsigma = 0.25 * (sf.gmax - sf.gmin) + 0.01;
        }
    }
    return potential;
}

namespace {

std::vector<Vec3> placeAtoms(std::mt19937& random, std::size_t numAtoms, double minDistance,
                             const std::function<Vec3(std::mt19937&)>& draw,
                             const std::function<double(const Vec3&, const Vec3&)>& distance) {
    std::vector<Vec3> positions;
    for (int attempt = 0; positions.size() < numAtoms; ++attempt) {
        if (attempt > 100000) throw std::runtime_error("cannot place atoms at the requested density");
        const Vec3 candidate = draw(random);
        bool clear = true;
        for (const Vec3& p : positions) clear = clear && distance(candidate, p) >= minDistance;
        if (clear) positions.push_back(candidate);
    }
    return positions;
}

double plainDistance(const Vec3& a, const Vec3& b) {
    return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

}  // namespace

Structure makeRandomCell(std::mt19937& random, std::size_t numAtoms, bool triclinic, double edge,
                         double minDistance) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    Structure s;
    s.periodic = {true, true, true};
    s.cell = {Vec3{edge, 0.0, 0.0}, Vec3{0.0, edge * 1.1, 0.0}, Vec3{0.0, 0.0, edge * 0.95}};
    if (triclinic) {
        s.cell[1][0] = 0.3 * edge;
        s.cell[2][0] = -0.2 * edge;
        s.cell[2][1] = 0.25 * edge;
    }
    // Minimum-image distance over the 27 nearest images, enough for these cells.
    auto distance = [&s](const Vec3& a, const Vec3& b) {
        double best = 1e300;
        for (int i = -1; i <= 1; ++i)
            for (int j = -1; j <= 1; ++j)
                for (int k = -1; k <= 1; ++k) {
                    Vec3 shifted = b;
                    for (int c = 0; c < 3; ++c) shifted[c] += i * s.cell[0][c] + j * s.cell[1][c] + k * s.cell[2][c];
                    best = std::min(best, plainDistance(a, shifted));
                }
        return best;
    };
    auto draw = [&s, &uniform](std::mt19937& rng) {
        const double u = uniform(rng), v = uniform(rng), w = uniform(rng);
        Vec3 p{};
        for (int c = 0; c < 3; ++c) p[c] = u * s.cell[0][c] + v * s.cell[1][c] + w * s.cell[2][c];
        return p;
    };
    s.positions = placeAtoms(random, numAtoms, minDistance, draw, distance);
    for (std::size_t i = 0; i < numAtoms; ++i) s.symbols.push_back(i % 3 == 0 ? "O" : "H");
    s.forces.assign(numAtoms, Vec3{});
    s.charges.assign(numAtoms, 0.0);
    s.atomEnergies.assign(numAtoms, 0.0);
    return s;
}

Structure makeRandomCluster(std::mt19937& random, std::size_t numAtoms, double extent, double minDistance) {
    std::uniform_real_distribution<double> uniform(-0.5 * extent, 0.5 * extent);
    Structure s;
    auto draw = [&uniform](std::mt19937& rng) { return Vec3{uniform(rng), uniform(rng), uniform(rng)}; };
    s.positions = placeAtoms(random, numAtoms, minDistance, draw, plainDistance);
    for (std::size_t i = 0; i < numAtoms; ++i) s.symbols.push_back(i % 3 == 0 ? "O" : "H");
    s.forces.assign(numAtoms, Vec3{});
    s.charges.assign(numAtoms, 0.0);
    s.atomEnergies.assign(numAtoms, 0.0);
    return s;
}

double energyOf(Evaluator& evaluator, const Structure& structure) {
    return evaluator.evaluate(structure, false).energy;
}

namespace {

struct Angular {
    int type;
    int neighbor1, neighbor2;  // -1 for the weighted type 13
    double eta, rs, lambda, zeta;
};

// Within each group (type and neighbor pair): etas 0.15 = 3 x 0.05,
// 0.4 = 8 x 0.05, 0.21 = 3 x 0.07, 1.6 = 32 x 0.05 (the largest power),
// 1.65 = 33 x 0.05 (one more, so an exp of its own); with r_s = 0.5, 0.2 =
// 2 x 0.1. 0.07 is no integer multiple of 0.05.
const Angular kFunctions[] = {
    {3, 0, 1, 0.05, 0.0, 1.0, 1.0},   {3, 0, 1, 0.15, 0.0, -1.0, 2.0}, {3, 0, 1, 0.4, 0.0, 1.0, 4.0},
    {3, 0, 1, 0.07, 0.0, 1.0, 2.5},   {3, 0, 1, 0.21, 0.0, -1.0, 16.0}, {3, 0, 1, 1.6, 0.0, 1.0, 1.0},
    {3, 0, 1, 1.65, 0.0, 1.0, 1.0},   {3, 0, 1, 0.1, 0.5, 1.0, 2.0},   {3, 0, 1, 0.2, 0.5, -1.0, 1.0},
    {3, 1, 1, 0.05, 0.0, -1.0, 1.0},  {3, 1, 1, 0.1, 0.0, 1.0, 3.0},   {3, 1, 1, 0.25, 0.3, 1.0, 8.0},
    {9, 0, 1, 0.05, 0.0, 1.0, 2.0},   {9, 0, 1, 0.1, 0.0, -1.0, 1.0},  {9, 0, 1, 0.35, 0.0, 1.0, 4.0},
    {9, 0, 0, 0.08, 0.4, 1.0, 1.0},   {9, 0, 0, 0.24, 0.4, 1.0, 2.0},  {13, -1, -1, 0.05, 0.0, 1.0, 1.0},
    {13, -1, -1, 0.25, 0.0, -1.0, 2.0}, {13, -1, -1, 0.1, 0.3, 1.0, 4.0},
};


}  // namespace

Potential makeAngularPowerPotential(std::mt19937& random) {
    Potential potential = makeSyntheticPotential(CutoffType::Tanh, 0.0, Activation::Softplus, random);
    std::uniform_real_distribution<double> weight(-1.0, 1.0);
    for (std::size_t e = 0; e < potential.elements.size(); ++e) {
        ElementModel& model = potential.elements[e];
        model.symmetryFunctions.clear();
        for (const Angular& a : kFunctions) {
            SymmetryFunction sf;
            sf.type = a.type;
            sf.element = static_cast<int>(e);
            sf.neighbor1 = a.neighbor1;
            sf.neighbor2 = a.neighbor2;
            sf.rc = kAngularPowerCutoff;
            sf.eta = a.eta;
            sf.rs = a.rs;
            sf.lambda = a.lambda;
            sf.zeta = a.zeta;
            sf.gmin = 0.0;
            sf.gmax = 2.0;
            sf.gmean = 0.5;
            sf.gsigma = 1.0;
            model.symmetryFunctions.push_back(sf);
        }
        Eigen::MatrixXd& first = model.layers[0].weights;
        first.resize(first.rows(), static_cast<Eigen::Index>(model.symmetryFunctions.size()));
        for (Eigen::Index r = 0; r < first.rows(); ++r) {
            for (Eigen::Index c = 0; c < first.cols(); ++c) first(r, c) = 0.8 * weight(random);
        }
    }
    return potential;
}

}  // namespace bpnn::test

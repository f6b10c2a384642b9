// SPDX-License-Identifier: GPL-2.0-or-later
// Dimer energy curves: the reference dimers of the real potentials point by
// point, and a hand-written potential whose dimer energy is known in closed form.
#include "core/evaluator.h"
#include "core/potential.h"
#include "core/structure_io.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

using namespace bpnn;

TEST_CASE("reference dimer curves match n2p2", "[dimer]") {
    for (const std::string name : {"H2O_RPBE-D3", "Cu2S_PBE"}) {
        const Potential potential = readPotential(test::dataPath("potentials/" + name));
        Evaluator evaluator(potential);
        std::size_t numDimers = 0;
        for (const Structure& structure : readRunnerData(test::dataPath("reference/" + name + "/reference.data"))) {
            if (structure.comment.rfind("dimer ", 0) != 0) continue;
            ++numDimers;
            // The comment names the pair and the distance, e.g. "dimer O-H r=1.200000".
            DYNAMIC_SECTION(name << " " << structure.comment) {
                REQUIRE(structure.size() == 2);
                const Evaluator::StructureResult result = evaluator.evaluate(structure);
                CHECK(std::fabs(result.energy - structure.energy) / 2.0 < 1e-9);
                for (std::size_t i = 0; i < 2; ++i) {
                    for (int c = 0; c < 3; ++c) CHECK(std::fabs(result.forces[i][c] - structure.forces[i][c]) < 1e-8);
                }
            }
        }
        CHECK(numDimers > 40);
    }
}

namespace {

// One element, one radial function G(r) = exp(-eta r^2) f_c(r) with the
// cosine cutoff, no scaling and a single tanh hidden layer.
struct AnalyticModel {
    double eta = 0.35;
    double rc = 5.0;
    std::vector<double> w{1.3, -0.7, 2.1};
    std::vector<double> b{0.1, -0.4, 0.25};
    std::vector<double> v{0.8, 1.6, -0.9};
    double c = -0.3;

    void radial(double r, double& g, double& dg) const {
        const double pi = 3.14159265358979323846;
        const double fc = r < rc ? 0.5 * (std::cos(pi * r / rc) + 1.0) : 0.0;
        const double dfc = r < rc ? -0.5 * pi / rc * std::sin(pi * r / rc) : 0.0;
        const double e = std::exp(-eta * r * r);
        g = e * fc;
        dg = e * (dfc - 2.0 * eta * r * fc);
    }

    // E(r) = 2 (sum_k v_k tanh(w_k G(r) + b_k) + c) and dE/dr.
    void dimer(double r, double& energy, double& slope) const {
        double g, dg;
        radial(r, g, dg);
        energy = c;
        slope = 0.0;
        for (std::size_t k = 0; k < w.size(); ++k) {
            const double t = std::tanh(w[k] * g + b[k]);
            energy += v[k] * t;
            slope += v[k] * (1.0 - t * t) * w[k] * dg;
        }
        energy *= 2.0;
        slope *= 2.0;
    }

    void writeFiles(const std::string& dir) const {
        std::ostringstream settings;
        settings << "number_of_elements 1\nelements Ar\ncutoff_type 1\n"
                 << "global_hidden_layers_short 1\nglobal_nodes_short 3\nglobal_activation_short t l\n"
                 << "symfunction_short Ar 2 Ar " << eta << " 0.0 " << rc << "\n";
        test::writeTextFile(dir + "/input.nn", settings.str());
        std::ostringstream weights;
        weights.precision(17);
        for (double x : w) weights << x << " a\n";
        for (double x : b) weights << x << " b\n";
        for (double x : v) weights << x << " a\n";
        weights << c << " b\n";
        test::writeTextFile(dir + "/weights.018.data", weights.str());
    }
};

}  // namespace

TEST_CASE("analytic one-layer dimer energy", "[dimer]") {
    const AnalyticModel model;
    const std::string dir = test::makeTempDir("analytic");
    model.writeFiles(dir);
    const Potential potential = readPotential(dir);
    Evaluator evaluator(potential);
    for (double r = 0.5; r < 6.0; r += 0.05) {
        Structure dimer;
        dimer.symbols = {"Ar", "Ar"};
        dimer.positions = {Vec3{1.0, 2.0, 3.0}, Vec3{1.0 + r * 0.6, 2.0 + r * 0.8, 3.0}};
        const Evaluator::StructureResult result = evaluator.evaluate(dimer);
        double energy, slope;
        model.dimer(r, energy, slope);
        INFO("r = " << r);
        CHECK(result.energy == Approx(energy).epsilon(1e-13).margin(1e-13));
        // The force on the second atom is -dE/dr along the bond direction.
        CHECK(result.forces[1][0] == Approx(-slope * 0.6).margin(1e-12));
        CHECK(result.forces[1][1] == Approx(-slope * 0.8).margin(1e-12));
        CHECK(result.forces[0][0] == Approx(slope * 0.6).margin(1e-12));
    }
}

// SPDX-License-Identifier: GPL-2.0-or-later
// Forces and virials against central differences of the energy, for every
// symmetry function type, cutoff type and activation, on random triclinic
// cells and on clusters.
#include "core/evaluator.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace bpnn;

namespace {

const double kStep = 1e-4;

// Fourth-order central difference of f at 0 with step kStep.
template <class Function>
double derivative(Function f) {
    return (8.0 * (f(kStep) - f(-kStep)) - (f(2 * kStep) - f(-2 * kStep))) / (12.0 * kStep);
}

// Largest |analytic - central difference| over all force components,
// relative to the largest force component.
double forceError(Evaluator& evaluator, const Structure& structure) {
    const Evaluator::StructureResult result = evaluator.evaluate(structure);
    double worst = 0.0, largest = 0.0;
    for (std::size_t i = 0; i < structure.size(); ++i) {
        for (int c = 0; c < 3; ++c) {
            const double fd = -derivative([&](double h) {
                Structure moved = structure;
                moved.positions[i][c] += h;
                return test::energyOf(evaluator, moved);
            });
            worst = std::max(worst, std::fabs(result.forces[i][c] - fd));
            largest = std::max(largest, std::fabs(fd));
        }
    }
    REQUIRE(largest > 1e-3);  // a test with no forces would prove nothing
    return worst / largest;
}

// Strains positions (and the cell) by (1 + eps e_a e_b^T).
Structure strained(const Structure& structure, int a, int b, double eps) {
    Structure s = structure;
    auto apply = [&](Vec3& v) { v[a] += eps * v[b]; };
    for (Vec3& p : s.positions) apply(p);
    for (Vec3& v : s.cell) apply(v);
    return s;
}

// Largest |W_ab + dE/d eps_ab| relative to the largest virial component,
// where W_ab = sum r_a f_b is the virial, and the sum of per-atom virials
// must give the same W.
double virialError(Evaluator& evaluator, const Structure& structure) {
    const Evaluator::StructureResult result = evaluator.evaluate(structure);
    double worst = 0.0, largest = 0.0;
    for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) {
            const double fd =
                derivative([&](double eps) { return test::energyOf(evaluator, strained(structure, a, b, eps)); });
            worst = std::max(worst, std::fabs(result.virial[3 * b + a] + fd));
            largest = std::max(largest, std::fabs(fd));
            double sum = 0.0;
            for (const auto& atom : result.atomVirials) sum += atom[3 * a + b];
            CHECK(sum == Approx(result.virial[3 * a + b]).margin(1e-10 * std::max(1.0, largest)));
        }
    }
    REQUIRE(largest > 1e-3);
    return worst / largest;
}

const Activation kActivations[] = {Activation::Identity, Activation::Tanh,     Activation::Logistic,
                                   Activation::Softplus, Activation::Relu,     Activation::Gaussian,
                                   Activation::Cos,      Activation::RevLogistic, Activation::Exp,
                                   Activation::Harmonic};

}  // namespace

TEST_CASE("forces and virial match finite differences for every cutoff type", "[fd]") {
    std::mt19937 random(12345);
    for (int type = 0; type <= 8; ++type) {
        for (double alpha : {0.0, 0.35}) {
            DYNAMIC_SECTION("cutoff type " << type << " alpha " << alpha) {
                const Potential potential = test::makeSyntheticPotential(static_cast<CutoffType>(type), alpha,
                                                                         Activation::Tanh, random);
                Evaluator evaluator(potential);
                const Structure cell = test::makeRandomCell(random, 10, true, 4.6, 0.9);
                const Structure cluster = test::makeRandomCluster(random, 9, 4.0, 0.9);
                CHECK(forceError(evaluator, cell) < 1e-6);
                CHECK(forceError(evaluator, cluster) < 1e-6);
                CHECK(virialError(evaluator, cell) < 1e-6);
                CHECK(virialError(evaluator, cluster) < 1e-6);
            }
        }
    }
}

TEST_CASE("forces and virial match finite differences for every activation", "[fd]") {
    std::mt19937 random(777);
    for (Activation activation : kActivations) {
        DYNAMIC_SECTION("activation " << activationCode(activation)) {
            const Potential potential = test::makeSyntheticPotential(CutoffType::Poly2, 0.0, activation, random);
            Evaluator evaluator(potential);
            const Structure cell = test::makeRandomCell(random, 10, true, 4.6, 0.9);
            const Structure cluster = test::makeRandomCluster(random, 9, 4.0, 0.9);
            CHECK(forceError(evaluator, cell) < 1e-6);
            CHECK(forceError(evaluator, cluster) < 1e-6);
            CHECK(virialError(evaluator, cell) < 1e-6);
        }
    }
}

TEST_CASE("forces match finite differences for each symmetry function type alone", "[fd]") {
    std::mt19937 random(99);
    const Potential full = test::makeSyntheticPotential(CutoffType::Cos, 0.0, Activation::Softplus, random);
    for (int type : {2, 3, 9, 12, 13, 20, 21, 22, 23, 24, 25}) {
        DYNAMIC_SECTION("symmetry function type " << type) {
            // Keep only the functions of one type, with the first-layer weight
            // columns of those functions in the same order.
            Potential single = full;
            for (ElementModel& model : single.elements) {
                std::vector<SymmetryFunction> kept;
                Eigen::MatrixXd weights(model.layers[0].weights.rows(), 0);
                for (std::size_t s = 0; s < model.symmetryFunctions.size(); ++s) {
                    if (model.symmetryFunctions[s].type != type) continue;
                    kept.push_back(model.symmetryFunctions[s]);
                    weights.conservativeResize(Eigen::NoChange, weights.cols() + 1);
                    weights.col(weights.cols() - 1) = model.layers[0].weights.col(static_cast<Eigen::Index>(s));
                }
                REQUIRE(!kept.empty());
                model.symmetryFunctions = kept;
                model.layers[0].weights = weights * 3.0;
            }
            Evaluator evaluator(single);
            CHECK(forceError(evaluator, test::makeRandomCell(random, 12, true, 4.4, 0.9)) < 1e-6);
            CHECK(forceError(evaluator, test::makeRandomCluster(random, 10, 3.8, 0.9)) < 1e-6);
        }
    }
}

// SPDX-License-Identifier: GPL-2.0-or-later
// The energy is invariant under rotation, translation, permutation of like
// atoms and the choice of periodic image; forces transform accordingly.
#include "core/evaluator.h"
#include "core/potential.h"
#include "core/structure_io.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace bpnn;

namespace {

using Matrix3 = std::array<Vec3, 3>;

Vec3 rotate(const Matrix3& m, const Vec3& v) {
    Vec3 out{};
    for (int r = 0; r < 3; ++r) out[r] = m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2];
    return out;
}

Matrix3 rotation(double a, double b, double c) {
    const Matrix3 x{Vec3{1, 0, 0}, Vec3{0, std::cos(a), -std::sin(a)}, Vec3{0, std::sin(a), std::cos(a)}};
    const Matrix3 y{Vec3{std::cos(b), 0, std::sin(b)}, Vec3{0, 1, 0}, Vec3{-std::sin(b), 0, std::cos(b)}};
    const Matrix3 z{Vec3{std::cos(c), -std::sin(c), 0}, Vec3{std::sin(c), std::cos(c), 0}, Vec3{0, 0, 1}};
    auto product = [](const Matrix3& p, const Matrix3& q) {
        Matrix3 out{};
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j)
                for (int k = 0; k < 3; ++k) out[i][j] += p[i][k] * q[k][j];
        return out;
    };
    return product(z, product(y, x));
}

struct Case {
    std::string name;
    Potential potential;
    Structure structure;
};

std::vector<Case> cases() {
    std::mt19937 random(4242);
    std::vector<Case> list;
    const Potential water = readPotential(test::dataPath("potentials/H2O_RPBE-D3"));
    const std::vector<Structure> reference = readRunnerData(test::dataPath("reference/H2O_RPBE-D3/reference.data"));
    for (const Structure& s : reference) {
        if (s.comment.find("triclinic") != std::string::npos || s.comment.find("cluster of 6") != std::string::npos) {
            list.push_back({"water: " + s.comment, water, s});
        }
    }
    const Potential synthetic = test::makeSyntheticPotential(CutoffType::Poly3, 0.2, Activation::Tanh, random);
    list.push_back({"synthetic triclinic cell", synthetic, test::makeRandomCell(random, 14, true, 4.8, 0.9)});
    list.push_back({"synthetic cluster", synthetic, test::makeRandomCluster(random, 12, 4.0, 0.9)});
    return list;
}

double relativeDifference(double a, double b) { return std::fabs(a - b) / std::max(1.0, std::fabs(b)); }

}  // namespace

TEST_CASE("energy invariant under rotation", "[invariance]") {
    for (const Case& c : cases()) {
        INFO(c.name);
        Evaluator evaluator(c.potential);
        const Evaluator::StructureResult original = evaluator.evaluate(c.structure);
        const Matrix3 m = rotation(0.3, -1.1, 2.0);
        Structure turned = c.structure;
        for (Vec3& p : turned.positions) p = rotate(m, p);
        for (Vec3& v : turned.cell) v = rotate(m, v);
        const Evaluator::StructureResult result = evaluator.evaluate(turned);
        CHECK(relativeDifference(result.energy, original.energy) < 1e-12);
        for (std::size_t i = 0; i < turned.size(); ++i) {
            const Vec3 expected = rotate(m, original.forces[i]);
            for (int k = 0; k < 3; ++k) CHECK(std::fabs(result.forces[i][k] - expected[k]) < 1e-10);
        }
    }
}

TEST_CASE("energy invariant under translation and image choice", "[invariance]") {
    for (const Case& c : cases()) {
        INFO(c.name);
        Evaluator evaluator(c.potential);
        const Evaluator::StructureResult original = evaluator.evaluate(c.structure);
        Structure moved = c.structure;
        for (Vec3& p : moved.positions) {
            for (int k = 0; k < 3; ++k) p[k] += 0.37 * (k + 1);
        }
        // In periodic cells, also move every other atom by a lattice vector.
        if (moved.isPeriodic()) {
            for (std::size_t i = 0; i < moved.size(); i += 2) {
                for (int k = 0; k < 3; ++k) moved.positions[i][k] += moved.cell[i % 3][k] - 2.0 * moved.cell[(i + 1) % 3][k];
            }
        }
        const Evaluator::StructureResult result = evaluator.evaluate(moved);
        CHECK(relativeDifference(result.energy, original.energy) < 1e-12);
        for (std::size_t i = 0; i < moved.size(); ++i) {
            for (int k = 0; k < 3; ++k) CHECK(std::fabs(result.forces[i][k] - original.forces[i][k]) < 1e-10);
        }
    }
}

TEST_CASE("energy invariant under permutation of atoms", "[invariance]") {
    for (const Case& c : cases()) {
        INFO(c.name);
        Evaluator evaluator(c.potential);
        const Evaluator::StructureResult original = evaluator.evaluate(c.structure);
        std::vector<std::size_t> order(c.structure.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::mt19937 random(5);
        std::shuffle(order.begin(), order.end(), random);
        Structure shuffled = c.structure;
        for (std::size_t i = 0; i < order.size(); ++i) {
            shuffled.positions[i] = c.structure.positions[order[i]];
            shuffled.symbols[i] = c.structure.symbols[order[i]];
        }
        const Evaluator::StructureResult result = evaluator.evaluate(shuffled);
        CHECK(relativeDifference(result.energy, original.energy) < 1e-12);
        for (std::size_t i = 0; i < order.size(); ++i) {
            CHECK(result.atomEnergies[i] == Approx(original.atomEnergies[order[i]]).margin(1e-12));
            for (int k = 0; k < 3; ++k) CHECK(std::fabs(result.forces[i][k] - original.forces[order[i]][k]) < 1e-10);
        }
    }
}

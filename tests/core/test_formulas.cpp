// SPDX-License-Identifier: GPL-2.0-or-later
// formula::vectorExp against the C library's exp().
#include "core/formulas.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

using namespace bpnn;

namespace {

// |a - b| in units of the spacing of doubles at b.
double ulpDistance(double a, double b) {
    const double spacing = std::nextafter(b, std::numeric_limits<double>::infinity()) - b;
    return std::fabs(a - b) / spacing;
}

}  // namespace

TEST_CASE("vectorExp within 2 ulp of exp", "[formulas]") {
    std::mt19937_64 random(12345);
    // Gaussian and cutoff arguments are in [-700, 0]. The positive side is
    // checked too, up to the overflow threshold.
    std::uniform_real_distribution<double> wide(-707.0, 709.7);
    std::uniform_real_distribution<double> narrow(-2.0, 2.0);
    double worst = 0.0;
    for (int i = 0; i < 200000; ++i) {
        const double x = i % 2 == 0 ? wide(random) : narrow(random);
        worst = std::max(worst, ulpDistance(formula::vectorExp(x), std::exp(x)));
    }
    INFO("largest error " << worst << " ulp");
    CHECK(worst < 2.0);
}

TEST_CASE("vectorExp exact points and limits", "[formulas]") {
    CHECK(formula::vectorExp(0.0) == 1.0);
    CHECK(formula::vectorExp(-0.0) == 1.0);
    CHECK(ulpDistance(formula::vectorExp(1.0), std::exp(1.0)) < 2.0);
    CHECK(ulpDistance(formula::vectorExp(-1e-300), 1.0) < 1.0);
    CHECK(ulpDistance(formula::vectorExp(709.7), std::exp(709.7)) < 2.0);
    CHECK(formula::vectorExp(-708.0) == 0.0);
    CHECK(formula::vectorExp(-1e6) == 0.0);
    CHECK(formula::vectorExp(-std::numeric_limits<double>::infinity()) == 0.0);
    CHECK(std::isinf(formula::vectorExp(709.8)));
    CHECK(std::isinf(formula::vectorExp(1e6)));
    CHECK(std::isinf(formula::vectorExp(std::numeric_limits<double>::infinity())));
    CHECK(std::isnan(formula::vectorExp(std::numeric_limits<double>::quiet_NaN())));
}

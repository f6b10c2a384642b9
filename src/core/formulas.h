// SPDX-License-Identifier: GPL-2.0-or-later
// The per-term formulas of a Behler-Parrinello HDNNP: cutoff functions, the
// core functions of n2p2's compact (polynomial) symmetry functions, the
// radial and angular factors, and the activation functions, each with its
// first derivative.
//
// Every function here is small, allocation-free and marked BPNN_INLINE, so
// that the host evaluator and the Kokkos kernels call the same code. The
// definitions follow n2p2 v2.x (CutoffFunction, CoreFunction,
// CompactFunction, NeuralNetwork), written in Behler's notation.
#pragma once

#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

namespace bpnn {

// Cutoff function types, numbered as n2p2's `cutoff_type` keyword.
enum class CutoffType : int {
    Hard = 0,
    Cos = 1,
    TanhUnnormalized = 2,
    Tanh = 3,
    Exp = 4,
    Poly1 = 5,
    Poly2 = 6,
    Poly3 = 7,
    Poly4 = 8,
};

// Core functions f(x) on 0 <= x <= 1 with f(0) = 1 and f(1) = 0, shared by the
// cutoff functions and the compact symmetry functions.
enum class CoreType : int { Cos, Poly1, Poly2, Poly3, Poly4, Exp };

// Activation functions, with n2p2's one-letter codes in the comments.
enum class Activation : int {
    Identity,     // l: f(x) = x
    Tanh,         // t: f(x) = tanh(x)
    Logistic,     // s: f(x) = 1 / (1 + exp(-x))
    Softplus,     // p: f(x) = ln(1 + exp(x))
    Relu,         // r: f(x) = max(0, x)
    Gaussian,     // g: f(x) = exp(-x^2 / 2)
    Cos,          // c: f(x) = cos(x)
    RevLogistic,  // S: f(x) = 1 - 1 / (1 + exp(-x))
    Exp,          // e: f(x) = exp(-x)
    Harmonic,     // h: f(x) = x^2
};

namespace formula {

constexpr double kPi = 3.14159265358979323846;
constexpr double kE = 2.71828182845904523536;
// Beyond this argument the logistic and softplus activations take their
// asymptotic values, as n2p2 does.
constexpr double kActivationExpLimit = 35.0;

// exp(x) from plain arithmetic, so that loops calling it vectorize (exp()
// is a library call, which stops GCC and Clang from vectorizing a loop).
// x = n ln2 + r with |r| <= ln2 / 2, exp(r) from its Taylor polynomial of
// degree 13 (truncation error below 1e-17), and 2^n from the exponent bits.
// tests/core/test_formulas.cpp checks that the error stays below 2 ulp for
// x >= -707. Below -707 it returns 0, where exp(x) is less than 1e-307,
// because there the scaling by 2^n would leave the normal range. Above
// 709.78 it returns +inf, and a NaN stays NaN.
BPNN_INLINE double vectorExp(double x) {
    constexpr double kLog2E = 1.4426950408889634;  // 1 / ln 2
    // ln 2 = kLn2High + kLn2Low, where kLn2High has 32 significant bits, so
    // that n kLn2High is exact for |n| < 2^21.
    constexpr double kLn2High = 0.6931471803691238;
    constexpr double kLn2Low = 1.9082149292705877e-10;
    // Adding 1.5 * 2^52 rounds to an integer, which then sits in the low
    // mantissa bits.
    constexpr double kRoundShift = 6755399441055744.0;

    // Only the upper end needs clamping, where exp(710) overflows to +inf in
    // the final product. Results for x < -707 are replaced by 0 at the end.
    const double clamped = x > 710.0 ? 710.0 : x;
    double shifted = clamped * kLog2E + kRoundShift;
    uint64_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    const double n = shifted - kRoundShift;
    const double r = (clamped - n * kLn2High) - n * kLn2Low;

    double p = 1.0 / 6227020800.0;  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    const double expR = 1.0 + (r + r * r * p);

    // 2^(n - 1) from the exponent field (n + 1022) << 52: the low 12 bits of
    // `bits` are those of n, because 2^51 is a multiple of 2^12. Scaling by
    // 2^(n - 1) and then by 2 keeps the factor finite up to n = 1024.
    const uint64_t scaleBits = (bits + 1022u) << 52;
    double scale;
    memcpy(&scale, &scaleBits, sizeof scale);
    const double result = expR * scale * 2.0;
    return x < -707.0 ? 0.0 : result;
}

// Core function f(x) and df/dx for 0 <= x <= 1:
//   Cos:   f = (cos(pi x) + 1) / 2
//   Poly1: f = (2x - 3) x^2 + 1
//   Poly2: f = ((15 - 6x) x - 10) x^3 + 1
//   Poly3: f = (x (x (20x - 70) + 84) - 35) x^4 + 1
//   Poly4: f = (x (x ((315 - 70x) x - 540) + 420) - 126) x^5 + 1
//   Exp:   f = exp(1 - 1 / (1 - x^2))
// With `asymmetric` set, f is evaluated at x' = (2 - x) x instead, as n2p2's
// compact subtypes with the suffix `a` (for example p2a) do.
BPNN_INLINE void coreFunction(CoreType type, bool asymmetric, double x, double& f, double& df) {
    f = 0.0;
    df = 0.0;
    double chain = 1.0;
    if (asymmetric) {
        chain = 2.0 - 2.0 * x;
        x = (2.0 - x) * x;
    }
    if (x >= 1.0) {
        f = 0.0;
        df = 0.0;
        return;
    }
    const double x2 = x * x;
    switch (type) {
        case CoreType::Cos:
            f = 0.5 * (cos(kPi * x) + 1.0);
            df = -0.5 * kPi * sin(kPi * x);
            break;
        case CoreType::Poly1:
            f = (2.0 * x - 3.0) * x2 + 1.0;
            df = x * (6.0 * x - 6.0);
            break;
        case CoreType::Poly2:
            f = ((15.0 - 6.0 * x) * x - 10.0) * x2 * x + 1.0;
            df = x2 * ((60.0 - 30.0 * x) * x - 30.0);
            break;
        case CoreType::Poly3:
            f = (x * (x * (20.0 * x - 70.0) + 84.0) - 35.0) * x2 * x2 + 1.0;
            df = x2 * x * (x * (x * (140.0 * x - 420.0) + 420.0) - 140.0);
            break;
        case CoreType::Poly4:
            f = (x * (x * ((315.0 - 70.0 * x) * x - 540.0) + 420.0) - 126.0) * x2 * x2 * x + 1.0;
            df = x2 * x2 * (x * (x * ((2520.0 - 630.0 * x) * x - 3780.0) + 2520.0) - 630.0);
            break;
        case CoreType::Exp: {
            const double inverse = 1.0 / (x2 - 1.0);
            const double value = kE * exp(inverse);
            f = value;
            df = -2.0 * x * inverse * inverse * value;
            break;
        }
    }
    df *= chain;
}

// Parameters of a cutoff function f_c(r) with outer radius r_c and inner
// radius r_ci = alpha r_c: f_c = 1 below r_ci, f_c = core((r - r_ci) / (r_c - r_ci))
// between, and 0 from r_c on. The tanh types ignore alpha:
//   TanhUnnormalized: f_c = tanh^3(1 - r / r_c)
//   Tanh:             f_c = tanh^3(1 - r / r_c) / tanh^3(1), so that f_c(0) = 1
struct CutoffParams {
    CutoffType type = CutoffType::Hard;
    double rc = 0.0;
    double rci = 0.0;
    double inverseWidth = 0.0;  // 1 / (r_c - r_ci)
};

BPNN_INLINE CutoffParams makeCutoff(CutoffType type, double rc, double alpha) {
    CutoffParams p;
    p.type = type;
    p.rc = rc;
    p.rci = alpha * rc;
    p.inverseWidth = 1.0 / (rc - p.rci);
    return p;
}

// Cutoff function value f_c(r) and derivative df_c/dr.
BPNN_INLINE void cutoffFunction(const CutoffParams& p, double r, double& fc, double& dfc) {
    fc = 0.0;
    dfc = 0.0;
    if (r >= p.rc) {
        fc = 0.0;
        dfc = 0.0;
        return;
    }
    switch (p.type) {
        case CutoffType::Hard:
            fc = 1.0;
            dfc = 0.0;
            return;
        case CutoffType::TanhUnnormalized:
        case CutoffType::Tanh: {
            // tanh(y) = (1 - e^(-2y)) / (1 + e^(-2y)) with y = 1 - r / r_c in
            // (0, 1]: one exp, cheaper than tanh() and as accurate here.
            const double e = exp(-2.0 * (1.0 - r / p.rc));
            const double t = (1.0 - e) / (1.0 + e);
            const double t2 = t * t;
            double norm = 1.0;
            if (p.type == CutoffType::Tanh) {
                const double t1 = tanh(1.0);
                norm = 1.0 / (t1 * t1 * t1);
            }
            fc = norm * t * t2;
            dfc = norm * 3.0 * t2 * (t2 - 1.0) / p.rc;
            return;
        }
        default:
            break;
    }
    if (r < p.rci) {
        fc = 1.0;
        dfc = 0.0;
        return;
    }
    CoreType core = CoreType::Cos;
    switch (p.type) {
        case CutoffType::Exp: core = CoreType::Exp; break;
        case CutoffType::Poly1: core = CoreType::Poly1; break;
        case CutoffType::Poly2: core = CoreType::Poly2; break;
        case CutoffType::Poly3: core = CoreType::Poly3; break;
        case CutoffType::Poly4: core = CoreType::Poly4; break;
        default: break;
    }
    coreFunction(core, false, (r - p.rci) * p.inverseWidth, fc, dfc);
    dfc *= p.inverseWidth;
}

// The tanh cutoff types (TanhUnnormalized and Tanh) as cutoffFunction()
// computes them, but without branches and through vectorExp(), so that loops
// over many distances vectorize. Callers must check isTanhCutoff() first.
BPNN_INLINE bool isTanhCutoff(CutoffType type) {
    return type == CutoffType::TanhUnnormalized || type == CutoffType::Tanh;
}

BPNN_INLINE void tanhCutoff(const CutoffParams& p, double r, double& fc, double& dfc) {
    constexpr double kTanhOneCubedInverse = 2.2637537952253513;  // 1 / tanh(1)^3
    const double norm = p.type == CutoffType::Tanh ? kTanhOneCubedInverse : 1.0;
    const double e = vectorExp(-2.0 * (1.0 - r / p.rc));
    const double t = (1.0 - e) / (1.0 + e);
    const double t2 = t * t;
    const bool inside = r < p.rc;
    fc = inside ? norm * t * t2 : 0.0;
    dfc = inside ? norm * 3.0 * t2 * (t2 - 1.0) / p.rc : 0.0;
}

// A compact function on [left, right]: c(a) = core(|a - center| / halfWidth)
// with center = (left + right) / 2 and halfWidth = (right - left) / 2. n2p2's
// compact symmetry functions (types 20 to 25) use it for the radial part on
// [r_l, r_c] and for the angular part on [theta_left, theta_right].
struct CompactParams {
    CoreType core = CoreType::Poly2;
    bool asymmetric = false;
    double center = 0.0;
    double inverseHalfWidth = 0.0;
};

BPNN_INLINE CompactParams makeCompact(CoreType core, bool asymmetric, double left, double right) {
    CompactParams p;
    p.core = core;
    p.asymmetric = asymmetric;
    p.center = 0.5 * (left + right);
    p.inverseHalfWidth = 2.0 / (right - left);
    return p;
}

// Compact function value c(a) and derivative dc/da.
BPNN_INLINE void compactFunction(const CompactParams& p, double a, double& c, double& dc) {
    const double x = (a - p.center) * p.inverseHalfWidth;
    coreFunction(p.core, p.asymmetric, fabs(x), c, dc);
    dc *= copysign(p.inverseHalfWidth, x);
}

// Gaussian radial factor exp(-eta (r - r_s)^2) and its derivative by r.
BPNN_INLINE void gaussian(double eta, double rs, double r, double& g, double& dg) {
    const double shifted = r - rs;
    g = exp(-eta * shifted * shifted);
    dg = -2.0 * eta * shifted * g;
}

// Angular factor (1 + lambda cos(theta))^zeta of the exponential angular
// symmetry functions (types 3, 9, 13) and its derivative by cos(theta). The
// factor is zero where 1 + lambda cos(theta) <= 0, as in n2p2. A positive
// zetaInteger selects repeated multiplication instead of pow().
BPNN_INLINE void angularPower(double lambda, double zeta, int zetaInteger, double cosTheta,
                              double& p, double& dp) {
    p = 0.0;
    dp = 0.0;
    const double base = 1.0 + lambda * cosTheta;
    if (base <= 0.0) {
        p = 0.0;
        dp = 0.0;
        return;
    }
    double lower;  // base^(zeta - 1)
    if (zetaInteger > 0) {
        lower = 1.0;
        for (int n = 1; n < zetaInteger; ++n) lower *= base;
    } else {
        lower = pow(base, zeta - 1.0);
    }
    p = lower * base;
    dp = zeta * lambda * lower;
}

// Activation value f(x) and derivative df/dx.
BPNN_INLINE void activate(Activation type, double x, double& f, double& df) {
    switch (type) {
        case Activation::Identity:
            f = x;
            df = 1.0;
            return;
        case Activation::Tanh: {
            const double t = tanh(x);
            f = t;
            df = 1.0 - t * t;
            return;
        }
        case Activation::Logistic: {
            if (x > kActivationExpLimit) {
                f = 1.0;
                df = 0.0;
            } else if (x < -kActivationExpLimit) {
                f = 0.0;
                df = 0.0;
            } else {
                const double s = 1.0 / (1.0 + exp(-x));
                f = s;
                df = s * (1.0 - s);
            }
            return;
        }
        case Activation::Softplus: {
            if (x > kActivationExpLimit) {
                f = x;
                df = 1.0;
            } else if (x < -kActivationExpLimit) {
                f = 0.0;
                df = 0.0;
            } else {
                const double e = exp(x);
                f = log(1.0 + e);
                df = 1.0 / (1.0 + 1.0 / e);
            }
            return;
        }
        case Activation::Relu:
            f = x > 0.0 ? x : 0.0;
            df = x > 0.0 ? 1.0 : 0.0;
            return;
        case Activation::Gaussian: {
            const double g = exp(-0.5 * x * x);
            f = g;
            df = -x * g;
            return;
        }
        case Activation::Cos:
            f = cos(x);
            df = -sin(x);
            return;
        case Activation::RevLogistic: {
            const double s = 1.0 / (1.0 + exp(-x));
            f = 1.0 - s;
            df = s * (s - 1.0);
            return;
        }
        case Activation::Exp: {
            const double e = exp(-x);
            f = e;
            df = -e;
            return;
        }
        case Activation::Harmonic:
            f = x * x;
            df = 2.0 * x;
            return;
    }
    f = 0.0;
    df = 0.0;
}

}  // namespace formula
}  // namespace bpnn

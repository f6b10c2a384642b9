// SPDX-License-Identifier: GPL-2.0-or-later
// Neighbor search with bins in the fractional coordinates of the cell.
//
// The periodic lattice vectors are first reduced to a nearly orthogonal basis
// of the same lattice, because a strongly sheared cell would need many
// images. Atoms are wrapped into the reduced cell along periodic directions,
// and every image that can be within the cutoff of a wrapped atom becomes a
// search point. Points are sorted into bins that are parallel to the faces of
// the reduced cell. The displacement of a candidate pair is then computed from
// the positions and lattice vectors of the structure as
// (r_j - r_i) + sum_k n_k cell[k], which makes the list exactly
// antisymmetric: the row of j has i with -d whenever the row of i has j with d.
#include "neighbor_list.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

namespace bpnn {
namespace {

using Shift = std::array<std::int64_t, 3>;

Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }

Vec3 scaled(const Vec3& a, double factor) { return {a[0] * factor, a[1] * factor, a[2] * factor}; }

std::string formatNumber(double value) {
    std::ostringstream text;
    text.precision(17);
    text << value;
    return text.str();
}

std::string formatVector(const Vec3& v) {
    return "(" + formatNumber(v[0]) + ", " + formatNumber(v[1]) + ", " + formatNumber(v[2]) + ")";
}

// Returns sum_k shift[k] * vectors[k], adding the terms in the order of k so
// that the negated shift gives exactly the negated sum.
Vec3 combine(const std::array<Vec3, 3>& vectors, const Shift& shift) {
    Vec3 sum{0.0, 0.0, 0.0};
    for (std::size_t k = 0; k < 3; ++k) {
        if (shift[k] == 0) continue;
        for (std::size_t c = 0; c < 3; ++c) sum[c] += static_cast<double>(shift[k]) * vectors[k][c];
    }
    return sum;
}

// ---------------------------------------------------------------------------
// The search basis.

// The reduced cell completed to a basis of space. Periodic directions get
// the reduced lattice vectors, and non-periodic directions get unit vectors
// that are orthogonal to the periodic vectors and to each other, so along a
// non-periodic direction the fractional coordinate is a Cartesian length.
struct Basis {
    std::array<Vec3, 3> vectors{};
    // Integer coefficients of each basis vector in the lattice vectors of the
    // structure: vectors[k] = sum_m toCell[k][m] cell[m] for periodic k.
    std::array<Shift, 3> toCell{Shift{1, 0, 0}, Shift{0, 1, 0}, Shift{0, 0, 1}};
    // Fractional coordinate k of a position r is dot(r, reciprocal[k]).
    std::array<Vec3, 3> reciprocal{};
    // Distance between the two faces of the cell that are spanned by the
    // other two basis vectors, so a fractional step of 1 along k moves this
    // far away from those faces.
    std::array<double, 3> faceDistance{};

    // Converts a shift in the basis vectors to a shift in the lattice vectors
    // of the structure.
    Shift shiftInCell(const Shift& shift) const {
        Shift result{0, 0, 0};
        for (std::size_t k = 0; k < 3; ++k) {
            for (std::size_t m = 0; m < 3; ++m) result[m] += shift[k] * toCell[k][m];
        }
        return result;
    }
};

std::vector<std::size_t> periodicDirections(const Structure& structure) {
    std::vector<std::size_t> periodic;
    for (std::size_t k = 0; k < 3; ++k) {
        if (structure.periodic[k]) periodic.push_back(k);
    }
    return periodic;
}

[[noreturn]] void throwDegenerateCell(const Structure& structure, double measure,
                                      const char* measureName) {
    std::string message = "buildNeighborList: degenerate cell, the periodic lattice vectors";
    const char* names[3] = {"a", "b", "c"};
    for (std::size_t k = 0; k < 3; ++k) {
        if (structure.periodic[k]) {
            message += std::string(" ") + names[k] + " = " + formatVector(structure.cell[k]);
        }
    }
    message += " span a " + std::string(measureName) + " of " + formatNumber(measure) +
               ", expected linearly independent vectors";
    throw std::invalid_argument(message);
}

// Throws std::invalid_argument unless the periodic lattice vectors are finite
// and linearly independent.
void checkCell(const Structure& structure, const std::vector<std::size_t>& periodic) {
    for (std::size_t k : periodic) {
        for (double x : structure.cell[k]) {
            if (!std::isfinite(x)) {
                throw std::invalid_argument("buildNeighborList: lattice vector " +
                                            formatVector(structure.cell[k]) + " is not finite");
            }
        }
    }

    // A relative tolerance on the sine of the angles between the vectors
    // rejects cells that are flat to rounding error, in any unit of length.
    constexpr double tolerance = 1e-10;
    if (periodic.size() == 3) {
        const Vec3& a = structure.cell[0];
        const Vec3& b = structure.cell[1];
        const Vec3& c = structure.cell[2];
        double volume = std::fabs(dot(a, cross(b, c)));
        if (!(volume > tolerance * norm(a) * norm(b) * norm(c))) {
            throwDegenerateCell(structure, volume, "volume");
        }
    } else if (periodic.size() == 2) {
        const Vec3& a = structure.cell[periodic[0]];
        const Vec3& b = structure.cell[periodic[1]];
        double area = norm(cross(a, b));
        if (!(area > tolerance * norm(a) * norm(b))) throwDegenerateCell(structure, area, "area");
    } else if (periodic.size() == 1) {
        double length = norm(structure.cell[periodic[0]]);
        if (!(length > 0.0)) throwDegenerateCell(structure, length, "length");
    }
}

// Reduces the periodic lattice vectors in pairs. A vector v_i becomes
// v_i - round(mu) v_j with mu = v_i.v_j / v_j.v_j whenever that shortens v_i.
// Each step is unimodular, so the lattice stays the same.
void reduceLattice(const Structure& structure, const std::vector<std::size_t>& periodic,
                   Basis& basis) {
    std::array<Vec3, 3> vectors = structure.cell;
    // Every step shortens a vector, so the loop ends. The cap guards against
    // rounding that could undo a step.
    for (int pass = 0; pass < 100; ++pass) {
        bool changed = false;
        for (std::size_t i : periodic) {
            for (std::size_t j : periodic) {
                if (i == j) continue;
                double mu = dot(vectors[i], vectors[j]) / dot(vectors[j], vectors[j]);
                if (!(std::fabs(mu) > 0.5 + 1e-9)) continue;
                double m = std::round(mu);
                for (std::size_t c = 0; c < 3; ++c) {
                    vectors[i][c] -= m * vectors[j][c];
                    basis.toCell[i][c] -= static_cast<std::int64_t>(m) * basis.toCell[j][c];
                }
                changed = true;
            }
        }
        if (!changed) break;
    }
    // Computing each vector once from its integer coefficients keeps the
    // rounding error of one sum instead of that of many steps.
    for (std::size_t k : periodic) basis.vectors[k] = combine(structure.cell, basis.toCell[k]);
}

Basis makeBasis(const Structure& structure) {
    const std::vector<std::size_t> periodic = periodicDirections(structure);
    checkCell(structure, periodic);

    Basis basis;
    reduceLattice(structure, periodic, basis);
    if (periodic.size() == 2) {
        Vec3 normal = cross(basis.vectors[periodic[0]], basis.vectors[periodic[1]]);
        std::size_t free = 3 - periodic[0] - periodic[1];
        basis.vectors[free] = scaled(normal, 1.0 / norm(normal));
    } else if (periodic.size() == 1) {
        const Vec3& a = basis.vectors[periodic[0]];
        // Cross a with the coordinate axis that is most nearly perpendicular
        // to it, which keeps the cross product far from zero.
        std::size_t axis = 0;
        for (std::size_t m = 1; m < 3; ++m) {
            if (std::fabs(a[m]) < std::fabs(a[axis])) axis = m;
        }
        Vec3 unitAxis{0.0, 0.0, 0.0};
        unitAxis[axis] = 1.0;
        Vec3 first = cross(a, unitAxis);
        first = scaled(first, 1.0 / norm(first));
        Vec3 second = cross(a, first);
        second = scaled(second, 1.0 / norm(second));
        basis.vectors[(periodic[0] + 1) % 3] = first;
        basis.vectors[(periodic[0] + 2) % 3] = second;
    } else if (periodic.empty()) {
        basis.vectors = {Vec3{1.0, 0.0, 0.0}, Vec3{0.0, 1.0, 0.0}, Vec3{0.0, 0.0, 1.0}};
    }

    const auto& v = basis.vectors;
    double determinant = dot(v[0], cross(v[1], v[2]));
    for (std::size_t k = 0; k < 3; ++k) {
        Vec3 normal = cross(v[(k + 1) % 3], v[(k + 2) % 3]);
        basis.reciprocal[k] = scaled(normal, 1.0 / determinant);
        basis.faceDistance[k] = std::fabs(determinant) / norm(normal);
    }
    return basis;
}

// ---------------------------------------------------------------------------
// Search points.

// One image of an atom, placed in the region around the wrapped cell.
struct SearchPoint {
    Vec3 fractional;
    // Cartesian position of the image, for a first test of the distance.
    Vec3 position;
    int atom;
    // Shift in the basis vectors from the atom's position in the structure
    // to this image.
    Shift shift;
};

// Wraps the atoms into the cell along periodic directions. Returns the
// wrapped fractional coordinates and stores in wraps the shift w in the basis
// vectors with r = wrapped + w.
std::vector<Vec3> wrapAtoms(const Structure& structure, const Basis& basis,
                            std::vector<Shift>& wraps) {
    const std::size_t numAtoms = structure.size();
    std::vector<Vec3> fractional(numAtoms);
    wraps.assign(numAtoms, Shift{0, 0, 0});
    for (std::size_t i = 0; i < numAtoms; ++i) {
        for (std::size_t k = 0; k < 3; ++k) {
            double s = dot(structure.positions[i], basis.reciprocal[k]);
            if (!std::isfinite(s)) {
                throw std::invalid_argument("buildNeighborList: position " +
                                            formatVector(structure.positions[i]) + " of atom " +
                                            std::to_string(i) + " is not finite");
            }
            if (structure.periodic[k]) {
                // Beyond 2^52 cells, rounding loses the position in the cell.
                if (std::fabs(s) > 4.5e15) {
                    throw std::invalid_argument(
                        "buildNeighborList: atom " + std::to_string(i) + " at " +
                        formatVector(structure.positions[i]) + " is " + formatNumber(s) +
                        " cells away from the origin, expected a position near the cell");
                }
                double w = std::floor(s);
                s -= w;
                // A tiny negative s rounds to s - floor(s) == 1.
                if (s >= 1.0) {
                    s = 0.0;
                    w += 1.0;
                }
                wraps[i][k] = static_cast<std::int64_t>(w);
            }
            fractional[i][k] = s;
        }
    }
    return fractional;
}

// Creates a search point for every image of every atom that can be within
// the cutoff of a wrapped atom. The points come in the order of atom index
// and then of shift.
std::vector<SearchPoint> makeSearchPoints(const Structure& structure, const Basis& basis,
                                          double cutoff, const std::vector<Vec3>& fractional,
                                          const std::vector<Shift>& wraps) {
    std::array<std::int64_t, 3> maxShift{0, 0, 0};
    std::array<double, 3> margin{0.0, 0.0, 0.0};
    for (std::size_t k = 0; k < 3; ++k) {
        if (!structure.periodic[k]) continue;
        double ratio = cutoff / basis.faceDistance[k];
        if (ratio > 1e6) {
            throw std::invalid_argument(
                "buildNeighborList: cutoff " + formatNumber(cutoff) + " is " +
                formatNumber(ratio) + " times the width " + formatNumber(basis.faceDistance[k]) +
                " of the reduced cell, expected a cutoff below 10^6 cell widths");
        }
        // Wrapped fractional coordinates lie in [0, 1), so an image within the
        // cutoff needs a shift of at most ceil(cutoff / faceDistance).
        maxShift[k] = static_cast<std::int64_t>(std::ceil(ratio));
        // The margin covers rounding in the fractional coordinates.
        margin[k] = ratio * (1.0 + 1e-6) + 1e-9;
    }

    // Two points closer than the cutoff differ by less than
    // cutoff / faceDistance in fractional coordinate k, so an image is needed
    // only where it lies within that distance of [0, 1) along every periodic
    // direction.
    auto isFar = [&](std::size_t k, double s) {
        return structure.periodic[k] && (s <= -margin[k] || s >= 1.0 + margin[k]);
    };
    std::vector<SearchPoint> points;
    for (std::size_t j = 0; j < structure.size(); ++j) {
        SearchPoint point;
        point.atom = static_cast<int>(j);
        for (std::int64_t n0 = -maxShift[0]; n0 <= maxShift[0]; ++n0) {
            point.fractional[0] = fractional[j][0] + static_cast<double>(n0);
            if (isFar(0, point.fractional[0])) continue;
            for (std::int64_t n1 = -maxShift[1]; n1 <= maxShift[1]; ++n1) {
                point.fractional[1] = fractional[j][1] + static_cast<double>(n1);
                if (isFar(1, point.fractional[1])) continue;
                for (std::int64_t n2 = -maxShift[2]; n2 <= maxShift[2]; ++n2) {
                    point.fractional[2] = fractional[j][2] + static_cast<double>(n2);
                    if (isFar(2, point.fractional[2])) continue;
                    point.shift = {n0 - wraps[j][0], n1 - wraps[j][1], n2 - wraps[j][2]};
                    Vec3 offset = combine(basis.vectors, point.shift);
                    for (std::size_t c = 0; c < 3; ++c) {
                        point.position[c] = structure.positions[j][c] + offset[c];
                    }
                    points.push_back(point);
                }
            }
        }
    }
    return points;
}

// ---------------------------------------------------------------------------
// Bins.

// Bins that are parallel to the faces of the basis, in fractional coordinates.
class BinGrid {
public:
    BinGrid(const std::vector<SearchPoint>& points, const Basis& basis, double cutoff) {
        for (std::size_t k = 0; k < 3; ++k) {
            lower_[k] = points.front().fractional[k];
            double upper = lower_[k];
            for (const SearchPoint& point : points) {
                lower_[k] = std::min(lower_[k], point.fractional[k]);
                upper = std::max(upper, point.fractional[k]);
            }
            extent_[k] = upper - lower_[k];
        }

        // Bins of half the cutoff make the searched volume 125 / 8 times the
        // cube of the cutoff. Sparse structures, such as clusters with distant
        // atoms, get wider bins so that there are not many more bins than
        // points.
        const double maxBins = 2.0 * static_cast<double>(points.size()) + 8.0;
        double binWidth = 0.5 * cutoff;
        std::array<double, 3> counts{};
        while (true) {
            double total = 1.0;
            for (std::size_t k = 0; k < 3; ++k) {
                counts[k] = std::max(1.0, std::floor(extent_[k] * basis.faceDistance[k] / binWidth));
                total *= counts[k];
            }
            if (total <= maxBins) break;
            binWidth *= 2.0;
        }

        for (std::size_t k = 0; k < 3; ++k) {
            counts_[k] = static_cast<std::size_t>(counts[k]);
            binSize_[k] = extent_[k] > 0.0 ? extent_[k] / counts[k] : 1.0;
            // Two points closer than the cutoff differ by less than
            // cutoff / faceDistance in fractional coordinate k. The factor
            // above 1 covers rounding in the fractional coordinates.
            double reach = std::ceil(cutoff * (1.0 + 1e-6) / (basis.faceDistance[k] * binSize_[k]));
            reach_[k] = static_cast<std::size_t>(std::min(reach, counts[k] - 1.0));
        }

        std::size_t numBins = counts_[0] * counts_[1] * counts_[2];
        binStart_.assign(numBins + 1, 0);
        std::vector<std::size_t> binOfPoint(points.size());
        for (std::size_t p = 0; p < points.size(); ++p) {
            binOfPoint[p] = flatIndex(binIndex(points[p].fractional));
            ++binStart_[binOfPoint[p] + 1];
        }
        for (std::size_t b = 0; b < numBins; ++b) binStart_[b + 1] += binStart_[b];
        std::vector<std::size_t> next(binStart_.begin(), binStart_.end() - 1);
        binnedPoints_.resize(points.size());
        for (std::size_t p = 0; p < points.size(); ++p) {
            binnedPoints_[next[binOfPoint[p]]++] = {points[p].position, p};
        }
    }

    // Calls visit(pointIndex, position) for every point in the bins within
    // the cutoff of the bin that contains fractional.
    template <typename Visit>
    void forEachNearbyPoint(const Vec3& fractional, Visit&& visit) const {
        std::array<std::size_t, 3> center = binIndex(fractional);
        std::array<std::size_t, 3> first{};
        std::array<std::size_t, 3> last{};
        for (std::size_t k = 0; k < 3; ++k) {
            first[k] = center[k] >= reach_[k] ? center[k] - reach_[k] : 0;
            last[k] = std::min(counts_[k] - 1, center[k] + reach_[k]);
        }
        for (std::size_t b0 = first[0]; b0 <= last[0]; ++b0) {
            for (std::size_t b1 = first[1]; b1 <= last[1]; ++b1) {
                for (std::size_t b2 = first[2]; b2 <= last[2]; ++b2) {
                    std::size_t bin = flatIndex({b0, b1, b2});
                    for (std::size_t q = binStart_[bin]; q < binStart_[bin + 1]; ++q) {
                        visit(binnedPoints_[q].point, binnedPoints_[q].position);
                    }
                }
            }
        }
    }

private:
    std::array<std::size_t, 3> binIndex(const Vec3& fractional) const {
        std::array<std::size_t, 3> index{};
        for (std::size_t k = 0; k < 3; ++k) {
            double position = std::floor((fractional[k] - lower_[k]) / binSize_[k]);
            position = std::clamp(position, 0.0, static_cast<double>(counts_[k] - 1));
            index[k] = static_cast<std::size_t>(position);
        }
        return index;
    }

    std::size_t flatIndex(const std::array<std::size_t, 3>& index) const {
        return (index[0] * counts_[1] + index[1]) * counts_[2] + index[2];
    }

    std::array<double, 3> lower_{};
    std::array<double, 3> extent_{};
    std::array<double, 3> binSize_{};
    std::array<std::size_t, 3> counts_{};
    std::array<std::size_t, 3> reach_{};
    std::vector<std::size_t> binStart_;
    // Points sorted by bin, with their positions at hand for the search.
    struct BinnedPoint {
        Vec3 position;
        std::size_t point;
    };
    std::vector<BinnedPoint> binnedPoints_;
};

// Grows entries to hold count more neighbors of atom i. A list of millions of
// neighbors costs more to copy than to compute, so the new capacity is
// extrapolated from the atoms before i, and grows at least by half to keep
// the number of copies logarithmic.
void reserveEntries(std::vector<Neighbor>& entries, std::size_t count, std::size_t i,
                    std::size_t numAtoms) {
    std::size_t needed = entries.size() + count;
    if (needed <= entries.capacity()) return;
    double perAtom = static_cast<double>(needed) / static_cast<double>(i + 1);
    auto extrapolated = static_cast<std::size_t>(1.05 * perAtom * static_cast<double>(numAtoms));
    std::size_t grown = entries.capacity() + entries.capacity() / 2;
    entries.reserve(std::max({needed, extrapolated, grown}));
}

}  // namespace

NeighborList buildNeighborList(const Structure& structure, double cutoff) {
    if (!(cutoff > 0.0) || !std::isfinite(cutoff)) {
        throw std::invalid_argument("buildNeighborList: invalid cutoff " + formatNumber(cutoff) +
                                    ", expected a positive finite number");
    }
    const std::size_t numAtoms = structure.size();
    if (numAtoms > static_cast<std::size_t>(INT_MAX)) {
        throw std::invalid_argument("buildNeighborList: " + std::to_string(numAtoms) +
                                    " atoms do not fit the int index of Neighbor");
    }

    NeighborList list;
    list.offsets.assign(numAtoms + 1, 0);
    if (numAtoms == 0) return list;

    const Basis basis = makeBasis(structure);
    std::vector<Shift> wraps;
    const std::vector<Vec3> fractional = wrapAtoms(structure, basis, wraps);
    const std::vector<SearchPoint> points =
        makeSearchPoints(structure, basis, cutoff, fractional, wraps);
    if (points.size() > UINT32_MAX) {
        throw std::invalid_argument("buildNeighborList: " + std::to_string(points.size()) +
                                    " atom images for cutoff " + formatNumber(cutoff) +
                                    " exceed the limit of 2^32");
    }
    const BinGrid grid(points, basis, cutoff);

    // The first test uses the positions of the search points, which carry
    // rounding errors from the wrapping and the reduced basis, so it accepts a
    // slightly larger radius.
    double maxCoordinate = 0.0;
    for (const SearchPoint& point : points) {
        for (double x : point.position) maxCoordinate = std::max(maxCoordinate, std::fabs(x));
    }
    const double searchRadius = cutoff + 1e-8 * (cutoff + maxCoordinate);
    const double searchRadiusSquared = searchRadius * searchRadius;

    std::vector<Neighbor> candidates;
    // Search point index in the high and position in candidates in the low
    // 32 bits, so sorting the keys sorts candidates by search point.
    std::vector<std::uint64_t> order;
    for (std::size_t i = 0; i < numAtoms; ++i) {
        const Vec3& center = structure.positions[i];
        const Shift& wrap = wraps[i];
        const Vec3 unwrap = combine(basis.vectors, wrap);
        const Vec3 wrappedCenter{center[0] - unwrap[0], center[1] - unwrap[1], center[2] - unwrap[2]};
        candidates.clear();
        order.clear();
        grid.forEachNearbyPoint(fractional[i], [&](std::size_t p, const Vec3& position) {
            double ex = position[0] - wrappedCenter[0];
            double ey = position[1] - wrappedCenter[1];
            double ez = position[2] - wrappedCenter[2];
            if (ex * ex + ey * ey + ez * ez >= searchRadiusSquared) return;

            // The exact test: d = (r_j - r_i) + sum_m n_m cell[m].
            const SearchPoint& point = points[p];
            const Shift shift = basis.shiftInCell(
                {point.shift[0] + wrap[0], point.shift[1] + wrap[1], point.shift[2] + wrap[2]});
            const Vec3 latticeShift = combine(structure.cell, shift);
            const Vec3& other = structure.positions[static_cast<std::size_t>(point.atom)];
            Vec3 d;
            for (std::size_t c = 0; c < 3; ++c) d[c] = (other[c] - center[c]) + latticeShift[c];
            double r = std::sqrt(dot(d, d));
            if (r >= cutoff || r == 0.0) return;
            order.push_back(static_cast<std::uint64_t>(p) << 32 | candidates.size());
            candidates.push_back(Neighbor{point.atom, d[0], d[1], d[2], r});
        });

        // Bins visit points in an order that depends on the bin layout.
        // Sorting by search point orders the neighbors by atom index and then
        // by shift, because every point's shift differs from the shift of
        // atom i's neighbor by the same wrap of atom i.
        std::sort(order.begin(), order.end());
        reserveEntries(list.entries, candidates.size(), i, numAtoms);
        for (std::uint64_t key : order) list.entries.push_back(candidates[key & 0xffffffffu]);
        list.offsets[i + 1] = list.entries.size();
    }
    return list;
}

}  // namespace bpnn

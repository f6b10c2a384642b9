// SPDX-License-Identifier: GPL-2.0-or-later
// Tests of buildNeighborList against a brute-force search over lattice images.
#include "core/neighbor_list.h"

#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using bpnn::NeighborList;
using bpnn::Structure;
using bpnn::Vec3;
using Catch::Matchers::Contains;

struct ReferenceNeighbor {
    int index;
    Vec3 d;
};

// All neighbors by a loop over every atom pair and every image shift n along
// periodic directions within a bound that shares no code with the search
// under test. With A the matrix of periodic lattice vectors as rows and A+
// its pseudo-inverse, an image at d = dr + n A has n = (d - dr) A+, so
// |n_k| <= (cutoff + |dr|) |column k of A+|.
std::vector<std::vector<ReferenceNeighbor>> bruteForceNeighbors(const Structure& s, double cutoff) {
    std::vector<std::size_t> periodic;
    for (std::size_t k = 0; k < 3; ++k) {
        if (s.periodic[k]) periodic.push_back(k);
    }
    std::array<double, 3> shiftsPerLength{0.0, 0.0, 0.0};
    if (!periodic.empty()) {
        Eigen::MatrixXd lattice(static_cast<Eigen::Index>(periodic.size()), 3);
        for (std::size_t row = 0; row < periodic.size(); ++row) {
            for (std::size_t c = 0; c < 3; ++c) {
                lattice(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(c)) =
                    s.cell[periodic[row]][c];
            }
        }
        Eigen::MatrixXd pseudoInverse = lattice.completeOrthogonalDecomposition().pseudoInverse();
        for (std::size_t row = 0; row < periodic.size(); ++row) {
            shiftsPerLength[periodic[row]] =
                pseudoInverse.col(static_cast<Eigen::Index>(row)).norm();
        }
    }

    std::vector<std::vector<ReferenceNeighbor>> neighbors(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        for (std::size_t j = 0; j < s.size(); ++j) {
            Vec3 dr;
            for (std::size_t c = 0; c < 3; ++c) dr[c] = s.positions[j][c] - s.positions[i][c];
            double separation = std::sqrt(dr[0] * dr[0] + dr[1] * dr[1] + dr[2] * dr[2]);
            int bound[3];
            for (std::size_t k = 0; k < 3; ++k) {
                // One more shift than needed covers rounding.
                bound[k] = static_cast<int>(std::ceil((cutoff + separation) * shiftsPerLength[k]));
                if (s.periodic[k]) bound[k] += 1;
            }
            for (int n0 = -bound[0]; n0 <= bound[0]; ++n0) {
                for (int n1 = -bound[1]; n1 <= bound[1]; ++n1) {
                    for (int n2 = -bound[2]; n2 <= bound[2]; ++n2) {
                        Vec3 d;
                        for (std::size_t c = 0; c < 3; ++c) {
                            d[c] = dr[c] + n0 * s.cell[0][c] + n1 * s.cell[1][c] + n2 * s.cell[2][c];
                        }
                        double r = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                        if (r > 0.0 && r < cutoff) {
                            neighbors[i].push_back({static_cast<int>(j), d});
                        }
                    }
                }
            }
        }
    }
    return neighbors;
}

double distance(const Vec3& a, const Vec3& b) {
    return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                     (a[2] - b[2]) * (a[2] - b[2]));
}

// Returns a description of every difference between the multisets of
// (j, d) of the list and of the reference, empty when they agree. Images of
// one atom lie at least a lattice vector apart, so matching d within a small
// tolerance pairs entries one to one.
std::string compareWithReference(const NeighborList& list,
                                 const std::vector<std::vector<ReferenceNeighbor>>& reference) {
    std::ostringstream differences;
    if (list.numAtoms() != reference.size()) {
        differences << "list has " << list.numAtoms() << " atoms, reference " << reference.size();
        return differences.str();
    }
    for (std::size_t i = 0; i < reference.size(); ++i) {
        if (list.count(i) != reference[i].size()) {
            differences << "atom " << i << ": " << list.count(i) << " neighbors, reference "
                        << reference[i].size() << "\n";
            continue;
        }
        std::vector<bool> matched(list.count(i), false);
        for (const ReferenceNeighbor& expected : reference[i]) {
            bool found = false;
            for (std::size_t e = 0; e < list.count(i) && !found; ++e) {
                const bpnn::Neighbor& entry = list.begin(i)[e];
                Vec3 d{entry.dx, entry.dy, entry.dz};
                if (!matched[e] && entry.index == expected.index &&
                    distance(d, expected.d) < 1e-9) {
                    matched[e] = true;
                    found = true;
                }
            }
            if (!found) {
                differences << "atom " << i << ": missing neighbor " << expected.index << " at ("
                            << expected.d[0] << ", " << expected.d[1] << ", " << expected.d[2]
                            << ")\n";
            }
        }
    }
    return differences.str();
}

// Returns a description of every entry that breaks the documented contract,
// empty when there is none: r is |d| and within (0, cutoff), rows are sorted
// by neighbor index, and the list is antisymmetric (the row of j has i with
// exactly -d whenever the row of i has j with d).
std::string checkInvariants(const NeighborList& list, double cutoff) {
    std::ostringstream problems;
    if (list.offsets.empty() || list.offsets.back() != list.entries.size()) {
        problems << "offsets do not end at the number of entries\n";
        return problems.str();
    }
    for (std::size_t i = 0; i < list.numAtoms(); ++i) {
        int previous = -1;
        for (const bpnn::Neighbor* n = list.begin(i); n != list.end(i); ++n) {
            double r = std::sqrt(n->dx * n->dx + n->dy * n->dy + n->dz * n->dz);
            if (std::fabs(r - n->r) > 1e-12 * cutoff) problems << "atom " << i << ": r != |d|\n";
            if (!(n->r > 0.0 && n->r < cutoff)) problems << "atom " << i << ": r out of range\n";
            if (n->index < previous) problems << "atom " << i << ": not sorted by index\n";
            previous = n->index;

            auto j = static_cast<std::size_t>(n->index);
            bool mirrored = false;
            for (const bpnn::Neighbor* m = list.begin(j); m != list.end(j) && !mirrored; ++m) {
                mirrored = static_cast<std::size_t>(m->index) == i && m->dx == -n->dx &&
                           m->dy == -n->dy && m->dz == -n->dz;
            }
            if (!mirrored) problems << "atom " << i << ": neighbor " << j << " lacks the mirror entry\n";
        }
    }
    return problems.str();
}

// Returns the position of the first entry that differs in neighbor index or
// by more than tolerance in a displacement component, or -1 when the lists
// are equal entry by entry.
long firstDifference(const NeighborList& a, const NeighborList& b, double tolerance) {
    std::size_t size = std::min(a.entries.size(), b.entries.size());
    for (std::size_t e = 0; e < size; ++e) {
        const bpnn::Neighbor& x = a.entries[e];
        const bpnn::Neighbor& y = b.entries[e];
        if (x.index != y.index || std::fabs(x.dx - y.dx) > tolerance ||
            std::fabs(x.dy - y.dy) > tolerance || std::fabs(x.dz - y.dz) > tolerance) {
            return static_cast<long>(e);
        }
    }
    return a.entries.size() == b.entries.size() ? -1 : static_cast<long>(size);
}

void checkAgainstBruteForce(const Structure& s, double cutoff) {
    NeighborList list = bpnn::buildNeighborList(s, cutoff);
    CHECK(compareWithReference(list, bruteForceNeighbors(s, cutoff)) == "");
    CHECK(checkInvariants(list, cutoff) == "");
}

Structure randomStructure(std::mt19937_64& generator, const std::array<Vec3, 3>& cell,
                          std::array<bool, 3> periodic, std::size_t numAtoms,
                          double minFraction = 0.0, double maxFraction = 1.0) {
    std::uniform_real_distribution<double> fraction(minFraction, maxFraction);
    Structure s;
    s.cell = cell;
    s.periodic = periodic;
    for (std::size_t i = 0; i < numAtoms; ++i) {
        double f0 = fraction(generator);
        double f1 = fraction(generator);
        double f2 = fraction(generator);
        Vec3 r;
        for (std::size_t c = 0; c < 3; ++c) r[c] = f0 * cell[0][c] + f1 * cell[1][c] + f2 * cell[2][c];
        s.positions.push_back(r);
        s.symbols.emplace_back("X");
    }
    return s;
}

std::array<Vec3, 3> randomTriclinicCell(std::mt19937_64& generator, double shear) {
    std::uniform_real_distribution<double> length(3.0, 6.0);
    std::uniform_real_distribution<double> tilt(-shear, shear);
    return {Vec3{length(generator), 0.0, 0.0},
            Vec3{tilt(generator), length(generator), 0.0},
            Vec3{tilt(generator), tilt(generator), length(generator)}};
}

// Rotates a cell, so that no lattice vector lies along a coordinate axis.
std::array<Vec3, 3> rotated(const std::array<Vec3, 3>& cell) {
    Eigen::Matrix3d rotation = (Eigen::AngleAxisd(0.7, Eigen::Vector3d::UnitZ()) *
                                Eigen::AngleAxisd(-1.1, Eigen::Vector3d::UnitY()) *
                                Eigen::AngleAxisd(0.3, Eigen::Vector3d::UnitX()))
                                   .toRotationMatrix();
    std::array<Vec3, 3> result{};
    for (std::size_t k = 0; k < 3; ++k) {
        Eigen::Vector3d v = rotation * Eigen::Vector3d(cell[k][0], cell[k][1], cell[k][2]);
        result[k] = {v[0], v[1], v[2]};
    }
    return result;
}

// Returns the vectors of the simple cubic lattice with edge 1 whose squared
// length is at most maxSquaredLength, which may be up to 8.
std::vector<Vec3> cubicLatticeVectors(int maxSquaredLength) {
    std::vector<Vec3> vectors;
    for (int x = -2; x <= 2; ++x) {
        for (int y = -2; y <= 2; ++y) {
            for (int z = -2; z <= 2; ++z) {
                int squared = x * x + y * y + z * z;
                if (squared > 0 && squared <= maxSquaredLength) {
                    vectors.push_back({double(x), double(y), double(z)});
                }
            }
        }
    }
    return vectors;
}

Structure singleAtom(const std::array<Vec3, 3>& cell, const Vec3& position) {
    Structure s;
    s.cell = cell;
    s.periodic = {true, true, true};
    s.positions = {position};
    s.symbols = {"X"};
    return s;
}

// Checks that the neighbors of atom 0 are exactly the given displacements.
void checkDisplacements(const NeighborList& list, const std::vector<Vec3>& expected) {
    REQUIRE(list.count(0) == expected.size());
    for (const Vec3& d : expected) {
        bool found = false;
        for (const bpnn::Neighbor* n = list.begin(0); n != list.end(0); ++n) {
            found = found || distance(Vec3{n->dx, n->dy, n->dz}, d) < 1e-12;
        }
        INFO("displacement (" << d[0] << ", " << d[1] << ", " << d[2] << ")");
        CHECK(found);
    }
}

const std::array<Vec3, 3> kUnitCube = {Vec3{1.0, 0.0, 0.0}, Vec3{0.0, 1.0, 0.0},
                                       Vec3{0.0, 0.0, 1.0}};

TEST_CASE("neighbor list simple cubic self images", "[neighbors]") {
    Structure s = singleAtom(kUnitCube, {0.25, 0.5, 0.75});

    // Shells of the cubic lattice: 6 at 1, 12 at sqrt(2), 8 at sqrt(3),
    // 6 at 2, 24 at sqrt(5), 24 at sqrt(6).
    CHECK(bpnn::buildNeighborList(s, 0.99).count(0) == 0);
    CHECK(bpnn::buildNeighborList(s, 1.0).count(0) == 0);
    CHECK(bpnn::buildNeighborList(s, 1.01).count(0) == 6);
    CHECK(bpnn::buildNeighborList(s, 1.8).count(0) == 26);
    CHECK(bpnn::buildNeighborList(s, 2.5).count(0) == 80);

    NeighborList list = bpnn::buildNeighborList(s, 1.5);
    CHECK(list.numAtoms() == 1);
    checkDisplacements(list, cubicLatticeVectors(2));
    for (const bpnn::Neighbor* n = list.begin(0); n != list.end(0); ++n) CHECK(n->index == 0);
}

TEST_CASE("neighbor list sheared cell of cubic lattice", "[neighbors]") {
    // Each cell has determinant 1 with integer rows, so it spans the same
    // lattice as the unit cube, however strongly sheared it is.
    const std::vector<std::array<Vec3, 3>> cells = {
        {Vec3{1.0, 0.0, 0.0}, Vec3{7.0, 1.0, 0.0}, Vec3{3.0, -4.0, 1.0}},
        {Vec3{1.0, 0.0, 0.0}, Vec3{40.0, 1.0, 0.0}, Vec3{-25.0, 33.0, 1.0}},
        {Vec3{2.0, 1.0, 0.0}, Vec3{1.0, 1.0, 0.0}, Vec3{5.0, 9.0, 1.0}},
    };
    for (std::size_t c = 0; c < cells.size(); ++c) {
        INFO("cell " << c);
        for (const Vec3& position : {Vec3{0.0, 0.0, 0.0}, Vec3{0.3, -7.2, 11.9}}) {
            Structure s = singleAtom(cells[c], position);
            checkDisplacements(bpnn::buildNeighborList(s, 1.5), cubicLatticeVectors(2));
            checkDisplacements(bpnn::buildNeighborList(s, 1.8), cubicLatticeVectors(3));
        }
    }
}

TEST_CASE("neighbor list two atoms by hand", "[neighbors]") {
    // Atoms at x = 0.5 and x = 2.5 in a cell of length 4 along x that is
    // periodic only along x: images of the other atom at dx = 2 and -2, and
    // of itself at 4 and -4.
    Structure s;
    s.cell = {Vec3{4.0, 0.0, 0.0}, Vec3{0.0, 0.0, 0.0}, Vec3{0.0, 0.0, 0.0}};
    s.periodic = {true, false, false};
    s.positions = {Vec3{0.5, 0.0, 0.0}, Vec3{2.5, 0.0, 0.0}};
    s.symbols = {"A", "B"};

    NeighborList list = bpnn::buildNeighborList(s, 4.5);
    REQUIRE(list.count(0) == 4);
    REQUIRE(list.count(1) == 4);
    // Sorted by neighbor index: the two self images first.
    CHECK(list.begin(0)[0].index == 0);
    CHECK(list.begin(0)[1].index == 0);
    CHECK(std::fabs(list.begin(0)[0].dx) == 4.0);
    CHECK(list.begin(0)[2].index == 1);
    CHECK(list.begin(0)[3].index == 1);
    CHECK(std::fabs(list.begin(0)[2].dx) == 2.0);
    CHECK(std::fabs(list.begin(0)[3].dx) == 2.0);
    for (std::size_t i = 0; i < 2; ++i) {
        for (const bpnn::Neighbor* n = list.begin(i); n != list.end(i); ++n) {
            CHECK(n->dy == 0.0);
            CHECK(n->dz == 0.0);
            CHECK(n->r == std::fabs(n->dx));
        }
    }

    NeighborList shortList = bpnn::buildNeighborList(s, 2.5);
    CHECK(shortList.count(0) == 2);
    CHECK(shortList.count(1) == 2);
}

TEST_CASE("neighbor list cluster", "[neighbors]") {
    // A water molecule and a distant atom: only the O-H and H-H distances
    // are within the cutoff.
    Structure s;
    s.positions = {Vec3{0.0, 0.0, 0.22143}, Vec3{0.0, 1.43042, -0.88572},
                   Vec3{0.0, -1.43042, -0.88572}, Vec3{100.0, 0.0, 0.0}};
    s.symbols = {"O", "H", "H", "Ar"};
    NeighborList list = bpnn::buildNeighborList(s, 3.0);
    CHECK(list.count(0) == 2);
    CHECK(list.count(1) == 2);
    CHECK(list.count(2) == 2);
    CHECK(list.count(3) == 0);
    CHECK(list.begin(1)[1].index == 2);
    CHECK(list.begin(1)[1].dy == Approx(-2.86084));
    CHECK(list.begin(1)[1].r == Approx(2.86084));

    std::mt19937_64 generator(17);
    Structure random = randomStructure(generator, {Vec3{10.0, 0.0, 0.0}, Vec3{0.0, 12.0, 0.0},
                                                   Vec3{0.0, 0.0, 8.0}},
                                       {false, false, false}, 120);
    checkAgainstBruteForce(random, 3.5);
}

TEST_CASE("neighbor list random triclinic cells", "[neighbors]") {
    std::mt19937_64 generator(12345);
    for (int trial = 0; trial < 12; ++trial) {
        double shear = trial < 6 ? 2.0 : 15.0;
        std::array<Vec3, 3> cell = randomTriclinicCell(generator, shear);
        if (trial % 2 == 1) cell = rotated(cell);
        std::size_t numAtoms = 1 + static_cast<std::size_t>(trial) * 3;
        Structure s = randomStructure(generator, cell, {true, true, true}, numAtoms);
        for (double cutoff : {2.5, 7.0}) {
            INFO("trial " << trial << ", cutoff " << cutoff);
            checkAgainstBruteForce(s, cutoff);
        }
    }
}

TEST_CASE("neighbor list cell smaller than cutoff", "[neighbors]") {
    std::mt19937_64 generator(2);
    std::array<Vec3, 3> cell = {Vec3{1.3, 0.0, 0.0}, Vec3{0.4, 1.1, 0.0}, Vec3{-0.3, 0.5, 0.9}};
    for (std::size_t numAtoms : {1, 2, 5}) {
        Structure s = randomStructure(generator, cell, {true, true, true}, numAtoms);
        INFO(numAtoms << " atoms");
        checkAgainstBruteForce(s, 3.7);
    }
}

TEST_CASE("neighbor list atoms outside the cell", "[neighbors]") {
    std::mt19937_64 generator(8);
    for (int trial = 0; trial < 4; ++trial) {
        std::array<Vec3, 3> cell = randomTriclinicCell(generator, 3.0);
        Structure s = randomStructure(generator, cell, {true, true, true}, 10, -3.0, 4.0);
        INFO("trial " << trial);
        checkAgainstBruteForce(s, 4.0);
    }
    // Atoms exactly on the faces and corners of the cell.
    Structure faces;
    faces.cell = {Vec3{3.0, 0.0, 0.0}, Vec3{1.0, 3.0, 0.0}, Vec3{0.0, 0.0, 3.0}};
    faces.periodic = {true, true, true};
    faces.positions = {Vec3{0.0, 0.0, 0.0}, Vec3{3.0, 0.0, 0.0}, Vec3{4.0, 3.0, 3.0},
                       Vec3{-1e-17, 0.0, 1.5}, Vec3{1.0, 1.5, -0.0}};
    faces.symbols.assign(faces.positions.size(), "X");
    checkAgainstBruteForce(faces, 3.5);
}

TEST_CASE("neighbor list slabs and wires", "[neighbors]") {
    std::mt19937_64 generator(99);
    const std::vector<std::array<bool, 3>> patterns = {
        {true, true, false}, {true, false, true}, {false, true, true},
        {true, false, false}, {false, true, false}, {false, false, true},
    };
    for (const std::array<bool, 3>& periodic : patterns) {
        for (double shear : {1.0, 12.0}) {
            std::array<Vec3, 3> cell = rotated(randomTriclinicCell(generator, shear));
            Structure s = randomStructure(generator, cell, periodic, 9, -0.5, 1.5);
            INFO("periodic " << periodic[0] << periodic[1] << periodic[2] << ", shear " << shear);
            checkAgainstBruteForce(s, 2.0);
            checkAgainstBruteForce(s, 6.5);
        }
    }
}

TEST_CASE("neighbor list ignores non-periodic lattice vectors", "[neighbors]") {
    // The lattice vector along a non-periodic direction may be zero or any
    // value, as in a slab read from a file without a vacuum vector.
    std::mt19937_64 generator(4);
    Structure s = randomStructure(generator, rotated(randomTriclinicCell(generator, 1.0)),
                                  {true, true, false}, 8);
    NeighborList expected = bpnn::buildNeighborList(s, 5.0);
    for (const Vec3& c : {Vec3{0.0, 0.0, 0.0}, Vec3{1e6, -3.0, 0.5}}) {
        Structure changed = s;
        changed.cell[2] = c;
        NeighborList list = bpnn::buildNeighborList(changed, 5.0);
        REQUIRE(list.offsets == expected.offsets);
        CHECK(firstDifference(list, expected, 0.0) == -1);
    }
}

TEST_CASE("neighbor list permutation of atoms", "[neighbors]") {
    std::mt19937_64 generator(31);
    Structure s = randomStructure(generator, randomTriclinicCell(generator, 2.0),
                                  {true, true, true}, 15);
    std::vector<std::size_t> permutation(s.size());
    std::iota(permutation.begin(), permutation.end(), 0);
    std::shuffle(permutation.begin(), permutation.end(), generator);

    // Atom p of the permuted structure is atom permutation[p] of s.
    Structure permuted = s;
    for (std::size_t p = 0; p < s.size(); ++p) permuted.positions[p] = s.positions[permutation[p]];
    std::vector<int> newIndex(s.size());
    for (std::size_t p = 0; p < s.size(); ++p) newIndex[permutation[p]] = static_cast<int>(p);

    const double cutoff = 6.0;
    NeighborList original = bpnn::buildNeighborList(s, cutoff);
    std::vector<std::vector<ReferenceNeighbor>> mapped(s.size());
    for (std::size_t p = 0; p < s.size(); ++p) {
        std::size_t i = permutation[p];
        for (const bpnn::Neighbor* n = original.begin(i); n != original.end(i); ++n) {
            mapped[p].push_back({newIndex[static_cast<std::size_t>(n->index)],
                                 Vec3{n->dx, n->dy, n->dz}});
        }
    }
    CHECK(compareWithReference(bpnn::buildNeighborList(permuted, cutoff), mapped) == "");
}

TEST_CASE("neighbor list order independent of binning", "[neighbors]") {
    // Moving all atoms by a vector changes the wrapping and the bins but not
    // the neighbors, so the list must come out in the same order.
    std::mt19937_64 generator(77);
    Structure s = randomStructure(generator, randomTriclinicCell(generator, 2.0),
                                  {true, true, true}, 400);
    Structure moved = s;
    for (Vec3& r : moved.positions) {
        r[0] += 17.3;
        r[1] -= 4.1;
        r[2] += 0.9;
    }
    NeighborList a = bpnn::buildNeighborList(s, 4.0);
    NeighborList b = bpnn::buildNeighborList(moved, 4.0);
    REQUIRE(a.offsets == b.offsets);
    CHECK(a.entries.size() > 1000);
    CHECK(firstDifference(a, b, 1e-9) == -1);
}

TEST_CASE("neighbor list large box sampled", "[neighbors]") {
    // A box with many bins, checked against the brute force for the
    // neighbors of a sample of atoms. All faces of the cell are more than 27
    // apart, so with the atoms inside the cell and a cutoff of 6, shifts of
    // -1, 0 and 1 along each vector reach every neighbor.
    std::mt19937_64 generator(5);
    std::array<Vec3, 3> cell = {Vec3{30.0, 0.0, 0.0}, Vec3{4.0, 28.0, 0.0}, Vec3{-3.0, 5.0, 32.0}};
    Structure s = randomStructure(generator, cell, {true, true, true}, 3000);
    const double cutoff = 6.0;
    NeighborList list = bpnn::buildNeighborList(s, cutoff);
    CHECK(checkInvariants(list, cutoff) == "");

    for (std::size_t i = 0; i < s.size(); i += 97) {
        std::vector<ReferenceNeighbor> expected;
        for (std::size_t j = 0; j < s.size(); ++j) {
            for (int n0 = -1; n0 <= 1; ++n0) {
                for (int n1 = -1; n1 <= 1; ++n1) {
                    for (int n2 = -1; n2 <= 1; ++n2) {
                        Vec3 d;
                        for (std::size_t c = 0; c < 3; ++c) {
                            d[c] = s.positions[j][c] - s.positions[i][c] + n0 * cell[0][c] +
                                   n1 * cell[1][c] + n2 * cell[2][c];
                        }
                        double r = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                        if (r > 0.0 && r < cutoff) expected.push_back({static_cast<int>(j), d});
                    }
                }
            }
        }
        // Compare the row of atom i alone.
        NeighborList row;
        row.offsets = {0, list.count(i)};
        row.entries.assign(list.begin(i), list.end(i));
        INFO("atom " << i);
        CHECK(compareWithReference(row, {expected}) == "");
    }
}

TEST_CASE("neighbor list empty structure", "[neighbors]") {
    Structure s;
    NeighborList list = bpnn::buildNeighborList(s, 5.0);
    CHECK(list.numAtoms() == 0);
    CHECK(list.entries.empty());
}

TEST_CASE("neighbor list invalid cutoff", "[neighbors]") {
    Structure s = singleAtom(kUnitCube, {0.0, 0.0, 0.0});
    CHECK_THROWS_AS(bpnn::buildNeighborList(s, 0.0), std::invalid_argument);
    CHECK_THROWS_WITH(bpnn::buildNeighborList(s, 0.0), Contains("invalid cutoff 0"));
    CHECK_THROWS_WITH(bpnn::buildNeighborList(s, -2.5), Contains("invalid cutoff -2.5"));
    CHECK_THROWS_WITH(bpnn::buildNeighborList(s, std::nan("")), Contains("invalid cutoff nan"));
    CHECK_THROWS_WITH(bpnn::buildNeighborList(s, HUGE_VAL), Contains("invalid cutoff inf"));
}

TEST_CASE("neighbor list degenerate cell", "[neighbors]") {
    Structure flat = singleAtom({Vec3{1.0, 0.0, 0.0}, Vec3{0.0, 1.0, 0.0}, Vec3{1.0, 1.0, 0.0}},
                                {0.0, 0.0, 0.0});
    CHECK_THROWS_AS(bpnn::buildNeighborList(flat, 1.5), std::invalid_argument);
    CHECK_THROWS_WITH(bpnn::buildNeighborList(flat, 1.5),
                      Contains("degenerate cell") && Contains("volume of 0") &&
                          Contains("c = (1, 1, 0)"));

    Structure zero = singleAtom({Vec3{0.0, 0.0, 0.0}, Vec3{0.0, 0.0, 0.0}, Vec3{0.0, 0.0, 0.0}},
                                {0.0, 0.0, 0.0});
    CHECK_THROWS_WITH(bpnn::buildNeighborList(zero, 1.5), Contains("degenerate cell"));

    Structure slab = flat;
    slab.cell[1] = {2.0, 0.0, 0.0};
    slab.periodic = {true, true, false};
    CHECK_THROWS_WITH(bpnn::buildNeighborList(slab, 1.5), Contains("area of 0"));

    Structure wire = flat;
    wire.cell[2] = {0.0, 0.0, 0.0};
    wire.periodic = {false, false, true};
    CHECK_THROWS_WITH(bpnn::buildNeighborList(wire, 1.5), Contains("length of 0"));

    Structure infinite = singleAtom(kUnitCube, {0.0, 0.0, 0.0});
    infinite.cell[1][1] = HUGE_VAL;
    CHECK_THROWS_WITH(bpnn::buildNeighborList(infinite, 1.5), Contains("is not finite"));
}

TEST_CASE("neighbor list non-finite position", "[neighbors]") {
    Structure s = singleAtom(kUnitCube, {0.0, std::nan(""), 0.0});
    CHECK_THROWS_WITH(bpnn::buildNeighborList(s, 1.5),
                      Contains("of atom 0 is not finite"));
}

}  // namespace

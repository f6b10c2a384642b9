// SPDX-License-Identifier: GPL-2.0-or-later
// Tests of reading and writing input.data and extended XYZ files.
#include "core/structure_io.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using bpnn::InputError;
using bpnn::Structure;
using bpnn::Vec3;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

// A fresh directory under the system temporary directory, removed with its
// contents when the object goes out of scope.
class TemporaryDirectory {
public:
    TemporaryDirectory() {
        std::random_device device;
        path_ = fs::temp_directory_path() / ("bpnn-test-io-" + std::to_string(device()));
        fs::create_directories(path_);
    }
    ~TemporaryDirectory() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }

    std::string write(const std::string& name, const std::string& content) const {
        std::string path = file(name);
        std::ofstream stream(path, std::ios::binary);
        stream << content;
        return path;
    }

private:
    fs::path path_;
};

std::string readText(const std::string& path) {
    std::ifstream stream(path, std::ios::binary);
    std::ostringstream text;
    text << stream.rdbuf();
    return text.str();
}

std::string sampleFile(const std::string& name) {
    return std::string(BPNN_TEST_DATA_DIR) + "/structures/" + name;
}

std::uint64_t bitsOf(double value) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(bits));
    return bits;
}

// Compares the bit patterns, which distinguishes -0.0 from 0.0.
#define CHECK_SAME_BITS(a, b) CHECK(bitsOf(a) == bitsOf(b))

void checkSameVectorBits(const Vec3& a, const Vec3& b) {
    for (std::size_t k = 0; k < 3; ++k) CHECK_SAME_BITS(a[k], b[k]);
}

// Doubles that are hard to write and read back: all magnitudes, subnormal
// numbers, negative zero and values with no short decimal form.
double randomHardDouble(std::mt19937_64& generator) {
    static const double special[] = {0.0,
                                     -0.0,
                                     0.1,
                                     1.0 / 3.0,
                                     -2.0 / 3.0,
                                     std::numeric_limits<double>::denorm_min(),
                                     -std::numeric_limits<double>::min(),
                                     std::numeric_limits<double>::max(),
                                     -std::numeric_limits<double>::lowest() / 3.0,
                                     -2.8966030079560681e-02,
                                     1e22,
                                     123456789012345678.0};
    std::uniform_int_distribution<int> pick(0, 3);
    if (pick(generator) == 0) {
        std::uniform_int_distribution<std::size_t> index(0, std::size(special) - 1);
        return special[index(generator)];
    }
    std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
    std::uniform_int_distribution<int> exponent(-300, 300);
    return mantissa(generator) * std::pow(10.0, exponent(generator));
}

Vec3 randomHardVector(std::mt19937_64& generator) {
    return {randomHardDouble(generator), randomHardDouble(generator), randomHardDouble(generator)};
}

Structure randomStructure(std::mt19937_64& generator, std::size_t numAtoms,
                          std::array<bool, 3> periodic, const std::string& comment) {
    static const char* const elements[] = {"H", "O", "Zn", "Cu"};
    Structure s;
    s.comment = comment;
    s.periodic = periodic;
    if (s.isPeriodic()) {
        for (Vec3& v : s.cell) v = randomHardVector(generator);
    }
    for (std::size_t i = 0; i < numAtoms; ++i) {
        s.symbols.emplace_back(elements[generator() % 4]);
        s.positions.push_back(randomHardVector(generator));
        s.forces.push_back(randomHardVector(generator));
        s.charges.push_back(randomHardDouble(generator));
        s.atomEnergies.push_back(randomHardDouble(generator));
    }
    s.energy = randomHardDouble(generator);
    s.totalCharge = randomHardDouble(generator);
    s.hasEnergy = true;
    s.hasForces = true;
    return s;
}

void checkSameGeometry(const Structure& read, const Structure& written) {
    CHECK(read.comment == written.comment);
    CHECK(read.periodic == written.periodic);
    if (written.isPeriodic()) {
        for (std::size_t k = 0; k < 3; ++k) checkSameVectorBits(read.cell[k], written.cell[k]);
    }
    REQUIRE(read.size() == written.size());
    CHECK(read.symbols == written.symbols);
    for (std::size_t i = 0; i < written.size(); ++i) {
        checkSameVectorBits(read.positions[i], written.positions[i]);
        checkSameVectorBits(read.forces[i], written.forces[i]);
    }
    CHECK(read.hasEnergy == written.hasEnergy);
    CHECK_SAME_BITS(read.energy, written.energy);
}

// ---------------------------------------------------------------------------
// input.data

TEST_CASE("input.data sample file", "[io]") {
    const std::string path = sampleFile("sample.data");
    std::vector<Structure> structures = bpnn::readRunnerData(path);
    REQUIRE(structures.size() == 2);

    const Structure& cell = structures[0];
    CHECK(cell.comment == "periodic LiH pair, energies in Hartree");
    CHECK(cell.line == 3);
    CHECK(cell.periodic == std::array<bool, 3>{true, true, true});
    CHECK(cell.cell[0] == Vec3{7.5589045088, 0.0, 0.0});
    CHECK(cell.cell[1] == Vec3{1.0, 7.5589045088, 0.0});
    CHECK(cell.cell[2] == Vec3{0.0, -0.5, 7.5589045088});
    CHECK(cell.symbols == std::vector<std::string>{"Li", "H"});
    CHECK(cell.positions[1] == Vec3{3.7794522544, 3.7794522544, 3.7794522544});
    CHECK(cell.forces[0] == Vec3{-2.8966030079560681e-02, 1.0e-3, 0.0});
    CHECK(cell.forces[1] == Vec3{2.8966030079560681e-02, -1.0e-3, 0.0});
    CHECK(cell.charges == std::vector<double>{0.0, 0.0});
    CHECK(cell.atomEnergies == std::vector<double>{0.0, 0.0});
    CHECK(cell.energy == -8.0701234567890120);
    CHECK(cell.totalCharge == 0.0);
    CHECK(cell.hasEnergy);
    CHECK(cell.hasForces);

    const Structure& water = structures[1];
    CHECK(water.comment == "water molecule");
    CHECK(water.line == 14);
    CHECK_FALSE(water.isPeriodic());
    CHECK(water.symbols == std::vector<std::string>{"O", "H", "H"});
    CHECK(water.positions[0] == Vec3{0.0, 0.0, 0.22143});
    CHECK(water.positions[2] == Vec3{0.0, -1.43042, -0.88572});
    CHECK(water.charges == std::vector<double>{-0.8, 0.4, 0.4});
    CHECK(water.forces[1] == Vec3{0.0, -0.5, -0.625});
    CHECK(water.energy == -76.4);
    CHECK(water.hasEnergy);
}

TEST_CASE("input.data round trip bit for bit", "[io]") {
    TemporaryDirectory directory;
    std::mt19937_64 generator(20240611);
    std::vector<Structure> written;
    written.push_back(randomStructure(generator, 7, {true, true, true}, "periodic, # not a comment"));
    written.push_back(randomStructure(generator, 5, {false, false, false}, ""));
    written.push_back(randomStructure(generator, 1, {true, true, true}, "one atom"));
    written[1].hasEnergy = false;
    written[1].energy = 0.0;

    const std::string path = directory.file("round_trip.data");
    bpnn::writeRunnerData(path, written);
    std::vector<Structure> read = bpnn::readRunnerData(path);

    REQUIRE(read.size() == written.size());
    for (std::size_t s = 0; s < written.size(); ++s) {
        INFO("structure " << s);
        checkSameGeometry(read[s], written[s]);
        CHECK(read[s].hasForces);
        CHECK_SAME_BITS(read[s].totalCharge, written[s].totalCharge);
        for (std::size_t i = 0; i < written[s].size(); ++i) {
            CHECK_SAME_BITS(read[s].charges[i], written[s].charges[i]);
            CHECK_SAME_BITS(read[s].atomEnergies[i], written[s].atomEnergies[i]);
        }
    }
}

// Byte order mark, Windows line breaks, blank and '#' lines, an n2p2 data set
// mark, a Fortran exponent, signs and numbers without leading or trailing
// digits.
TEST_CASE("input.data accepted variants", "[io]") {
    TemporaryDirectory directory;
    const std::string path = directory.write(
        "variants.data",
        "\xEF\xBB\xBF\n# header comment\r\n"
        "begin set=train\r\n"
        "comment    leading spaces are trimmed   \r\n"
        "\n"
        "atom 1.5D+00 +2 -3.e-1 He 0 1E0 0.5d0 .25 -0\r\n"
        "end\r\n");
    std::vector<Structure> structures = bpnn::readRunnerData(path);
    REQUIRE(structures.size() == 1);
    const Structure& s = structures[0];
    CHECK(s.line == 3);
    CHECK(s.comment == "leading spaces are trimmed");
    CHECK(s.symbols == std::vector<std::string>{"He"});
    CHECK(s.positions[0] == Vec3{1.5, 2.0, -0.3});
    CHECK(s.atomEnergies[0] == 1.0);
    CHECK(s.forces[0] == Vec3{0.5, 0.25, 0.0});
    CHECK_FALSE(s.hasEnergy);
    CHECK(s.energy == 0.0);
}

TEST_CASE("input.data empty file", "[io]") {
    TemporaryDirectory directory;
    CHECK(bpnn::readRunnerData(directory.write("empty.data", "")).empty());
    CHECK(bpnn::readRunnerData(directory.write("comments.data", "# nothing\n\n")).empty());
}

// One malformed file: its content, the line that the message must name and a
// text that the message must contain.
struct ErrorCase {
    const char* name;
    const char* content;
    int line;
    const char* expected;
};

void checkErrorCases(const std::vector<ErrorCase>& cases, const std::string& fileName,
                     std::vector<Structure> (*read)(const std::string&)) {
    TemporaryDirectory directory;
    for (const ErrorCase& errorCase : cases) {
        DYNAMIC_SECTION(errorCase.name) {
            const std::string path = directory.write(fileName, errorCase.content);
            const std::string location = path + ":" + std::to_string(errorCase.line) + ":";
            CHECK_THROWS_AS(read(path), InputError);
            CHECK_THROWS_WITH(read(path), Contains(location) && Contains(errorCase.expected));
        }
    }
}

const char* const kAtom = "atom 0 0 0 H 0 0 0 0 0\n";
const char* const kCubicLattice = "lattice 5 0 0\nlattice 0 5 0\nlattice 0 0 5\n";

TEST_CASE("input.data errors name file and line", "[io]") {
    const std::string atom = kAtom;
    const std::string lattice = kCubicLattice;
    // The strings must outlive the table.
    const std::string oneLattice = "begin\nlattice 5 0 0\n" + atom + "end\n";
    const std::string twoLattices = "begin\nlattice 5 0 0\nlattice 0 5 0\n" + atom + "end\n";
    const std::string fourLattices = "begin\n" + lattice + "lattice 0 0 5\n" + atom + "end\n";
    const std::string missingEnd = "begin\n" + atom + atom;
    const std::string nestedBegin = "begin\n" + atom + "begin\n" + atom + "end\n";
    const std::string twoEnergies = "begin\n" + atom + "energy 1\nenergy 2\nend\n";
    const std::string secondBlockError = "begin\n" + atom + "end\n\nbegin\n" + atom +
                                         "atom 0 0 0 H 0 0 0 0 zero\nend\n";

    std::vector<ErrorCase> cases = {
        {"invalid number", "begin\natom 0 abc 0 H 0 0 0 0 0\nend\n", 2,
         "invalid number 'abc' for y (column 3) of 'atom' line, expected 'atom x y z element"},
        {"nan", "begin\natom 0 0 nan H 0 0 0 0 0\nend\n", 2, "non-finite number 'nan'"},
        {"infinity", "begin\natom 0 0 0 H 0 0 0 0 -inf\nend\n", 2, "non-finite number '-inf'"},
        {"out of range", "begin\natom 0 0 0 H 0 0 0 1e999 0\nend\n", 2,
         "out of the range of a double '1e999'"},
        {"trailing garbage in number", "begin\natom 0 0 0 H 0 0 1.0x 0 0\nend\n", 2, "'1.0x'"},
        {"too few columns", "begin\natom 0 0 0 H 0 0 0 0\nend\n", 2,
         "'atom' line has 9 columns, expected 10"},
        {"too many columns", "begin\natom 0 0 0 H 0 0 0 0 0 0\nend\n", 2,
         "'atom' line has 11 columns, expected 10"},
        {"element is a number", "begin\natom 0 0 0 1 0 0 0 0 0\nend\n", 2,
         "invalid element symbol '1'"},
        {"atom before begin", "atom 0 0 0 H 0 0 0 0 0\n", 1,
         "'atom' line outside a structure, expected 'begin' first"},
        {"end before begin", "\nend\n", 2, "'end' line outside a structure"},
        {"missing end", missingEnd.c_str(), 1, "missing 'end'"},
        {"nested begin", nestedBegin.c_str(), 3, "'begin' inside the structure that begins at line 1"},
        {"one lattice line", oneLattice.c_str(), 4, "has 1 'lattice' lines, expected 3"},
        {"two lattice lines", twoLattices.c_str(), 5, "has 2 'lattice' lines, expected 3"},
        {"four lattice lines", fourLattices.c_str(), 5, "fourth 'lattice' line"},
        {"lattice with two values", "begin\nlattice 5 0\n", 2, "'lattice' line has 3 columns, expected 4"},
        {"no atoms", "begin\nenergy 1\nend\n", 3, "has no 'atom' lines"},
        {"unknown keyword in block", "begin\natom 0 0 0 H 0 0 0 0 0\nforce 1 2 3\nend\n", 3,
         "unknown keyword 'force'"},
        {"unknown keyword outside block", "# fine\nbgein\n", 2, "unknown keyword 'bgein', expected 'begin'"},
        {"uppercase keyword", "BEGIN\n", 1, "unknown keyword 'BEGIN'"},
        {"energy with two values", "begin\natom 0 0 0 H 0 0 0 0 0\nenergy 1 2\nend\n", 3,
         "'energy' line has 3 columns, expected 2"},
        {"energy without value", "begin\natom 0 0 0 H 0 0 0 0 0\nenergy\nend\n", 3,
         "'energy' line has 1 columns, expected 2"},
        {"invalid charge", "begin\natom 0 0 0 H 0 0 0 0 0\ncharge none\nend\n", 3,
         "invalid number 'none'"},
        {"two energy lines", twoEnergies.c_str(), 4, "second 'energy' line"},
        {"text after end", "begin\natom 0 0 0 H 0 0 0 0 0\nend now\n", 3, "unexpected text 'now'"},
        {"unknown begin argument", "begin set=validation\n", 1, "unexpected text 'set=validation'"},
        {"error in second structure", secondBlockError.c_str(), 7, "'zero'"},
    };
    checkErrorCases(cases, "bad.data", bpnn::readRunnerData);
}

TEST_CASE("input.data missing file", "[io]") {
    TemporaryDirectory directory;
    const std::string path = directory.file("missing.data");
    CHECK_THROWS_AS(bpnn::readRunnerData(path), InputError);
    CHECK_THROWS_WITH(bpnn::readRunnerData(path),
                      Contains(path + ": cannot open structure file"));
}

TEST_CASE("input.data directory instead of file", "[io]") {
    TemporaryDirectory directory;
    const std::string path = directory.file("");
    CHECK_THROWS_WITH(bpnn::readRunnerData(path), Contains(path) && Contains("is a directory"));
}

TEST_CASE("input.data writer rejects bad structures", "[io]") {
    TemporaryDirectory directory;
    const std::string path = directory.file("out.data");
    std::mt19937_64 generator(7);

    Structure slab = randomStructure(generator, 2, {true, true, false}, "slab");
    CHECK_THROWS_WITH(bpnn::writeRunnerData(path, {slab}),
                      Contains("periodic in only some directions"));

    Structure multiline = randomStructure(generator, 2, {false, false, false}, "two\nlines");
    CHECK_THROWS_WITH(bpnn::writeRunnerData(path, {multiline}), Contains("line break"));

    Structure nan = randomStructure(generator, 2, {false, false, false}, "");
    nan.positions[1][2] = std::nan("");
    CHECK_THROWS_WITH(bpnn::writeRunnerData(path, {nan}), Contains("non-finite position"));

    Structure shortForces = randomStructure(generator, 3, {false, false, false}, "");
    shortForces.forces.pop_back();
    CHECK_THROWS_WITH(bpnn::writeRunnerData(path, {shortForces}),
                      Contains("forces has 2 entries, expected 3"));

    Structure empty;
    CHECK_THROWS_WITH(bpnn::writeRunnerData(path, {empty}), Contains("no atoms"));

    CHECK_THROWS_WITH(bpnn::writeRunnerData(directory.file("no/such/dir.data"), {shortForces}),
                      Contains("forces"));
    Structure valid = randomStructure(generator, 1, {false, false, false}, "");
    CHECK_THROWS_WITH(bpnn::writeRunnerData(directory.file("no/such/dir.data"), {valid}),
                      Contains("no/such/dir.data: cannot open file for writing"));
}

TEST_CASE("input.data writer fills missing columns", "[io]") {
    TemporaryDirectory directory;
    Structure s;
    s.symbols = {"H", "H"};
    s.positions = {Vec3{0.0, 0.0, 0.0}, Vec3{0.0, 0.0, 1.4}};
    const std::string path = directory.file("minimal.data");
    bpnn::writeRunnerData(path, {s});
    std::vector<Structure> read = bpnn::readRunnerData(path);
    REQUIRE(read.size() == 1);
    CHECK(read[0].positions == s.positions);
    CHECK(read[0].charges == std::vector<double>{0.0, 0.0});
    CHECK(read[0].atomEnergies == std::vector<double>{0.0, 0.0});
    CHECK(read[0].forces == std::vector<Vec3>{Vec3{0.0, 0.0, 0.0}, Vec3{0.0, 0.0, 0.0}});
    CHECK_FALSE(read[0].hasEnergy);
}

// ---------------------------------------------------------------------------
// Extended XYZ

TEST_CASE("extended XYZ sample file", "[io]") {
    std::vector<Structure> structures = bpnn::readExtendedXyz(sampleFile("sample.xyz"));
    REQUIRE(structures.size() == 2);

    const Structure& cell = structures[0];
    CHECK(cell.line == 1);
    CHECK(cell.comment.empty());
    CHECK(cell.periodic == std::array<bool, 3>{true, true, true});
    CHECK(cell.cell[1] == Vec3{1.0, 7.5589045088, 0.0});
    CHECK(cell.cell[2] == Vec3{0.0, -0.5, 7.5589045088});
    CHECK(cell.symbols == std::vector<std::string>{"Li", "H"});
    CHECK(cell.positions[1] == Vec3{3.77945225, 3.77945225, 3.77945225});
    CHECK(cell.forces[0] == Vec3{-0.02896603, 0.001, 0.0});
    CHECK(cell.energy == -8.070123456789012);
    CHECK(cell.hasEnergy);
    CHECK(cell.hasForces);
    CHECK(cell.charges == std::vector<double>{0.0, 0.0});

    const Structure& water = structures[1];
    CHECK(water.line == 5);
    CHECK(water.comment == "water molecule");
    CHECK_FALSE(water.isPeriodic());
    CHECK(water.symbols == std::vector<std::string>{"O", "H", "H"});
    CHECK(water.positions[2] == Vec3{0.0, -1.43042, -0.88572});
    CHECK(water.forces[0] == Vec3{0.0, 0.0, 1.25});
    CHECK(water.energy == -76.4);
}

TEST_CASE("extended XYZ round trip bit for bit", "[io]") {
    TemporaryDirectory directory;
    std::mt19937_64 generator(99);
    std::vector<Structure> written;
    written.push_back(randomStructure(generator, 6, {true, true, true}, "bulk"));
    written.push_back(randomStructure(generator, 4, {true, true, false}, "slab with \"quotes\" \\ and = signs"));
    written.push_back(randomStructure(generator, 3, {false, false, true}, "wire"));
    written.push_back(randomStructure(generator, 2, {false, false, false}, ""));
    written[3].hasEnergy = false;
    written[3].energy = 0.0;

    const std::string path = directory.file("round_trip.xyz");
    bpnn::writeExtendedXyz(path, written);
    std::vector<Structure> read = bpnn::readExtendedXyz(path);

    REQUIRE(read.size() == written.size());
    for (std::size_t s = 0; s < written.size(); ++s) {
        INFO("structure " << s);
        checkSameGeometry(read[s], written[s]);
        CHECK(read[s].hasForces);
    }
}

TEST_CASE("extended XYZ without forces", "[io]") {
    TemporaryDirectory directory;
    std::mt19937_64 generator(5);
    Structure s = randomStructure(generator, 3, {false, false, false}, "");
    s.hasForces = false;
    const std::string path = directory.file("no_forces.extxyz");
    bpnn::writeStructures(path, {s});
    CHECK_THAT(readText(path), Contains("Properties=species:S:1:pos:R:3 "));

    std::vector<Structure> read = bpnn::readStructures(path);
    REQUIRE(read.size() == 1);
    CHECK_FALSE(read[0].hasForces);
    CHECK(read[0].forces == std::vector<Vec3>(3, Vec3{0.0, 0.0, 0.0}));
    for (std::size_t i = 0; i < 3; ++i) checkSameVectorBits(read[0].positions[i], s.positions[i]);
}

TEST_CASE("extended XYZ atom energies column", "[io]") {
    TemporaryDirectory directory;
    std::mt19937_64 generator(11);
    std::vector<Structure> structures = {randomStructure(generator, 2, {true, true, true}, ""),
                                         randomStructure(generator, 3, {false, false, false}, "")};
    std::vector<std::vector<double>> energies = {{0.1, -1.0 / 3.0}, {1e-300, -0.0, 2.5}};
    const std::string path = directory.file("energies.xyz");
    bpnn::writeExtendedXyz(path, structures, &energies);

    // Read the last column by hand, independent of the reader under test.
    std::istringstream text(readText(path));
    std::string line;
    for (std::size_t s = 0; s < structures.size(); ++s) {
        std::getline(text, line);
        CHECK(line == std::to_string(structures[s].size()));
        std::getline(text, line);
        CHECK_THAT(line, Contains("Properties=species:S:1:pos:R:3:forces:R:3:energies:R:1"));
        for (std::size_t i = 0; i < structures[s].size(); ++i) {
            std::getline(text, line);
            std::size_t lastSpace = line.find_last_of(' ');
            CHECK_SAME_BITS(std::strtod(line.c_str() + lastSpace + 1, nullptr), energies[s][i]);
        }
    }

    // The reader skips the extra column.
    std::vector<Structure> read = bpnn::readExtendedXyz(path);
    REQUIRE(read.size() == 2);
    checkSameGeometry(read[1], structures[1]);

    std::vector<std::vector<double>> wrongCount = {{0.1, 0.2}};
    CHECK_THROWS_AS(bpnn::writeExtendedXyz(path, structures, &wrongCount), std::invalid_argument);
    std::vector<std::vector<double>> wrongLength = {{0.1, 0.2}, {0.3}};
    CHECK_THROWS_WITH(bpnn::writeExtendedXyz(path, structures, &wrongLength),
                      Contains("has 1 entries, expected 3"));
}

TEST_CASE("extended XYZ accepted variants", "[io]") {
    TemporaryDirectory directory;
    const std::string path = directory.write(
        "variants.xyz",
        "1\n"
        "lattice = \"2 0 0 0 3 0 0 0 4\" PROPERTIES=species:S:1:flag:L:1:pos:R:3:force:R:3"
        " Energy=-1.5 PBC=\"T F T\" isolated Comment=\"a \\\"quoted\\\" word\"\n"
        "Na T 0.5 0.25 -0.125 1 2 3\n"
        "\n"
        "2\n"
        "\n"
        "C 0 0 0\n"
        "O 0 0 1.128\n"
        "\n");
    std::vector<Structure> read = bpnn::readExtendedXyz(path);
    REQUIRE(read.size() == 2);

    CHECK(read[0].cell[2] == Vec3{0.0, 0.0, 4.0});
    CHECK(read[0].periodic == std::array<bool, 3>{true, false, true});
    CHECK(read[0].symbols == std::vector<std::string>{"Na"});
    CHECK(read[0].positions[0] == Vec3{0.5, 0.25, -0.125});
    CHECK(read[0].forces[0] == Vec3{1.0, 2.0, 3.0});
    CHECK(read[0].energy == -1.5);
    CHECK(read[0].comment == "a \"quoted\" word");

    CHECK(read[1].line == 5);
    CHECK_FALSE(read[1].isPeriodic());
    CHECK_FALSE(read[1].hasEnergy);
    CHECK_FALSE(read[1].hasForces);
    CHECK(read[1].positions[1] == Vec3{0.0, 0.0, 1.128});
}

TEST_CASE("extended XYZ errors name file and line", "[io]") {
    std::vector<ErrorCase> cases = {
        {"count not a number", "abc\n\nH 0 0 0\n", 1, "invalid atom count 'abc', expected a positive integer"},
        {"count zero", "0\n\n", 1, "invalid atom count '0'"},
        {"count negative", "-2\n\n", 1, "invalid atom count '-2'"},
        {"count not an integer", "2.0\n\nH 0 0 0\nH 0 0 1\n", 1, "invalid atom count '2.0'"},
        {"count with extra text", "2 atoms\n\nH 0 0 0\nH 0 0 1\n", 1, "invalid atom count '2 atoms'"},
        {"missing comment line", "\n3\n", 2, "the file ends after the atom count"},
        {"fewer atom lines than atoms", "3\nenergy=1\nH 0 0 0\nH 0 0 1\n", 4,
         "the file ends after 2 of 3 atom lines of the frame that begins at line 1"},
        {"second frame short", "1\n\nH 0 0 0\n2\n\nH 0 0 0\n", 6, "after 1 of 2 atom lines"},
        {"properties without species", "1\nProperties=pos:R:3\n0 0 0\n", 2, "species is missing"},
        {"properties without pos", "1\nProperties=species:S:1:forces:R:3\nH 0 0 0\n", 2,
         "pos is missing"},
        {"properties bad type", "1\nProperties=species:S:1:pos:X:3\nH 0 0 0\n", 2,
         "unknown type 'X' of 'pos'"},
        {"properties bad count", "1\nProperties=species:S:1:pos:R:three\nH 0 0 0\n", 2,
         "invalid count 'three' of 'pos'"},
        {"properties incomplete", "1\nProperties=species:S:1:pos:R\nH 0 0 0\n", 2,
         "are not a multiple of 3"},
        {"pos with two columns", "1\nProperties=species:S:1:pos:R:2\nH 0 0\n", 2,
         "'pos:R:2' has the wrong type or count, expected pos:R:3"},
        {"lattice with 8 numbers", "1\nLattice=\"1 0 0 0 1 0 0 0\"\nH 0 0 0\n", 2,
         "has 8 values, expected 9 numbers"},
        {"lattice with 10 numbers", "1\nLattice=\"1 0 0 0 1 0 0 0 1 0\"\nH 0 0 0\n", 2,
         "has 10 values, expected 9 numbers"},
        {"lattice with text", "1\nLattice=\"1 0 0 0 one 0 0 0 1\"\nH 0 0 0\n", 2, "invalid number 'one'"},
        {"lattice given twice", "1\nLattice=\"1 0 0 0 1 0 0 0 1\" lattice=\"1 0 0 0 1 0 0 0 1\"\nH 0 0 0\n",
         2, "is given twice"},
        {"energy nan", "1\nenergy=nan\nH 0 0 0\n", 2, "non-finite number 'nan' in energy="},
        {"pbc with two values", "1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"T T\"\nH 0 0 0\n", 2,
         "invalid pbc='T T'"},
        {"pbc without lattice", "1\npbc=\"T T T\"\nH 0 0 0\n", 2, "Lattice is missing"},
        {"unterminated quote", "1\ncomment=\"open\nH 0 0 0\n", 2, "unterminated quote"},
        {"missing key", "1\n=5\nH 0 0 0\n", 2, "missing key before '=5'"},
        {"too few columns", "2\n\nH 0 0 0\nH 0 0\n", 4, "has 3 columns, expected 4"},
        {"too many columns", "1\n\nH 0 0 0 1\n", 3, "has 5 columns, expected 4"},
        {"invalid position", "1\n\nH 0 0 zero\n", 3, "invalid number 'zero' in column 4"},
        {"infinite force", "1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 0 inf 0\n", 3,
         "non-finite number 'inf' in column 6"},
        {"invalid integer column", "1\nProperties=species:S:1:pos:R:3:Z:I:1\nH 0 0 0 1.5\n", 3,
         "invalid integer '1.5' in column 5 (property 'Z' of type I), expected an integer"},
        {"invalid logical column", "1\nProperties=species:S:1:pos:R:3:fixed:L:1\nH 0 0 0 yes\n", 3,
         "invalid logical value 'yes'"},
        {"species is a number", "1\n\n1 0 0 0\n", 3, "invalid element symbol '1'"},
    };
    checkErrorCases(cases, "bad.xyz", bpnn::readExtendedXyz);
}

TEST_CASE("extended XYZ missing file", "[io]") {
    TemporaryDirectory directory;
    const std::string path = directory.file("missing.xyz");
    CHECK_THROWS_AS(bpnn::readStructures(path), InputError);
    CHECK_THROWS_WITH(bpnn::readStructures(path), Contains(path + ": cannot open structure file"));
}

TEST_CASE("structure format chosen by extension", "[io]") {
    TemporaryDirectory directory;
    std::mt19937_64 generator(3);
    std::vector<Structure> written = {randomStructure(generator, 2, {true, true, true}, "x")};

    for (const char* name : {"a.xyz", "b.EXTXYZ", "c.Xyz"}) {
        const std::string path = directory.file(name);
        bpnn::writeStructures(path, written);
        CHECK_THAT(readText(path), Contains("Properties=species:S:1:pos:R:3"));
        std::vector<Structure> read = bpnn::readStructures(path);
        REQUIRE(read.size() == 1);
        checkSameGeometry(read[0], written[0]);
    }

    std::vector<std::vector<double>> energies = {{0.25, -0.5}};
    for (const char* name : {"input.data", "structures.txt", "noextension"}) {
        const std::string path = directory.file(name);
        bpnn::writeStructures(path, written, &energies);
        CHECK_THAT(readText(path), Contains("begin\n"));
        std::vector<Structure> read = bpnn::readStructures(path);
        REQUIRE(read.size() == 1);
        checkSameGeometry(read[0], written[0]);
        CHECK(read[0].atomEnergies == energies[0]);
    }
}

}  // namespace

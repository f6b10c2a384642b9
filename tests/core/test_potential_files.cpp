// SPDX-License-Identifier: GPL-2.0-or-later
// Reading and writing potential files: bit-for-bit round trips, and an
// error that names file and line for each kind of bad input.
#include "core/errors.h"
#include "core/potential.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

using namespace bpnn;
namespace fs = std::filesystem;

namespace {

void requireIdentical(const Potential& a, const Potential& b) {
    REQUIRE(a.elements.size() == b.elements.size());
    CHECK(a.cutoffType == b.cutoffType);
    CHECK(a.cutoffAlpha == b.cutoffAlpha);
    CHECK(a.scaling == b.scaling);
    CHECK(a.scaleMin == b.scaleMin);
    CHECK(a.scaleMax == b.scaleMax);
    CHECK(a.normalize == b.normalize);
    CHECK(a.meanEnergy == b.meanEnergy);
    CHECK(a.convEnergy == b.convEnergy);
    CHECK(a.convLength == b.convLength);
    CHECK(a.normalizeNodes == b.normalizeNodes);

    for (std::size_t e = 0; e < a.elements.size(); ++e) {
        const ElementModel& x = a.elements[e];
        const ElementModel& y = b.elements[e];
        CHECK(x.symbol == y.symbol);
        CHECK(x.energyOffset == y.energyOffset);
        REQUIRE(x.symmetryFunctions.size() == y.symmetryFunctions.size());
        for (std::size_t s = 0; s < x.symmetryFunctions.size(); ++s) {
            const SymmetryFunction& p = x.symmetryFunctions[s];
            const SymmetryFunction& q = y.symmetryFunctions[s];
            INFO("element " << x.symbol << " function " << s + 1);
            CHECK(p.type == q.type);
            CHECK(p.neighbor1 == q.neighbor1);
            CHECK(p.neighbor2 == q.neighbor2);
            CHECK(p.rc == q.rc);
            CHECK(p.eta == q.eta);
            CHECK(p.rs == q.rs);
            CHECK(p.lambda == q.lambda);
            CHECK(p.zeta == q.zeta);
            CHECK(p.rl == q.rl);
            CHECK(p.angleLeft == q.angleLeft);
            CHECK(p.angleRight == q.angleRight);
            CHECK(p.subtype == q.subtype);

            CHECK(p.gmin == q.gmin);
            CHECK(p.gmax == q.gmax);
            CHECK(p.gmean == q.gmean);
            CHECK(p.gsigma == q.gsigma);
        }
        REQUIRE(x.layers.size() == y.layers.size());
        for (std::size_t l = 0; l < x.layers.size(); ++l) {
            CHECK(x.layers[l].activation == y.layers[l].activation);
            CHECK(x.layers[l].weights == y.layers[l].weights);
            CHECK(x.layers[l].bias == y.layers[l].bias);
        }
    }
}

// A copy of the water potential in a fresh directory.
std::string waterCopy() {
    const std::string dir = test::makeTempDir("water");
    for (const auto& entry : fs::directory_iterator(test::dataPath("potentials/H2O_RPBE-D3"))) {
        fs::copy_file(entry.path(), fs::path(dir) / entry.path().filename());
    }
    return dir;
}

std::vector<std::string> readLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

void writeLines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream out(path);
    for (const std::string& line : lines) out << line << '\n';
}

// 1-based number of the first line that starts with prefix.
std::size_t findLine(const std::vector<std::string>& lines, const std::string& prefix) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind(prefix, 0) == 0) return i + 1;
    }
    FAIL("no line starts with " << prefix);
    return 0;
}

// Edits one file of a water copy and returns the message of the reading error.
std::string readingError(const std::string& file, const std::function<std::size_t(std::vector<std::string>&)>& edit,
                         std::string& expectedLocation) {
    const std::string dir = waterCopy();
    const std::string path = dir + "/" + file;
    std::vector<std::string> lines = readLines(path);
    const std::size_t line = edit(lines);
    writeLines(path, lines);
    expectedLocation = file + (line > 0 ? ":" + std::to_string(line) : std::string());
    try {
        readPotential(dir);
    } catch (const InputError& error) {
        return error.what();
    }
    FAIL("reading " << path << " succeeded although it was edited to be invalid");
    return "";
}

}  // namespace

TEST_CASE("written potential reads back bit for bit", "[potential-files]") {
    const Potential water = readPotential(test::dataPath("potentials/H2O_RPBE-D3"));
    const std::string dir = test::makeTempDir("roundtrip");
    writePotential(water, dir, false);
    requireIdentical(water, readPotential(dir));

    std::mt19937 random(3);
    Potential synthetic = test::makeSyntheticPotential(CutoffType::Exp, 0.25, Activation::Softplus, random);
    synthetic.normalizeNodes = true;
    const std::string other = test::makeTempDir("roundtrip-synthetic");
    writePotential(synthetic, other, false);
    requireIdentical(synthetic, readPotential(other));
}

TEST_CASE("writing refuses to overwrite a potential", "[potential-files]") {
    const Potential water = readPotential(test::dataPath("potentials/H2O_RPBE-D3"));
    const std::string dir = test::makeTempDir("overwrite");
    writePotential(water, dir, false);
    const auto before = fs::last_write_time(dir + "/input.nn");
    CHECK_THROWS_WITH(writePotential(water, dir, false), Catch::Contains("input.nn") && Catch::Contains("exists"));
    CHECK(fs::last_write_time(dir + "/input.nn") == before);
    CHECK_NOTHROW(writePotential(water, dir, true));
}

TEST_CASE("reading errors name file and line", "[potential-files]") {
    struct Case {
        const char* description;
        const char* file;
        std::function<std::size_t(std::vector<std::string>&)> edit;
        const char* expectedText;
    };
    const std::vector<Case> cases = {
        {"malformed number in input.nn", "input.nn",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "scale_min_short"); l[n - 1] = "scale_min_short 0.0x"; return n; },
         "invalid scale_min_short '0.0x'"},
        {"unknown element in a symmetry function", "input.nn",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "symfunction_short H 2 O 0.001"); l[n - 1] = "symfunction_short H 2 C 0.001 0.0 12.00"; return n; },
         "element 'C' is not in the 'elements' list"},
        {"unknown symmetry function type", "input.nn",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "symfunction_short H 2 O 0.001"); l[n - 1] = "symfunction_short H 7 O 0.001 0.0 12.00"; return n; },
         "unknown symmetry function type 7"},
        {"missing symmetry function parameter", "input.nn",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "symfunction_short H 2 O 0.001"); l[n - 1] = "symfunction_short H 2 O 0.001 0.0"; return n; },
         "symmetry function type 2 expects"},
        {"4G-HDNNP keyword", "input.nn",
         [](std::vector<std::string>& l) { l.push_back("ewald_prec 1.0e-6"); return l.size(); },
         "'ewald_prec' belongs to a 4G-HDNNP"},
        {"4G-HDNNP type", "input.nn",
         [](std::vector<std::string>& l) { l.push_back("nnp_type 4G-HDNNP"); return l.size(); },
         "only second-generation HDNNPs"},
        {"inconsistent element count", "input.nn",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "elements"); l[n - 1] = "elements H O Cu"; return n; },
         "'elements' lists 3 element(s)"},
        {"cutoff type out of range", "input.nn",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "cutoff_type"); l[n - 1] = "cutoff_type 9"; return n; },
         "invalid cutoff type 9"},
        {"unknown activation", "input.nn",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "global_activation_short"); l[n - 1] = "global_activation_short t x l"; return n; },
         "unknown activation 'x'"},
        {"repeated keyword", "input.nn",
         [](std::vector<std::string>& l) { l.push_back("cutoff_type 2"); return l.size(); },
         "keyword 'cutoff_type' repeats line"},
        {"scaling line of another function", "scaling.data",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "         1          2"); l[n - 1] = "         1          5   0.1 0.2 0.15 0.01"; return n; },
         "does not match the symmetry functions"},
        {"malformed scaling number", "scaling.data",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "         2          3"); l[n - 1] = "         2          3   0.1 zero 0.15 0.01"; return n; },
         "invalid G_max 'zero'"},
        {"scaling data too short", "scaling.data",
         [](std::vector<std::string>& l) { l.pop_back(); l.pop_back(); return std::size_t(0); },
         "scaling data ends before symmetry function"},
        {"malformed weight", "weights.008.data",
         [](std::vector<std::string>& l) { std::size_t n = findLine(l, "  1.25"); l[n - 1] = "  1.2.5 a 1 0 1 1 1"; return n; },
         "invalid weight '1.2.5'"},
        {"weight count not fitting the architecture", "weights.001.data",
         [](std::vector<std::string>& l) { l.pop_back(); return l.size(); },
         "found 1375 weights but the network of H in input.nn needs 1376"},
        {"nan weight", "weights.001.data",
         [](std::vector<std::string>& l) { std::size_t n = l.size(); l[n - 1] = "nan b 1376 3 1"; return n; },
         "invalid weight 'nan'"},
    };
    for (const Case& c : cases) {
        DYNAMIC_SECTION(c.description) {
            std::string location;
            const std::string message = readingError(c.file, c.edit, location);
            CHECK_THAT(message, Catch::Contains(location));
            CHECK_THAT(message, Catch::Contains(c.expectedText));
        }
    }
}

TEST_CASE("missing potential files are named", "[potential-files]") {
    SECTION("weights file") {
        const std::string dir = waterCopy();
        fs::remove(dir + "/weights.008.data");
        CHECK_THROWS_WITH(readPotential(dir), Catch::Contains("weights.008.data") && Catch::Contains("cannot open"));
    }
    SECTION("scaling file") {
        const std::string dir = waterCopy();
        fs::remove(dir + "/scaling.data");
        CHECK_THROWS_WITH(readPotential(dir), Catch::Contains("scaling.data") && Catch::Contains("cannot open"));
    }
    SECTION("settings file") {
        const std::string dir = test::makeTempDir("empty");
        CHECK_THROWS_WITH(readPotential(dir), Catch::Contains("input.nn") && Catch::Contains("cannot open"));
    }
}

TEST_CASE("unknown keywords are reported as warnings", "[potential-files]") {
    const std::string dir = waterCopy();
    std::ofstream(dir + "/input.nn", std::ios::app) << "runner_mode 3\n";
    const Potential potential = readPotential(dir);
    REQUIRE(potential.warnings.size() == 1);
    CHECK_THAT(potential.warnings[0], Catch::Contains("input.nn:") && Catch::Contains("'runner_mode'"));
}

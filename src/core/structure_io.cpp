// SPDX-License-Identifier: GPL-2.0-or-later
#include "structure_io.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string_view>
#include <system_error>

namespace bpnn {

namespace {

// ---------------------------------------------------------------------------
// Shared helpers for reading.

std::string quote(std::string_view text) { return "'" + std::string(text) + "'"; }

std::vector<std::string_view> splitWhitespace(std::string_view text) {
    std::vector<std::string_view> tokens;
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
        std::size_t start = pos;
        while (pos < text.size() && !std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
        if (pos > start) tokens.push_back(text.substr(start, pos - start));
    }
    return tokens;
}

std::string_view trim(std::string_view text) {
    std::size_t first = 0;
    while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
    std::size_t last = text.size();
    while (last > first && std::isspace(static_cast<unsigned char>(text[last - 1]))) --last;
    return text.substr(first, last - first);
}

bool isBlankOrHashComment(std::string_view line) {
    std::string_view content = trim(line);
    return content.empty() || content.front() == '#';
}

// Parses a complete token as a finite double. Accepts a leading '+' and the
// Fortran exponent letter D. Returns nullptr on success and otherwise the
// reason for the failure.
const char* parseDouble(std::string_view token, double& value) {
    std::string text(token);
    if (text.size() > 1 && text[0] == '+' && text[1] != '+' && text[1] != '-') text.erase(0, 1);
    std::replace_if(text.begin(), text.end(), [](char c) { return c == 'd' || c == 'D'; }, 'E');
    if (text.empty()) return "invalid number";
    const char* first = text.data();
    const char* last = first + text.size();
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec == std::errc::result_out_of_range) return "number out of the range of a double";
    if (ec != std::errc() || ptr != last) return "invalid number";
    if (!std::isfinite(value)) return "non-finite number";
    return nullptr;
}

// Parses a complete token as a decimal integer, optionally signed.
bool parseInteger(std::string_view token, long long& value) {
    if (token.size() > 1 && token[0] == '+' && token[1] != '-') token.remove_prefix(1);
    const char* last = token.data() + token.size();
    auto [ptr, ec] = std::from_chars(token.data(), last, value);
    return ec == std::errc() && ptr == last;
}

// Parses the logical values T, F, True, False, true, false, TRUE and FALSE.
bool parseLogical(std::string_view token, bool& value) {
    if (token == "T" || token == "True" || token == "true" || token == "TRUE") {
        value = true;
        return true;
    }
    if (token == "F" || token == "False" || token == "false" || token == "FALSE") {
        value = false;
        return true;
    }
    return false;
}

bool isElementSymbol(std::string_view token) {
    return !token.empty() && std::isalpha(static_cast<unsigned char>(token.front()));
}

// Reads a text file line by line and counts lines from 1.
class LineReader {
public:
    explicit LineReader(const std::string& path) : path_(path) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            throw InputError(path, 0, "cannot read structure file, the path is a directory");
        }
        stream_.open(path);
        if (!stream_.is_open()) {
            throw InputError(path, 0,
                             std::string("cannot open structure file: ") + std::strerror(errno));
        }
    }

    // Reads the next line without its line break and without a byte order
    // mark. Returns false at the end of the file and throws InputError for a
    // read error.
    bool next(std::string& line) {
        if (!std::getline(stream_, line)) {
            if (stream_.bad()) throw InputError(path_, line_ + 1, "reading the file failed");
            return false;
        }
        ++line_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        // Some editors start UTF-8 files with a byte order mark.
        if (line_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
        return true;
    }

    std::size_t line() const { return line_; }

private:
    std::string path_;
    std::ifstream stream_;
    std::size_t line_ = 0;
};

// ---------------------------------------------------------------------------
// input.data reading.

constexpr const char* kAtomSyntax = "'atom x y z element charge energy fx fy fz'";

// Parser state for the structure between a "begin" and an "end" line.
class RunnerBlockParser {
public:
    RunnerBlockParser(const std::string& path, std::size_t beginLine) : path_(path) {
        structure_.line = beginLine;
        structure_.hasForces = true;
    }

    // Adds one non-blank line of the block. Returns true after its "end" line.
    bool addLine(std::size_t line, std::string_view text,
                 const std::vector<std::string_view>& tokens) {
        line_ = line;
        std::string_view keyword = tokens[0];
        if (keyword == "atom") {
            addAtom(tokens);
        } else if (keyword == "lattice") {
            addLattice(tokens);
        } else if (keyword == "energy") {
            structure_.energy = parseSingleValue(tokens, energyLine_);
            structure_.hasEnergy = true;
        } else if (keyword == "charge") {
            structure_.totalCharge = parseSingleValue(tokens, chargeLine_);
        } else if (keyword == "comment") {
            addComment(text);
        } else if (keyword == "end") {
            finish(tokens);
            return true;
        } else if (keyword == "begin") {
            fail("'begin' inside the structure that begins at line " +
                 std::to_string(structure_.line) + ", expected 'end' first");
        } else {
            fail("unknown keyword " + quote(keyword) +
                 " inside a structure, expected one of comment, lattice, atom, energy, "
                 "charge, end");
        }
        return false;
    }

    Structure take() { return std::move(structure_); }

private:
    [[noreturn]] void fail(const std::string& message) const {
        throw InputError(path_, line_, message);
    }

    double parseNumber(std::string_view token, std::size_t column, const char* field,
                       std::string_view keyword, const std::string& syntax) const {
        double value = 0.0;
        if (const char* reason = parseDouble(token, value)) {
            fail(std::string(reason) + " " + quote(token) + " for " + field + " (column " +
                 std::to_string(column) + ") of " + quote(keyword) + " line, expected " +
                 syntax);
        }
        return value;
    }

    void checkColumnCount(const std::vector<std::string_view>& tokens, std::size_t expected,
                          const std::string& syntax) const {
        if (tokens.size() != expected) {
            fail(quote(tokens[0]) + " line has " + std::to_string(tokens.size()) +
                 " columns, expected " + std::to_string(expected) + ": " + syntax);
        }
    }

    void addAtom(const std::vector<std::string_view>& tokens) {
        checkColumnCount(tokens, 10, kAtomSyntax);
        static const char* const fields[10] = {"",       "x",      "y",  "z",  "element",
                                               "charge", "energy", "fx", "fy", "fz"};
        double values[10] = {};
        for (std::size_t column = 1; column < 10; ++column) {
            if (column == 4) continue;
            values[column] = parseNumber(tokens[column], column + 1, fields[column], "atom",
                                         kAtomSyntax);
        }
        if (!isElementSymbol(tokens[4])) {
            fail("invalid element symbol " + quote(tokens[4]) +
                 " (column 5) of 'atom' line, expected a name starting with a letter: " +
                 kAtomSyntax);
        }
        structure_.positions.push_back({values[1], values[2], values[3]});
        structure_.symbols.emplace_back(tokens[4]);
        structure_.charges.push_back(values[5]);
        structure_.atomEnergies.push_back(values[6]);
        structure_.forces.push_back({values[7], values[8], values[9]});
    }

    void addLattice(const std::vector<std::string_view>& tokens) {
        const std::string syntax = "'lattice ax ay az'";
        if (latticeCount_ == 3) {
            fail("fourth 'lattice' line in the structure that begins at line " +
                 std::to_string(structure_.line) + ", expected exactly 3 (periodic) or none "
                 "(cluster)");
        }
        checkColumnCount(tokens, 4, syntax);
        static const char* const fields[3] = {"ax", "ay", "az"};
        Vec3& vector = structure_.cell[latticeCount_];
        for (std::size_t k = 0; k < 3; ++k) {
            vector[k] = parseNumber(tokens[k + 1], k + 2, fields[k], "lattice", syntax);
        }
        ++latticeCount_;
    }

    double parseSingleValue(const std::vector<std::string_view>& tokens,
                            std::size_t& previousLine) {
        const std::string syntax = quote(std::string(tokens[0]) + " value");
        if (previousLine != 0) {
            fail("second " + quote(tokens[0]) + " line in the structure, the first is at line " +
                 std::to_string(previousLine) + ", expected one");
        }
        checkColumnCount(tokens, 2, syntax);
        previousLine = line_;
        return parseNumber(tokens[1], 2, "the value", tokens[0], syntax);
    }

    void addComment(std::string_view text) {
        if (commentLine_ != 0) {
            fail("second 'comment' line in the structure, the first is at line " +
                 std::to_string(commentLine_) + ", expected one");
        }
        commentLine_ = line_;
        std::string_view content = trim(text);
        content.remove_prefix(std::string_view("comment").size());
        structure_.comment = std::string(trim(content));
    }

    void finish(const std::vector<std::string_view>& tokens) {
        if (tokens.size() != 1) {
            fail("unexpected text " + quote(tokens[1]) + " after 'end', expected 'end' alone");
        }
        if (latticeCount_ != 0 && latticeCount_ != 3) {
            fail("the structure that begins at line " + std::to_string(structure_.line) +
                 " has " + std::to_string(latticeCount_) +
                 " 'lattice' lines, expected 3 (periodic) or none (cluster)");
        }
        if (structure_.positions.empty()) {
            fail("the structure that begins at line " + std::to_string(structure_.line) +
                 " has no 'atom' lines, expected at least one");
        }
        structure_.periodic = {latticeCount_ == 3, latticeCount_ == 3, latticeCount_ == 3};
    }

    const std::string& path_;
    Structure structure_;
    std::size_t line_ = 0;
    std::size_t latticeCount_ = 0;
    std::size_t energyLine_ = 0;
    std::size_t chargeLine_ = 0;
    std::size_t commentLine_ = 0;
};

bool isRunnerBlockKeyword(std::string_view keyword) {
    return keyword == "atom" || keyword == "lattice" || keyword == "energy" ||
           keyword == "charge" || keyword == "comment" || keyword == "end";
}

// Checks the optional arguments of a "begin" line. n2p2 accepts "set=train"
// or "set=test" there to mark a structure's data set, and bpnn ignores it.
void checkBeginArguments(const std::string& path, std::size_t line,
                         const std::vector<std::string_view>& tokens) {
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        if (tokens[i] != "set=train" && tokens[i] != "set=test") {
            throw InputError(path, line,
                             "unexpected text " + quote(tokens[i]) +
                                 " after 'begin', expected 'begin' alone or with set=train "
                                 "or set=test");
        }
    }
}

// ---------------------------------------------------------------------------
// Extended XYZ reading.

struct KeyValue {
    std::string key;
    std::string value;
    bool hasValue = false;
};

// Reads a bare or double-quoted word starting at pos. Inside quotes, a
// backslash escapes the next character. A bare word ends at whitespace and,
// when stopAtEquals is set, at '='.
std::string readInfoWord(const std::string& path, std::size_t line, std::string_view text,
                         std::size_t& pos, bool stopAtEquals) {
    std::string word;
    if (pos < text.size() && text[pos] == '"') {
        std::size_t start = pos;
        ++pos;
        while (pos < text.size() && text[pos] != '"') {
            if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
            word += text[pos];
            ++pos;
        }
        if (pos == text.size()) {
            throw InputError(path, line,
                             "unterminated quote in " + quote(text.substr(start)) +
                                 ", expected a closing '\"'");
        }
        ++pos;
        return word;
    }
    while (pos < text.size() && !std::isspace(static_cast<unsigned char>(text[pos])) &&
           !(stopAtEquals && text[pos] == '=')) {
        word += text[pos];
        ++pos;
    }
    return word;
}

// Splits the comment line of a frame into key=value pairs. Whitespace around
// '=' is allowed, and a key without '=' is a flag without a value.
std::vector<KeyValue> parseInfoLine(const std::string& path, std::size_t line,
                                    std::string_view text) {
    std::vector<KeyValue> pairs;
    auto skipSpace = [&](std::size_t& pos) {
        while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    };
    std::size_t pos = 0;
    skipSpace(pos);
    while (pos < text.size()) {
        KeyValue pair;
        std::size_t keyStart = pos;
        pair.key = readInfoWord(path, line, text, pos, true);
        if (pair.key.empty()) {
            throw InputError(path, line,
                             "missing key before " + quote(text.substr(keyStart)) +
                                 ", expected key=value pairs");
        }
        skipSpace(pos);
        if (pos < text.size() && text[pos] == '=') {
            ++pos;
            skipSpace(pos);
            pair.value = readInfoWord(path, line, text, pos, false);
            pair.hasValue = true;
            skipSpace(pos);
        }
        pairs.push_back(std::move(pair));
    }
    return pairs;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// One entry name:type:count of the Properties key.
struct PropertyColumn {
    std::string name;
    char type = 'R';
    std::size_t count = 0;
    std::size_t firstColumn = 0;  // 0-based column in the atom lines
};

struct FrameLayout {
    std::vector<PropertyColumn> properties;
    std::size_t numColumns = 0;
    std::size_t speciesColumn = 0;
    std::size_t positionColumn = 0;
    std::size_t forceColumn = 0;
    bool hasForces = false;
};

FrameLayout parseProperties(const std::string& path, std::size_t line, const std::string& value) {
    auto fail = [&](const std::string& message,
                    const std::string& expected = "name:type:count triples with type S, R, I or L") {
        throw InputError(path, line,
                         "invalid Properties=" + quote(value) + ": " + message + ", expected " +
                             expected);
    };
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        std::size_t colon = value.find(':', start);
        parts.push_back(value.substr(start, colon == std::string::npos ? colon : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    if (parts.size() % 3 != 0) {
        fail(std::to_string(parts.size()) + " fields are not a multiple of 3");
    }

    FrameLayout layout;
    bool hasSpecies = false;
    bool hasPositions = false;
    for (std::size_t i = 0; i < parts.size(); i += 3) {
        PropertyColumn column;
        column.name = parts[i];
        if (column.name.empty()) fail("empty property name");
        if (parts[i + 1].size() != 1 || std::string_view("SRIL").find(parts[i + 1][0]) ==
                                            std::string_view::npos) {
            fail("unknown type " + quote(parts[i + 1]) + " of " + quote(column.name));
        }
        column.type = parts[i + 1][0];
        long long count = 0;
        if (!parseInteger(parts[i + 2], count) || count <= 0) {
            fail("invalid count " + quote(parts[i + 2]) + " of " + quote(column.name));
        }
        column.count = static_cast<std::size_t>(count);
        column.firstColumn = layout.numColumns;
        layout.numColumns += column.count;

        const std::string spec = column.name + ":" + column.type + ":" + parts[i + 2];
        if (column.name == "species") {
            if (column.type != 'S' || column.count != 1) {
                fail(quote(spec) + " has the wrong type or count", "species:S:1");
            }
            hasSpecies = true;
            layout.speciesColumn = column.firstColumn;
        } else if (column.name == "pos") {
            if (column.type != 'R' || column.count != 3) {
                fail(quote(spec) + " has the wrong type or count", "pos:R:3");
            }
            hasPositions = true;
            layout.positionColumn = column.firstColumn;
        } else if (column.name == "forces" || column.name == "force") {
            if (column.type != 'R' || column.count != 3) {
                fail(quote(spec) + " has the wrong type or count", "forces:R:3");
            }
            if (layout.hasForces) fail("forces are given twice", "one forces column");
            layout.hasForces = true;
            layout.forceColumn = column.firstColumn;
        }
        for (const PropertyColumn& previous : layout.properties) {
            if (previous.name == column.name) {
                fail("property " + quote(column.name) + " is given twice", "unique names");
            }
        }
        layout.properties.push_back(std::move(column));
    }
    if (!hasSpecies) fail("species is missing", "species:S:1 and pos:R:3 among the properties");
    if (!hasPositions) fail("pos is missing", "species:S:1 and pos:R:3 among the properties");
    return layout;
}

// The keys of a frame's comment line that bpnn uses.
struct FrameInfo {
    FrameLayout layout;
    bool hasLattice = false;
    std::array<Vec3, 3> lattice{};
    bool hasPbc = false;
    std::array<bool, 3> pbc{false, false, false};
    bool hasEnergy = false;
    double energy = 0.0;
    std::string comment;
};

FrameInfo parseFrameInfo(const std::string& path, std::size_t line, std::string_view text) {
    FrameInfo info;
    bool hasProperties = false;
    bool hasComment = false;
    std::vector<KeyValue> pairs = parseInfoLine(path, line, text);
    auto fail = [&](const std::string& message) { throw InputError(path, line, message); };
    auto requireValue = [&](const KeyValue& pair, bool alreadySeen) {
        if (alreadySeen) fail("key " + quote(pair.key) + " is given twice, expected it once");
        if (!pair.hasValue) fail("key " + quote(pair.key) + " has no value, expected key=value");
    };

    for (const KeyValue& pair : pairs) {
        if (equalsIgnoringCase(pair.key, "Lattice")) {
            requireValue(pair, info.hasLattice);
            std::vector<std::string_view> tokens = splitWhitespace(pair.value);
            if (tokens.size() != 9) {
                fail("Lattice=" + quote(pair.value) + " has " + std::to_string(tokens.size()) +
                     " values, expected 9 numbers \"ax ay az bx by bz cx cy cz\"");
            }
            for (std::size_t k = 0; k < 9; ++k) {
                double value = 0.0;
                if (const char* reason = parseDouble(tokens[k], value)) {
                    fail(std::string(reason) + " " + quote(tokens[k]) + " in Lattice=" +
                         quote(pair.value) + ", expected 9 finite numbers");
                }
                info.lattice[k / 3][k % 3] = value;
            }
            info.hasLattice = true;
        } else if (equalsIgnoringCase(pair.key, "Properties")) {
            requireValue(pair, hasProperties);
            info.layout = parseProperties(path, line, pair.value);
            hasProperties = true;
        } else if (equalsIgnoringCase(pair.key, "energy")) {
            requireValue(pair, info.hasEnergy);
            if (const char* reason = parseDouble(pair.value, info.energy)) {
                fail(std::string(reason) + " " + quote(pair.value) +
                     " in energy=, expected a finite number");
            }
            info.hasEnergy = true;
        } else if (equalsIgnoringCase(pair.key, "pbc")) {
            requireValue(pair, info.hasPbc);
            std::vector<std::string_view> tokens = splitWhitespace(pair.value);
            bool valid = tokens.size() == 3;
            for (std::size_t k = 0; valid && k < 3; ++k) valid = parseLogical(tokens[k], info.pbc[k]);
            if (!valid) {
                fail("invalid pbc=" + quote(pair.value) +
                     ", expected 3 logical values such as \"T T F\"");
            }
            info.hasPbc = true;
        } else if (equalsIgnoringCase(pair.key, "comment")) {
            requireValue(pair, hasComment);
            info.comment = pair.value;
            hasComment = true;
        }
    }

    if (!hasProperties) info.layout = parseProperties(path, line, "species:S:1:pos:R:3");
    if (!info.hasPbc && info.hasLattice) info.pbc = {true, true, true};
    if (!info.hasLattice && (info.pbc[0] || info.pbc[1] || info.pbc[2])) {
        fail("pbc has a periodic direction but Lattice is missing, expected "
             "Lattice=\"ax ay az bx by bz cx cy cz\"");
    }
    return info;
}

// Checks every column of an atom line against its Properties type and
// stores species, position and forces in the structure.
void parseAtomLine(const std::string& path, std::size_t line, std::string_view text,
                   const FrameLayout& layout, Structure& structure) {
    std::vector<std::string_view> tokens = splitWhitespace(text);
    if (tokens.size() != layout.numColumns) {
        throw InputError(path, line,
                         "atom line " + quote(text) + " has " + std::to_string(tokens.size()) +
                             " columns, expected " + std::to_string(layout.numColumns) +
                             " as given by Properties");
    }
    std::vector<double> numbers(tokens.size(), 0.0);
    for (const PropertyColumn& property : layout.properties) {
        for (std::size_t c = property.firstColumn; c < property.firstColumn + property.count; ++c) {
            std::string_view token = tokens[c];
            std::string problem;
            const char* expected = "a finite number";
            if (property.type == 'R') {
                if (const char* reason = parseDouble(token, numbers[c])) problem = reason;
            } else if (property.type == 'I') {
                long long integer = 0;
                if (!parseInteger(token, integer)) problem = "invalid integer";
                expected = "an integer";
            } else if (property.type == 'L') {
                bool logical = false;
                if (!parseLogical(token, logical)) problem = "invalid logical value";
                expected = "T or F";
            }
            if (!problem.empty()) {
                throw InputError(path, line,
                                 problem + " " + quote(token) + " in column " +
                                     std::to_string(c + 1) + " (property " +
                                     quote(property.name) + " of type " + property.type +
                                     "), expected " + expected);
            }
        }
    }

    std::string_view symbol = tokens[layout.speciesColumn];
    if (!isElementSymbol(symbol)) {
        throw InputError(path, line,
                         "invalid element symbol " + quote(symbol) + " in column " +
                             std::to_string(layout.speciesColumn + 1) +
                             ", expected a name starting with a letter");
    }
    structure.symbols.emplace_back(symbol);
    std::size_t p = layout.positionColumn;
    structure.positions.push_back({numbers[p], numbers[p + 1], numbers[p + 2]});
    if (layout.hasForces) {
        std::size_t f = layout.forceColumn;
        structure.forces.push_back({numbers[f], numbers[f + 1], numbers[f + 2]});
    } else {
        structure.forces.push_back({0.0, 0.0, 0.0});
    }
    structure.charges.push_back(0.0);
    structure.atomEnergies.push_back(0.0);
}

std::size_t parseAtomCount(const std::string& path, std::size_t line, std::string_view text) {
    std::string_view content = trim(text);
    long long count = 0;
    if (!parseInteger(content, count) || count <= 0) {
        throw InputError(path, line,
                         "invalid atom count " + quote(content) +
                             ", expected a positive integer on the first line of a frame");
    }
    return static_cast<std::size_t>(count);
}

// ---------------------------------------------------------------------------
// Writing.

// Formats a double with 17 significant digits, which is enough to read back
// the same bits.
void appendNumber(std::string& out, double value, int width) {
    char buffer[64];
    int length = std::snprintf(buffer, sizeof(buffer), "%*.16E", width, value);
    out.append(buffer, static_cast<std::size_t>(length));
}

void appendVec3(std::string& out, const Vec3& v, int width) {
    for (double x : v) {
        out += ' ';
        appendNumber(out, x, width);
    }
}

std::string describeStructure(std::size_t index, const Structure& s) {
    std::string text = "structure " + std::to_string(index);
    if (!s.comment.empty()) text += " ('" + s.comment + "')";
    return text;
}

void checkFinite(double value, const char* quantity, std::size_t index, const Structure& s) {
    if (!std::isfinite(value)) {
        char buffer[64];
        std::snprintf(buffer, sizeof(buffer), "%g", value);
        throw std::invalid_argument("cannot write " + describeStructure(index, s) +
                                    ": non-finite " + quantity + " " + buffer +
                                    ", the file would not read back");
    }
}

void checkPerAtomSize(std::size_t size, std::size_t numAtoms, bool emptyAllowed,
                      const char* vectorName, std::size_t index, const Structure& s) {
    if (size == numAtoms || (emptyAllowed && size == 0)) return;
    throw std::invalid_argument("cannot write " + describeStructure(index, s) + ": " + vectorName +
                                " has " + std::to_string(size) + " entries, expected " +
                                std::to_string(numAtoms) + " (one per atom)" +
                                (emptyAllowed ? " or none" : ""));
}

// Checks everything that would make a written structure unreadable or
// different when read back.
void checkWritable(std::size_t index, const Structure& s, const std::vector<double>* energies) {
    const std::size_t n = s.size();
    if (n == 0) {
        throw std::invalid_argument("cannot write " + describeStructure(index, s) +
                                    ": it has no atoms, expected at least one");
    }
    if (s.comment.find_first_of("\r\n") != std::string::npos) {
        throw std::invalid_argument("cannot write " + describeStructure(index, s) +
                                    ": its comment contains a line break");
    }
    checkPerAtomSize(s.symbols.size(), n, false, "symbols", index, s);
    checkPerAtomSize(s.forces.size(), n, true, "forces", index, s);
    checkPerAtomSize(s.charges.size(), n, true, "charges", index, s);
    checkPerAtomSize(s.atomEnergies.size(), n, true, "atomEnergies", index, s);
    if (energies) checkPerAtomSize(energies->size(), n, false, "the given atom energies", index, s);

    for (const std::string& symbol : s.symbols) {
        bool hasSpace = std::any_of(symbol.begin(), symbol.end(),
                                    [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
        if (!isElementSymbol(symbol) || hasSpace) {
            throw std::invalid_argument("cannot write " + describeStructure(index, s) +
                                        ": invalid element symbol '" + symbol +
                                        "', expected a name starting with a letter");
        }
    }
    for (const Vec3& v : s.cell) {
        for (double x : v) checkFinite(x, "lattice component", index, s);
    }
    for (const Vec3& v : s.positions) {
        for (double x : v) checkFinite(x, "position", index, s);
    }
    for (const Vec3& v : s.forces) {
        for (double x : v) checkFinite(x, "force", index, s);
    }
    for (double x : s.charges) checkFinite(x, "atomic charge", index, s);
    for (double x : s.atomEnergies) checkFinite(x, "atomic energy", index, s);
    if (energies) {
        for (double x : *energies) checkFinite(x, "atomic energy", index, s);
    }
    checkFinite(s.energy, "energy", index, s);
    checkFinite(s.totalCharge, "total charge", index, s);
}

const std::vector<double>* energiesOf(const std::vector<std::vector<double>>* atomEnergies,
                                      std::size_t numStructures, std::size_t index) {
    if (!atomEnergies) return nullptr;
    if (atomEnergies->size() != numStructures) {
        throw std::invalid_argument("cannot write structures: atom energies are given for " +
                                    std::to_string(atomEnergies->size()) + " structures, expected " +
                                    std::to_string(numStructures));
    }
    return &(*atomEnergies)[index];
}

void writeFile(const std::string& path, const std::string& content) {
    std::ofstream stream(path, std::ios::binary | std::ios::trunc);
    if (!stream.is_open()) {
        throw InputError(path, 0, std::string("cannot open file for writing: ") + std::strerror(errno));
    }
    stream.write(content.data(), static_cast<std::streamsize>(content.size()));
    stream.close();
    if (stream.fail()) throw InputError(path, 0, "writing the file failed");
}

double valueOrZero(const std::vector<double>& values, std::size_t i) {
    return values.empty() ? 0.0 : values[i];
}

Vec3 vectorOrZero(const std::vector<Vec3>& values, std::size_t i) {
    return values.empty() ? Vec3{0.0, 0.0, 0.0} : values[i];
}

bool hasExtendedXyzExtension(const std::string& path) {
    std::string extension = std::filesystem::path(path).extension().string();
    return equalsIgnoringCase(extension, ".xyz") || equalsIgnoringCase(extension, ".extxyz");
}

}  // namespace

std::vector<Structure> readRunnerData(const std::string& path) {
    LineReader reader(path);
    std::vector<Structure> structures;
    std::unique_ptr<RunnerBlockParser> block;
    std::string text;

    while (reader.next(text)) {
        if (isBlankOrHashComment(text)) continue;
        std::vector<std::string_view> tokens = splitWhitespace(text);
        std::string_view keyword = tokens[0];

        if (block) {
            if (block->addLine(reader.line(), text, tokens)) {
                structures.push_back(block->take());
                block.reset();
            }
        } else if (keyword == "begin") {
            checkBeginArguments(path, reader.line(), tokens);
            block = std::make_unique<RunnerBlockParser>(path, reader.line());
        } else if (isRunnerBlockKeyword(keyword)) {
            throw InputError(path, reader.line(),
                             quote(keyword) + " line outside a structure, expected 'begin' first");
        } else {
            throw InputError(path, reader.line(),
                             "unknown keyword " + quote(keyword) + ", expected 'begin'");
        }
    }

    if (block) {
        Structure unfinished = block->take();
        throw InputError(path, unfinished.line,
                         "missing 'end' for the structure that begins at this line, the file "
                         "ends at line " +
                             std::to_string(reader.line()));
    }
    return structures;
}

void writeRunnerData(const std::string& path, const std::vector<Structure>& structures) {
    for (std::size_t index = 0; index < structures.size(); ++index) {
        const Structure& s = structures[index];
        checkWritable(index, s, nullptr);
        bool periodic = s.isPeriodic();
        if (periodic && !(s.periodic[0] && s.periodic[1] && s.periodic[2])) {
            throw InputError(path, 0,
                             "cannot write " + describeStructure(index, s) +
                                 ": it is periodic in only some directions, but input.data "
                                 "supports only fully periodic cells and clusters, so write "
                                 "extended XYZ (.xyz) instead");
        }
    }

    std::string out;
    for (const Structure& s : structures) {
        out += "begin\n";
        if (!s.comment.empty()) out += "comment " + s.comment + "\n";
        if (s.isPeriodic()) {
            for (const Vec3& v : s.cell) {
                out += "lattice";
                appendVec3(out, v, 24);
                out += '\n';
            }
        }
        for (std::size_t i = 0; i < s.size(); ++i) {
            out += "atom";
            appendVec3(out, s.positions[i], 24);
            out += ' ';
            out += s.symbols[i];
            out += ' ';
            appendNumber(out, valueOrZero(s.charges, i), 24);
            out += ' ';
            appendNumber(out, valueOrZero(s.atomEnergies, i), 24);
            appendVec3(out, vectorOrZero(s.forces, i), 24);
            out += '\n';
        }
        if (s.hasEnergy) {
            out += "energy ";
            appendNumber(out, s.energy, 0);
            out += '\n';
        }
        out += "charge ";
        appendNumber(out, s.totalCharge, 0);
        out += "\nend\n";
    }
    writeFile(path, out);
}

std::vector<Structure> readExtendedXyz(const std::string& path) {
    LineReader reader(path);
    std::vector<Structure> structures;
    std::string text;

    while (reader.next(text)) {
        if (trim(text).empty()) continue;
        const std::size_t countLine = reader.line();
        const std::size_t numAtoms = parseAtomCount(path, countLine, text);

        if (!reader.next(text)) {
            throw InputError(path, countLine,
                             "the file ends after the atom count, expected a comment line with "
                             "key=value pairs");
        }
        FrameInfo info = parseFrameInfo(path, reader.line(), text);

        Structure structure;
        structure.line = countLine;
        structure.comment = info.comment;
        if (info.hasLattice) structure.cell = info.lattice;
        structure.periodic = info.pbc;
        structure.energy = info.energy;
        structure.hasEnergy = info.hasEnergy;
        structure.hasForces = info.layout.hasForces;
        for (std::size_t i = 0; i < numAtoms; ++i) {
            if (!reader.next(text)) {
                throw InputError(path, reader.line(),
                                 "the file ends after " + std::to_string(i) + " of " +
                                     std::to_string(numAtoms) +
                                     " atom lines of the frame that begins at line " +
                                     std::to_string(countLine));
            }
            parseAtomLine(path, reader.line(), text, info.layout, structure);
        }
        structures.push_back(std::move(structure));
    }
    return structures;
}

void writeExtendedXyz(const std::string& path, const std::vector<Structure>& structures,
                      const std::vector<std::vector<double>>* atomEnergies) {
    for (std::size_t index = 0; index < structures.size(); ++index) {
        checkWritable(index, structures[index], energiesOf(atomEnergies, structures.size(), index));
    }

    std::string out;
    for (std::size_t index = 0; index < structures.size(); ++index) {
        const Structure& s = structures[index];
        const std::vector<double>* energies = energiesOf(atomEnergies, structures.size(), index);

        out += std::to_string(s.size()) + "\n";
        if (s.isPeriodic()) {
            out += "Lattice=\"";
            for (std::size_t k = 0; k < 3; ++k) {
                for (std::size_t c = 0; c < 3; ++c) {
                    if (k + c > 0) out += ' ';
                    appendNumber(out, s.cell[k][c], 0);
                }
            }
            out += "\" ";
        }
        out += "Properties=species:S:1:pos:R:3";
        if (s.hasForces) out += ":forces:R:3";
        if (energies) out += ":energies:R:1";
        if (s.hasEnergy) {
            out += " energy=";
            appendNumber(out, s.energy, 0);
        }
        out += " pbc=\"";
        for (std::size_t k = 0; k < 3; ++k) {
            if (k > 0) out += ' ';
            out += s.periodic[k] ? 'T' : 'F';
        }
        out += '"';
        if (!s.comment.empty()) {
            out += " comment=\"";
            for (char c : s.comment) {
                if (c == '"' || c == '\\') out += '\\';
                out += c;
            }
            out += '"';
        }
        out += '\n';

        for (std::size_t i = 0; i < s.size(); ++i) {
            out += s.symbols[i];
            appendVec3(out, s.positions[i], 24);
            if (s.hasForces) appendVec3(out, vectorOrZero(s.forces, i), 24);
            if (energies) {
                out += ' ';
                appendNumber(out, (*energies)[i], 24);
            }
            out += '\n';
        }
    }
    writeFile(path, out);
}

std::vector<Structure> readStructures(const std::string& path) {
    return hasExtendedXyzExtension(path) ? readExtendedXyz(path) : readRunnerData(path);
}

void writeStructures(const std::string& path, const std::vector<Structure>& structures,
                     const std::vector<std::vector<double>>* atomEnergies) {
    if (hasExtendedXyzExtension(path)) {
        writeExtendedXyz(path, structures, atomEnergies);
        return;
    }
    if (!atomEnergies) {
        writeRunnerData(path, structures);
        return;
    }
    std::vector<Structure> copies = structures;
    for (std::size_t index = 0; index < copies.size(); ++index) {
        copies[index].atomEnergies = *energiesOf(atomEnergies, copies.size(), index);
    }
    writeRunnerData(path, copies);
}

}  // namespace bpnn

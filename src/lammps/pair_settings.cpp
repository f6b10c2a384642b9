// SPDX-License-Identifier: GPL-2.0-or-later
#include "pair_settings.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace bpnn {
namespace {

const char* const kUsage =
    "usage: pair_style bpnn cutoff [dir DIR] [showew yes|no] [showewsum N] [resetew yes|no] "
    "[maxew N] [cflength X] [cfenergy Y]";

// Parses a whole string as a finite double; false for anything else.
bool toDouble(const std::string& text, double& value) {
    if (text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    value = std::strtod(text.c_str(), &end);
    return errno == 0 && end == text.c_str() + text.size() && std::isfinite(value);
}

bool toInteger(const std::string& text, long long& value) {
    if (text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    value = std::strtoll(text.c_str(), &end, 10);
    return errno == 0 && end == text.c_str() + text.size();
}

double positiveNumber(const std::string& keyword, const std::string& value, const char* meaning) {
    double number = 0.0;
    if (!toDouble(value, number) || number <= 0.0) {
        throw std::invalid_argument("invalid " + keyword + " '" + value + "': expected a positive finite number (" +
                                    meaning + ")");
    }
    return number;
}

}  // namespace

bool parseYesNo(const std::string& keyword, const std::string& value) {
    if (value == "yes" || value == "on" || value == "true" || value == "1") return true;
    if (value == "no" || value == "off" || value == "false" || value == "0") return false;
    throw std::invalid_argument("invalid value '" + value + "' for " + keyword + ": expected yes or no");
}

PairSettings parsePairSettings(const std::vector<std::string>& args) {
    if (args.empty()) throw std::invalid_argument(std::string("missing cutoff; ") + kUsage);

    PairSettings settings;
    settings.cutoff = positiveNumber("cutoff", args[0], "the neighbor list cutoff in LAMMPS length units");

    for (std::size_t i = 1; i < args.size(); i += 2) {
        const std::string& keyword = args[i];
        const bool known = keyword == "dir" || keyword == "showew" || keyword == "showewsum" ||
                           keyword == "resetew" || keyword == "maxew" || keyword == "cflength" ||
                           keyword == "cfenergy";
        if (!known) {
            throw std::invalid_argument("unknown keyword '" + keyword +
                                        "'; the keywords are dir, showew, showewsum, resetew, maxew, "
                                        "cflength and cfenergy");
        }
        if (i + 1 >= args.size()) throw std::invalid_argument("keyword " + keyword + " needs a value; " + kUsage);
        const std::string& value = args[i + 1];

        if (keyword == "dir") {
            if (value.empty()) throw std::invalid_argument("dir needs a non-empty folder name");
            settings.directory = value;
        } else if (keyword == "showew") {
            settings.showew = parseYesNo(keyword, value);
        } else if (keyword == "resetew") {
            settings.resetew = parseYesNo(keyword, value);
        } else if (keyword == "showewsum") {
            if (!toInteger(value, settings.showewsum) || settings.showewsum < 0) {
                throw std::invalid_argument("invalid showewsum '" + value +
                                            "': expected an interval in time steps >= 0 (0 turns the summary off)");
            }
        } else if (keyword == "maxew") {
            if (!toInteger(value, settings.maxew)) {
                throw std::invalid_argument("invalid maxew '" + value +
                                            "': expected an integer number of warnings (negative: no limit)");
            }
        } else if (keyword == "cflength") {
            settings.cflength = positiveNumber(keyword, value, "potential length units per LAMMPS length unit");
        } else {
            settings.cfenergy = positiveNumber(keyword, value, "potential energy units per LAMMPS energy unit");
        }
    }
    return settings;
}

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
#include "text_parsing.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace bpnn {

std::vector<TokenLine> readTokenLines(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw InputError(path, 0, "cannot open file for reading: check that it exists and is readable");
    }
    std::vector<TokenLine> lines;
    std::string text;
    std::size_t number = 0;
    while (std::getline(in, text)) {
        ++number;
        if (!text.empty() && text.back() == '\r') text.pop_back();
        const std::size_t hash = text.find('#');
        std::istringstream words(hash == std::string::npos ? text : text.substr(0, hash));
        TokenLine line;
        line.number = number;
        line.text = text;
        std::string word;
        while (words >> word) line.tokens.push_back(word);
        if (!line.tokens.empty()) lines.push_back(std::move(line));
    }
    if (in.bad()) throw InputError(path, number, "read error");
    return lines;
}

double parseDouble(const std::string& token, const std::string& file, std::size_t line,
                   const std::string& what) {
    const char* begin = token.c_str();
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(begin, &end);
    const bool complete = end != begin && *end == '\0';
    if (!complete || errno == ERANGE || !std::isfinite(value)) {
        throw InputError(file, line,
                         "invalid " + what + " '" + token + "': expected a finite number such as 1.5 or 2.0E-03");
    }
    return value;
}

long parseInteger(const std::string& token, const std::string& file, std::size_t line,
                  const std::string& what) {
    const char* begin = token.c_str();
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(begin, &end, 10);
    if (end == begin || *end != '\0' || errno == ERANGE) {
        throw InputError(file, line, "invalid " + what + " '" + token + "': expected an integer");
    }
    return value;
}

std::string formatDouble(double value) {
    char buffer[40];
    std::snprintf(buffer, sizeof(buffer), "%.17g", value);
    return buffer;
}

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
// Strict tokenizing and number parsing for the line-oriented input files.
#pragma once

#include "errors.h"

#include <cstddef>
#include <string>
#include <vector>

namespace bpnn {

// A line of an input file with its 1-based number, stripped of a trailing
// `#` comment and split at whitespace.
struct TokenLine {
    std::size_t number = 0;
    std::vector<std::string> tokens;
    std::string text;  // the line as written, without the newline
};

// Reads a text file into token lines, skipping blank and comment-only lines.
// Throws InputError when the file cannot be opened.
std::vector<TokenLine> readTokenLines(const std::string& path);

// Parses a whole token as a finite double or an integer. On failure throws
// InputError "FILE:LINE: invalid WHAT 'TOKEN': expected ...".
double parseDouble(const std::string& token, const std::string& file, std::size_t line,
                   const std::string& what);
long parseInteger(const std::string& token, const std::string& file, std::size_t line,
                  const std::string& what);

// Formats a double with 17 significant digits, enough to read back the same value.
std::string formatDouble(double value);

}  // namespace bpnn

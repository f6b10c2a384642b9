// SPDX-License-Identifier: GPL-2.0-or-later
// Exceptions for invalid input: every message names the file, the line (when
// there is one) and what to do about it.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace bpnn {

// Invalid content of an input file or an invalid user-supplied value.
class InputError : public std::runtime_error {
public:
    explicit InputError(const std::string& message) : std::runtime_error(message) {}

    // Builds "FILE:LINE: MESSAGE" (or "FILE: MESSAGE" when line is 0).
    InputError(const std::string& file, std::size_t line, const std::string& message)
        : std::runtime_error(file + (line > 0 ? ":" + std::to_string(line) : std::string()) +
                             ": " + message) {}
};

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
// Chemical element symbols and atomic numbers.
#pragma once

#include <string>

namespace bpnn {

// Returns the atomic number of an element symbol ("H" -> 1, "Cu" -> 29), or 0
// for a string that is not an element symbol. Symbols are case-sensitive.
int atomicNumber(const std::string& symbol);

// Returns the symbol of an atomic number from 1 to 118, or "" outside that range.
std::string elementSymbol(int atomicNumber);

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
// The bpnn command-line tool: `bpnn predict` evaluates structures with a
// potential, `bpnn fit` trains one.
#include "commands.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

void printUsage(std::FILE* out) {
    std::fprintf(out,
                 "Usage: bpnn COMMAND [ARGUMENTS]\n"
                 "\n"
                 "Behler-Parrinello neural network potentials (n2p2/RuNNer file format).\n"
                 "\n"
                 "Commands:\n"
                 "  predict POTENTIAL_DIR STRUCTURES -o OUTPUT   evaluate energies and forces\n"
                 "  fit SETTINGS DATA -o OUTPUT_DIR              train a potential\n"
                 "\n"
                 "Run 'bpnn COMMAND --help' for the options of a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    const std::string command = argv[1];
    if (command == "-h" || command == "--help" || command == "help") {
        printUsage(stdout);
        return 0;
    }
    if (command == "--version") {
        std::printf("bpnn %s\n", BPNN_VERSION);
        return 0;
    }
    try {
        if (command == "predict") return bpnn::runPredict(argc - 1, argv + 1);
        if (command == "fit") return bpnn::runFit(argc - 1, argv + 1);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bpnn %s: error: %s\n", command.c_str(), error.what());
        return 1;
    }
    std::fprintf(stderr, "bpnn: unknown command '%s'\n\n", command.c_str());
    printUsage(stderr);
    return 2;
}

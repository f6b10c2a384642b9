// SPDX-License-Identifier: GPL-2.0-or-later
// Entry points of the bpnn subcommands. Each receives the arguments after
// `bpnn`, with argv[0] the subcommand's name, and returns the exit status.
#pragma once

namespace bpnn {

int runPredict(int argc, char** argv);
int runFit(int argc, char** argv);

}  // namespace bpnn

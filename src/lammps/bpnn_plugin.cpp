// SPDX-License-Identifier: GPL-2.0-or-later
// Registration of the bpnn styles with LAMMPS. This file belongs to the
// implementation library bpnnplugin-lammps-YYYYMMDD.so, which plugin_loader.cpp
// opens after it has checked the LAMMPS version.
#include "pair_bpnn.h"

#include "lammpsplugin.h"
#include "version.h"

using namespace LAMMPS_NS;

namespace {

// Has the signature of lammpsplugin_factory1, so that no cast between
// function types is needed. LAMMPS calls it as Force::PairCreator and reads
// the result as a Pair pointer, so the pointer returned is that of the Pair
// base object.
void* createPairBpnn(void* lmp) {
    Pair* pair = new bpnn::PairBpnn(static_cast<LAMMPS*>(lmp));
    return pair;
}

}  // namespace

// Called by the loader with the arguments of lammpsplugin_init().
extern "C" __attribute__((visibility("default"))) void bpnn_register_styles(void* lmp, void* handle,
                                                                             void* regfunc) {
    lammpsplugin_t plugin;
    plugin.version = LAMMPS_VERSION;
    plugin.style = "pair";
    plugin.name = "bpnn";
    plugin.info = "bpnn: Behler-Parrinello neural network potentials (n2p2/RuNNer files)";
    plugin.author = "the bpnn developers";
    plugin.creator.v1 = &createPairBpnn;
    plugin.handle = handle;
    reinterpret_cast<lammpsplugin_regfunc>(regfunc)(&plugin, lmp);
}

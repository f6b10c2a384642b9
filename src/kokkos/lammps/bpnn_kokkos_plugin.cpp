// SPDX-License-Identifier: GPL-2.0-or-later
// Registration of pair style bpnn/kk when `plugin load bpnnkkplugin.so`
// opens this shared object. LAMMPS's suffix mechanism (-sf kk, suffix kk)
// finds plugin styles like built-in ones, so `pair_style bpnn` selects
// bpnn/kk under -sf kk. Pair style bpnn itself comes from bpnnplugin.so.
#include "pair_bpnn_kokkos.h"

#include "lammpsplugin.h"
#include "version.h"

using namespace LAMMPS_NS;

namespace {

template <class DeviceType>
void* createPairBpnnKokkos(void* lmp) {
    Pair* pair = new bpnn::PairBpnnKokkos<DeviceType>(static_cast<LAMMPS*>(lmp));
    return pair;
}

void registerPair(const char* name, lammpsplugin_factory1* creator, void* lmp, void* handle, void* regfunc) {
    lammpsplugin_t plugin;
    plugin.version = LAMMPS_VERSION;
    plugin.style = "pair";
    plugin.name = name;
    plugin.info = "bpnn/kk: Behler-Parrinello neural network potentials (n2p2/RuNNer files), Kokkos";
    plugin.author = "the bpnn developers";
    plugin.creator.v1 = creator;
    plugin.handle = handle;
    reinterpret_cast<lammpsplugin_regfunc>(regfunc)(&plugin, lmp);
}

}  // namespace

// As in LAMMPS's own KOKKOS styles: bpnn/kk and bpnn/kk/device run in the
// default execution space, bpnn/kk/host on the host.
extern "C" __attribute__((visibility("default"))) void lammpsplugin_init(void* lmp, void* handle, void* regfunc) {
    registerPair("bpnn/kk", &createPairBpnnKokkos<LMPDeviceType>, lmp, handle, regfunc);
    registerPair("bpnn/kk/device", &createPairBpnnKokkos<LMPDeviceType>, lmp, handle, regfunc);
#ifdef LMP_KOKKOS_GPU
    registerPair("bpnn/kk/host", &createPairBpnnKokkos<LMPHostType>, lmp, handle, regfunc);
#else
    registerPair("bpnn/kk/host", &createPairBpnnKokkos<LMPDeviceType>, lmp, handle, regfunc);
#endif
}

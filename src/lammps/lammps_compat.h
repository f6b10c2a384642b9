// SPDX-License-Identifier: GPL-2.0-or-later
// The differences between the LAMMPS versions that the plugin compiles
// against, in one place. Everything else in src/lammps uses only interfaces
// that are the same in LAMMPS 29 Sep 2021 and 4 Feb 2025.
//
// BPNN_LAMMPS_VERSION_NUMBER is the date of the LAMMPS version as YYYYMMDD.
// src/lammps/CMakeLists.txt reads it from LAMMPS_VERSION in the version.h of
// the LAMMPS tree the plugin is built against.
//
// Differences handled here:
//   - LAMMPS 24 Mar 2022 replaced Neighbor::request() and the NeighRequest
//     flags with Neighbor::add_request(style, NeighConst::REQ_FULL).
//   - LAMMPS 24 Mar 2022 renamed Comm::reverse_comm_pair(Pair *) to the
//     overload Comm::reverse_comm(Pair *).
// Both changes came with the same feature release, so one threshold covers
// them. Development snapshots between 17 Feb and 24 Mar 2022 may have only
// one of them and are not supported.
#pragma once

#include "comm.h"
#include "neighbor.h"
#include "pair.h"

#ifndef BPNN_LAMMPS_VERSION_NUMBER
#error "BPNN_LAMMPS_VERSION_NUMBER (YYYYMMDD of the LAMMPS version) is not defined; build with src/lammps/CMakeLists.txt"
#endif

#if BPNN_LAMMPS_VERSION_NUMBER < 20220324
#include "neigh_request.h"
#endif

namespace bpnn::lammps_compat {

// Requests a full neighbor list (every neighbor j of each local atom i,
// including j < i) for a pair style, built every time LAMMPS rebuilds lists.
// `instance` is the pair's protected instance_me, which only the old
// interface needs.
inline void requestFullNeighborList(LAMMPS_NS::Neighbor* neighbor, LAMMPS_NS::Pair* pair,
                                    [[maybe_unused]] int instance) {
#if BPNN_LAMMPS_VERSION_NUMBER >= 20220324
    neighbor->add_request(pair, LAMMPS_NS::NeighConst::REQ_FULL);
#else
    const int request = neighbor->request(pair, instance);
    neighbor->requests[request]->half = 0;
    neighbor->requests[request]->full = 1;
#endif
}

// Sums per-atom values of ghost atoms into the atoms they are images of,
// through the pair style's pack_reverse_comm() and unpack_reverse_comm().
inline void reverseCommunicate(LAMMPS_NS::Comm* comm, LAMMPS_NS::Pair* pair) {
#if BPNN_LAMMPS_VERSION_NUMBER >= 20220324
    comm->reverse_comm(pair);
#else
    comm->reverse_comm_pair(pair);
#endif
}

}  // namespace bpnn::lammps_compat

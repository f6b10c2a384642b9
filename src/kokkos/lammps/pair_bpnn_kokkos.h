// SPDX-License-Identifier: GPL-2.0-or-later
// LAMMPS pair style bpnn/kk: pair style bpnn (src/lammps/pair_bpnn.h) with
// the evaluation done by the Kokkos kernels of src/kokkos, on the execution
// space of LAMMPS's KOKKOS package. Positions, types and the neighbor list
// are read where KOKKOS keeps them, and forces are added to its force array
// in the same memory space, so nothing is copied to the host between steps
// with newton_pair on. The pair_style and pair_coeff arguments are those of
// bpnn, plus one optional keyword that only bpnn/kk accepts:
//   chunksize N   central atoms per kernel launch (default 4096). Memory for
//                 the kernels grows with N times the neighbors per atom.
//
// Units: as bpnn, the kernels work in the potential's units and the results
// are converted with cflength and cfenergy.
#pragma once

// Kokkos first, so that the formulas of core/formulas.h compile for the
// device (see core/config.h).
#include "kokkos_type.h"

#include "kokkos/evaluator.h"

#include "pair_bpnn.h"
#include "pair_settings.h"

#include <memory>
#include <string>
#include <vector>

namespace bpnn {

// Neighbor source (see src/kokkos/evaluator.h) over LAMMPS's KOKKOS data:
// center c is atom ilist(c), its candidates are its row of the full
// neighbor list, displacements are converted to the potential's unit.
template <class DeviceType>
struct LammpsNeighborSource {
    using AT = ::ArrayTypes<DeviceType>;
    typename AT::t_x_array_randomread x;
    typename AT::t_int_1d_randomread type;
    typename AT::t_int_1d_randomread ilist;
    typename AT::t_int_1d_randomread numneigh;
    typename AT::t_neighbors_2d neighbors;
    Kokkos::View<int*, typename DeviceType::memory_space> typeToElement;  // -1 for NULL types
    double cflength = 1.0;
    int numAll = 0;  // local and ghost atoms

    KOKKOS_INLINE_FUNCTION int centerIndex(const int center) const { return ilist(center); }
    KOKKOS_INLINE_FUNCTION int element(const int index) const { return typeToElement(type(index)); }
    int numIndices() const { return numAll; }
    KOKKOS_INLINE_FUNCTION int numCandidates(const int center) const { return numneigh(ilist(center)); }
    KOKKOS_INLINE_FUNCTION int candidate(const int center, const int n) const {
        return neighbors(ilist(center), n) & NEIGHMASK;
    }
    KOKKOS_INLINE_FUNCTION void displacement(const int center, const int n, double* d) const {
        const int i = ilist(center);
        const int j = neighbors(i, n) & NEIGHMASK;
        for (int c = 0; c < 3; ++c) d[c] = (x(j, c) - x(i, c)) * cflength;
    }
};

template <class DeviceType>
class PairBpnnKokkos : public PairBpnn {
public:
    using device_type = DeviceType;
    using ExecSpace = typename DeviceType::execution_space;
    using MemorySpace = typename DeviceType::memory_space;

    explicit PairBpnnKokkos(LAMMPS_NS::LAMMPS* instance);
    ~PairBpnnKokkos() override;

    void compute(int eflag, int vflag) override;
    void settings(int narg, char** arg) override;
    void coeff(int narg, char** arg) override;
    void init_style() override;

    int pack_reverse_comm(int n, int first, double* buffer) override;
    void unpack_reverse_comm(int n, int* indices, double* buffer) override;

    double memory_usage() override;

    // Steps of compute(); public because CUDA's extended lambdas must not
    // sit in private member functions.
    void addGhostContributions(int nlocal);
    void convertAtomVirials(int count);

private:
    void preparePotential();
    void handleExtrapolations(std::size_t localCount);
    void reportExtrapolationDetails();

    PairSettings kkSettings_;      // the arguments of pair_style, parsed again here
    std::size_t chunkSize_ = 4096;
    kokkos::HostPath hostPath_ = kokkos::HostPath::CoreLibrary;
    std::vector<std::string> typeSymbols_;  // per atom type, from pair_coeff
    std::unique_ptr<Potential> potential_;
    std::string potentialDirectory_;
    std::unique_ptr<kokkos::Evaluator<ExecSpace>> evaluator_;
    std::vector<int> typeToElement_;
    Kokkos::View<int*, MemorySpace> d_typeToElement;
    std::vector<DescriptorCalculator> calculators_;  // for extrapolation details only

    // LAMMPS's per-atom energies and virials in both memory spaces.
    typename ::ArrayTypes<DeviceType>::tdual_efloat_1d k_eatom;
    typename ::ArrayTypes<DeviceType>::tdual_virial_array k_vatom;

    // Forces (3) and per-atom virials (9 and 6) per local and ghost atom in
    // the potential's energy unit; forces only with newton_pair off.
    Kokkos::DualView<double* [3], Kokkos::LayoutRight, DeviceType> k_forces;
    Kokkos::DualView<double* [9], Kokkos::LayoutRight, DeviceType> k_atomVirials9;
    Kokkos::DualView<double* [6], Kokkos::LayoutRight, DeviceType> k_atomVirials6;
    bool communicateVirials_ = false;

    long long warningsSinceSummary_ = 0;
    long long warningsForLimit_ = 0;
};

}  // namespace bpnn

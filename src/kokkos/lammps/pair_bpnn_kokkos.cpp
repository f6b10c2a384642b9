// SPDX-License-Identifier: GPL-2.0-or-later
#include "pair_bpnn_kokkos.h"

#include "extrapolation.h"
#include "lammps_compat.h"

#include "atom_kokkos.h"
#include "atom_masks.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "kokkos.h"
#include "memory_kokkos.h"
#include "neigh_list_kokkos.h"
#include "neighbor.h"
#include "update.h"

#if BPNN_LAMMPS_VERSION_NUMBER < 20220324
#include "neigh_request.h"
#endif

#include <cmath>
#include <exception>
#include <stdexcept>
#include <type_traits>

using namespace LAMMPS_NS;

namespace bpnn {
namespace {

// Lines of individual extrapolation warnings that one MPI rank prints per
// evaluation, as pair style bpnn.
constexpr std::size_t kMaxWarningLinesPerRank = 100;

// Removes `chunksize N` from the pair_style arguments and returns N, or 0
// when the keyword is absent. Throws std::invalid_argument for a missing or
// invalid value.
std::size_t extractChunkSize(std::vector<std::string>& args) {
    std::size_t chunkSize = 0;
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (args[k] != "chunksize") continue;
        if (k + 1 >= args.size()) {
            throw std::invalid_argument("keyword chunksize needs a value: the number of central atoms per kernel "
                                        "launch, for example chunksize 4096");
        }
        const std::string& value = args[k + 1];
        std::size_t parsed = 0;
        long long number = 0;
        try {
            number = std::stoll(value, &parsed);
        } catch (const std::exception&) {
            parsed = 0;
        }
        if (parsed != value.size() || number < 1 || number > (1LL << 24)) {
            throw std::invalid_argument("invalid chunksize '" + value +
                                        "': expected an integer from 1 to 16777216 (central atoms per kernel launch)");
        }
        chunkSize = static_cast<std::size_t>(number);
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(k), args.begin() + static_cast<std::ptrdiff_t>(k) + 2);
        --k;
    }
    return chunkSize;
}

// Removes `hostpath core|kernels` from the pair_style arguments and returns
// the path; HostPath::CoreLibrary when the keyword is absent. Throws
// std::invalid_argument for a missing or invalid value.
kokkos::HostPath extractHostPath(std::vector<std::string>& args) {
    kokkos::HostPath path = kokkos::HostPath::CoreLibrary;
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (args[k] != "hostpath") continue;
        if (k + 1 >= args.size()) {
            throw std::invalid_argument("keyword hostpath needs a value: core (the core library's vectorized "
                                        "code, the default) or kernels (the Kokkos kernels)");
        }
        const std::string& value = args[k + 1];
        if (value == "core") {
            path = kokkos::HostPath::CoreLibrary;
        } else if (value == "kernels") {
            path = kokkos::HostPath::Kernels;
        } else {
            throw std::invalid_argument("invalid hostpath '" + value + "': expected core or kernels");
        }
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(k), args.begin() + static_cast<std::ptrdiff_t>(k) + 2);
        --k;
    }
    return path;
}

}  // namespace

template <class DeviceType>
PairBpnnKokkos<DeviceType>::PairBpnnKokkos(LAMMPS* instance) : PairBpnn(instance) {
    respa_enable = 0;
    kokkosable = 1;
    atomKK = static_cast<AtomKokkos*>(atom);
    execution_space = ExecutionSpaceFromDevice<DeviceType>::space;
    datamask_read = X_MASK | F_MASK | TYPE_MASK | TAG_MASK | ENERGY_MASK | VIRIAL_MASK;
    datamask_modify = F_MASK | ENERGY_MASK | VIRIAL_MASK;
    // The kernels return the virial from the pair terms, which is right with
    // newton_pair on and off, so F dot r is never needed.
    no_virial_fdotr_compute = 1;
}

template <class DeviceType>
PairBpnnKokkos<DeviceType>::~PairBpnnKokkos() {
    if (copymode) return;
    memoryKK->destroy_kokkos(k_eatom, eatom);
    memoryKK->destroy_kokkos(k_vatom, vatom);
    eatom = nullptr;
    vatom = nullptr;
}

template <class DeviceType>
void PairBpnnKokkos<DeviceType>::settings(int narg, char** arg) {
    std::vector<std::string> args(arg, arg + narg);
    std::size_t chunkSize = 0;
    try {
        chunkSize = extractChunkSize(args);
        hostPath_ = extractHostPath(args);
    } catch (const std::invalid_argument& e) {
        error->all(FLERR, std::string("pair_style bpnn/kk: ") + e.what());
    }
    try {
        kkSettings_ = parsePairSettings(args);
    } catch (const std::invalid_argument& e) {
        error->all(FLERR, std::string("pair_style bpnn/kk: ") + e.what() +
                              " (bpnn/kk also accepts chunksize N, the atoms per kernel launch, and hostpath "
                              "core|kernels)");
    }
    std::vector<char*> pointers;
    for (std::string& word : args) pointers.push_back(word.data());
    PairBpnn::settings(static_cast<int>(pointers.size()), pointers.data());
    if (chunkSize > 0) chunkSize_ = chunkSize;

    pvector[0] = pvector[1] = 0.0;
    warningsSinceSummary_ = 0;
    warningsForLimit_ = 0;
    if (potential_ && potentialDirectory_ != kkSettings_.directory) {
        evaluator_.reset();
        potential_.reset();
    }
    evaluator_.reset();  // a changed chunk size takes effect in init_style()
}

template <class DeviceType>
void PairBpnnKokkos<DeviceType>::coeff(int narg, char** arg) {
    // The base class reads the potential collectively and checks every
    // symbol, so that the mapping below cannot fail.
    PairBpnn::coeff(narg, arg);
    typeSymbols_.assign(arg + 2, arg + narg);
    preparePotential();
}

// Reads the potential for the kernels and maps atom types to elements. Runs
// after PairBpnn::coeff() has read the same files without error.
template <class DeviceType>
void PairBpnnKokkos<DeviceType>::preparePotential() {
    if (!potential_) {
        try {
            potential_ = std::make_unique<Potential>(readPotential(kkSettings_.directory));
        } catch (const std::exception& e) {
            error->one(FLERR, "pair_style bpnn/kk: cannot read the potential in '" + kkSettings_.directory +
                                  "': " + e.what() + " (check the dir keyword of pair_style bpnn/kk)");
        }
        potentialDirectory_ = kkSettings_.directory;
        evaluator_.reset();
        calculators_.clear();
    }
    const int ntypes = atom->ntypes;
    typeToElement_.assign(static_cast<std::size_t>(ntypes) + 1, -1);
    for (int type = 1; type <= ntypes && static_cast<std::size_t>(type) <= typeSymbols_.size(); ++type) {
        const std::string& symbol = typeSymbols_[static_cast<std::size_t>(type) - 1];
        if (symbol != "NULL") typeToElement_[static_cast<std::size_t>(type)] = potential_->elementIndex(symbol);
    }
    d_typeToElement = kokkos::uploadArray<MemorySpace>("bpnn::type_to_element", typeToElement_);
}

template <class DeviceType>
void PairBpnnKokkos<DeviceType>::init_style() {
    PairBpnn::init_style();
    if (!potential_) preparePotential();
    if (!evaluator_) {
        try {
            evaluator_ = std::make_unique<kokkos::Evaluator<ExecSpace>>(*potential_, chunkSize_, hostPath_);
        } catch (const std::exception& e) {
            error->all(FLERR, std::string("pair_style bpnn/kk: ") + e.what());
        }
    }

    // PairBpnn::init_style() requested a full neighbor list without ghost
    // neighbors. KOKKOS builds it in the memory space of DeviceType.
    // A half list cannot serve a many-body potential, so the request stays
    // full for every neigh setting of the KOKKOS package.
    const int neighflag = lmp->kokkos->neighflag;
    if (neighflag != FULL && neighflag != HALF && neighflag != HALFTHREAD) {
        error->all(FLERR, "pair_style bpnn/kk supports the KOKKOS neighbor settings neigh full, half and "
                          "half/thread (it always builds a full list)");
    }
    const bool onHost = std::is_same<DeviceType, LMPHostType>::value && !std::is_same<DeviceType, LMPDeviceType>::value;
    const bool onDevice = std::is_same<DeviceType, LMPDeviceType>::value;
#if BPNN_LAMMPS_VERSION_NUMBER >= 20220324
    // NOTE: written for the NeighRequest interface of LAMMPS 24 Mar 2022 and
    // later, but only compiled and tested against LAMMPS 29 Sep 2021.
    NeighRequest* request = neighbor->find_request(this);
    request->set_kokkos_host(onHost ? 1 : 0);
    request->set_kokkos_device(onDevice ? 1 : 0);
#else
    const int irequest = neighbor->nrequest - 1;
    neighbor->requests[irequest]->kokkos_host = onHost ? 1 : 0;
    neighbor->requests[irequest]->kokkos_device = onDevice ? 1 : 0;
#endif
}

/* ---------------------------------------------------------------------- */

template <class DeviceType>
void PairBpnnKokkos<DeviceType>::compute(int eflag, int vflag) {
    ev_init(eflag, vflag, 0);

    if (eflag_atom) {
        memoryKK->destroy_kokkos(k_eatom, eatom);
        memoryKK->create_kokkos(k_eatom, eatom, maxeatom, "pair:eatom");
    }
    if (vflag_atom) {
        memoryKK->destroy_kokkos(k_vatom, vatom);
        memoryKK->create_kokkos(k_vatom, vatom, maxvatom, "pair:vatom");
    }

    atomKK->sync(execution_space, datamask_read);
    if (eflag || vflag) {
        atomKK->modified(execution_space, datamask_modify);
    } else {
        atomKK->modified(execution_space, F_MASK);
    }

    const int nlocal = atom->nlocal;
    const int nall = nlocal + atom->nghost;
    const bool newton = force->newton_pair != 0;
    auto* kokkosList = static_cast<NeighListKokkos<DeviceType>*>(list);

    LammpsNeighborSource<DeviceType> source;
    source.x = atomKK->k_x.view<DeviceType>();
    source.type = atomKK->k_type.view<DeviceType>();
    source.ilist = kokkosList->d_ilist;
    source.numneigh = kokkosList->d_numneigh;
    source.neighbors = kokkosList->d_neighbors;
    source.typeToElement = d_typeToElement;
    source.cflength = kkSettings_.cflength;
    source.numAll = nall;

    kokkos::OutputViews<ExecSpace> results;
    results.energyScale = 1.0 / kkSettings_.cfenergy;
    results.forceScale = kkSettings_.cflength / kkSettings_.cfenergy;
    results.virial = vflag_global != 0;
    if (newton) {
        // Forces on ghost atoms go straight into f, and LAMMPS adds them to
        // their owners by reverse communication.
        results.forces = atomKK->k_f.view<DeviceType>();
    } else {
        if (static_cast<int>(k_forces.extent(0)) < nall) {
            k_forces = decltype(k_forces)("bpnn::forces", static_cast<std::size_t>(atom->nmax));
        }
        Kokkos::deep_copy(k_forces.d_view, 0.0);
        results.forces = k_forces.d_view;
    }
    if (eflag_atom) results.atomEnergies = k_eatom.template view<DeviceType>();
    if (vflag_atom) {
        if (static_cast<int>(k_atomVirials9.extent(0)) < nall) {
            k_atomVirials9 = decltype(k_atomVirials9)("bpnn::atom_virials9", static_cast<std::size_t>(atom->nmax));
            k_atomVirials6 = decltype(k_atomVirials6)("bpnn::atom_virials6", static_cast<std::size_t>(atom->nmax));
        }
        Kokkos::deep_copy(k_atomVirials9.d_view, 0.0);
        results.atomVirials = k_atomVirials9.d_view;
    }

    kokkos::EvaluationTotals totals;
    try {
        totals = evaluator_->evaluate(source, list->inum, results, true);
    } catch (const std::exception& e) {
        error->one(FLERR, std::string("pair_style bpnn/kk: evaluation failed: ") + e.what());
    }

    handleExtrapolations(totals.extrapolations);

    if (eflag_global) eng_vdwl += totals.energy;
    if (vflag_global) {
        // LAMMPS's order xx yy zz xy xz yz from the row-major W_ab.
        virial[0] += totals.virial[0];
        virial[1] += totals.virial[4];
        virial[2] += totals.virial[8];
        virial[3] += totals.virial[1];
        virial[4] += totals.virial[2];
        virial[5] += totals.virial[5];
    }
    if (vflag_atom) convertAtomVirials(nall);

    if (!newton) {
        // Ghost contributions to their owners, on the host, because with
        // newton_pair off LAMMPS leaves this to the pair style.
        communicateVirials_ = vflag_atom != 0;
        k_forces.modify_device();
        k_forces.sync_host();
        if (communicateVirials_) {
            k_atomVirials6.modify_device();
            k_atomVirials6.sync_host();
        }
        lammps_compat::reverseCommunicate(comm, this);
        k_forces.modify_host();
        k_forces.sync_device();
        if (communicateVirials_) {
            k_atomVirials6.modify_host();
            k_atomVirials6.sync_device();
        }
        addGhostContributions(nlocal);
    } else if (vflag_atom) {
        addGhostContributions(nall);
    }

    if (eflag_atom) {
        k_eatom.template modify<DeviceType>();
        k_eatom.template sync<LMPHostType>();
    }
    if (vflag_atom) {
        k_vatom.template modify<DeviceType>();
        k_vatom.template sync<LMPHostType>();
    }
}

// Per-atom virials from the kernels' 9 components to LAMMPS's 6.
template <class DeviceType>
void PairBpnnKokkos<DeviceType>::convertAtomVirials(int count) {
    const auto virials9 = k_atomVirials9.d_view;
    const auto virials6 = k_atomVirials6.d_view;
    Kokkos::parallel_for(
        "bpnn::atom_virials", Kokkos::RangePolicy<ExecSpace>(0, count), KOKKOS_LAMBDA(const int i) {
            virials6(i, 0) = virials9(i, 0);
            virials6(i, 1) = virials9(i, 4);
            virials6(i, 2) = virials9(i, 8);
            virials6(i, 3) = virials9(i, 1);
            virials6(i, 4) = virials9(i, 2);
            virials6(i, 5) = virials9(i, 5);
        });
}

// Adds the buffered forces (newton_pair off only) and per-atom virials of
// atoms 0 .. count - 1 to LAMMPS's arrays.
template <class DeviceType>
void PairBpnnKokkos<DeviceType>::addGhostContributions(int count) {
    const bool newton = force->newton_pair != 0;
    const bool perAtomVirial = vflag_atom != 0;
    const auto f = atomKK->k_f.view<DeviceType>();
    const auto forces = k_forces.d_view;
    const auto virials6 = k_atomVirials6.d_view;
    const auto vatomView = k_vatom.template view<DeviceType>();
    Kokkos::parallel_for(
        "bpnn::add_to_lammps", Kokkos::RangePolicy<ExecSpace>(0, count), KOKKOS_LAMBDA(const int i) {
            if (!newton) {
                for (int c = 0; c < 3; ++c) f(i, c) += forces(i, c);
            }
            if (perAtomVirial) {
                for (int k = 0; k < 6; ++k) vatomView(i, k) += virials6(i, k);
            }
        });
}

template <class DeviceType>
int PairBpnnKokkos<DeviceType>::pack_reverse_comm(int n, int first, double* buffer) {
    int m = 0;
    for (int i = first; i < first + n; ++i) {
        for (int c = 0; c < 3; ++c) buffer[m++] = k_forces.h_view(i, c);
        if (communicateVirials_) {
            for (int k = 0; k < 6; ++k) buffer[m++] = k_atomVirials6.h_view(i, k);
        }
    }
    return m;
}

template <class DeviceType>
void PairBpnnKokkos<DeviceType>::unpack_reverse_comm(int n, int* indices, double* buffer) {
    int m = 0;
    for (int k = 0; k < n; ++k) {
        const int i = indices[k];
        for (int c = 0; c < 3; ++c) k_forces.h_view(i, c) += buffer[m++];
        if (communicateVirials_) {
            for (int q = 0; q < 6; ++q) k_atomVirials6.h_view(i, q) += buffer[m++];
        }
    }
}

/* ---------------------------------------------------------------------- */

// Counters, summaries and the maxew limit as in pair style bpnn.
template <class DeviceType>
void PairBpnnKokkos<DeviceType>::handleExtrapolations(std::size_t localCount) {
    pvector[0] = static_cast<double>(localCount);
    pvector[1] += static_cast<double>(localCount);

    const PairSettings& s = kkSettings_;
    if (!s.showew && s.showewsum <= 0 && s.maxew < 0) return;

    long long local = static_cast<long long>(localCount);
    long long global = 0;
    MPI_Allreduce(&local, &global, 1, MPI_LONG_LONG, MPI_SUM, world);

    if (s.showew && global > 0) reportExtrapolationDetails();

    if (s.showewsum > 0) {
        warningsSinceSummary_ += global;
        if (update->ntimestep % s.showewsum == 0) {
            if (comm->me == 0) {
                utils::logmesg(lmp, extrapolationSummary(static_cast<long long>(update->ntimestep),
                                                         warningsSinceSummary_, s.showewsum));
            }
            warningsSinceSummary_ = 0;
        }
    }

    warningsForLimit_ = s.resetew ? global : warningsForLimit_ + global;
    if (s.maxew >= 0 && warningsForLimit_ > s.maxew) {
        const std::string scope = s.resetew ? "in this step" : "since pair_style bpnn/kk was set";
        error->all(FLERR, "pair_style bpnn/kk: " + std::to_string(warningsForLimit_) + " extrapolation warnings " +
                              scope + " (step " + std::to_string(static_cast<long long>(update->ntimestep)) +
                              ") exceed maxew " + std::to_string(s.maxew) +
                              ": atoms have symmetry function values outside the range of the training data, "
                              "so energies and forces are unreliable. Check the structure, or raise maxew to "
                              "continue (showew yes lists the atoms).");
    }
}

// Lists the extrapolating values on MPI rank 0. Copies positions and the
// neighbor list to the host, which happens only in steps with warnings.
template <class DeviceType>
void PairBpnnKokkos<DeviceType>::reportExtrapolationDetails() {
    if (calculators_.empty()) {
        for (std::size_t e = 0; e < potential_->elements.size(); ++e) {
            calculators_.emplace_back(*potential_, static_cast<int>(e));
        }
    }
    auto* kokkosList = static_cast<NeighListKokkos<DeviceType>*>(list);
    const auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), atomKK->k_x.view<DeviceType>());
    const auto ilist = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), kokkosList->d_ilist);
    const auto numneigh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), kokkosList->d_numneigh);
    const auto neighbors = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), kokkosList->d_neighbors);
    atomKK->sync(Host, TYPE_MASK | TAG_MASK);

    const std::size_t numAll = static_cast<std::size_t>(atom->nlocal + atom->nghost);
    std::vector<int> indexElements(numAll);
    for (std::size_t i = 0; i < numAll; ++i) indexElements[i] = typeToElement_[static_cast<std::size_t>(atom->type[i])];
    std::vector<int> centers(static_cast<std::size_t>(list->inum));
    for (std::size_t c = 0; c < centers.size(); ++c) centers[c] = ilist(c);

    const double cutoff = potential_->maxCutoff();
    const double scale = kkSettings_.cflength;
    EvaluationRequest request;
    request.numCenters = centers.size();
    request.centerIndices = centers.data();
    request.elements = indexElements.data();
    request.gather = [&](std::size_t center, std::vector<Neighbor>& out) {
        const int i = centers[center];
        for (int n = 0; n < numneigh(i); ++n) {
            const int j = neighbors(i, n) & NEIGHMASK;
            const double dx = (x(j, 0) - x(i, 0)) * scale;
            const double dy = (x(j, 1) - x(i, 1)) * scale;
            const double dz = (x(j, 2) - x(i, 2)) * scale;
            const double r = std::sqrt(dx * dx + dy * dy + dz * dz);
            if (r < cutoff) out.push_back({j, dx, dy, dz, r});
        }
    };
    const auto atomId = [this](std::size_t index) -> long long {
        return atom->tag_enable ? static_cast<long long>(atom->tag[index]) : static_cast<long long>(index);
    };
    const ExtrapolationReport report =
        describeExtrapolations(*potential_, calculators_, request, atomId, comm->me, kMaxWarningLinesPerRank);

    logExtrapolationReport(report);
}

template <class DeviceType>
double PairBpnnKokkos<DeviceType>::memory_usage() {
    double bytes = PairBpnn::memory_usage();
    bytes += static_cast<double>(k_forces.extent(0) * 3 + k_atomVirials9.extent(0) * 15) * sizeof(double);
    return bytes;
}

template class PairBpnnKokkos<LMPDeviceType>;
#ifdef LMP_KOKKOS_GPU
template class PairBpnnKokkos<LMPHostType>;
#endif

}  // namespace bpnn

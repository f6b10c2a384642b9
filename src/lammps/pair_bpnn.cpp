// SPDX-License-Identifier: GPL-2.0-or-later
#include "pair_bpnn.h"

#include "extrapolation.h"
#include "lammps_compat.h"

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "neigh_list.h"
#include "neighbor.h"
#include "update.h"

#include "core/errors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

using namespace LAMMPS_NS;

namespace bpnn {
namespace {

// Lines of individual extrapolation warnings (showew yes) that one MPI rank
// prints per evaluation; the rest are only counted.
constexpr std::size_t kMaxWarningLinesPerRank = 100;

std::string formatNumber(double value, int digits = 10) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    return buffer;
}

}  // namespace

PairBpnn::PairBpnn(LAMMPS* lammps) : Pair(lammps) {
    single_enable = 0;
    restartinfo = 0;
    one_coeff = 1;
    manybody_flag = 1;
    reinitflag = 0;
    // The per-atom virial splits each pair term evenly between the two
    // atoms; the centroid form is not implemented.
    centroidstressflag = CENTROID_NOTAVAIL;
    // Forces (3) and per-atom virial (6) of ghost atoms with newton_pair off.
    comm_reverse = 9;
    comm_reverse_off = 9;
    // compute pair bpnn: [1] extrapolation warnings of the last evaluation,
    // [2] warnings since pair_style; compute pair sums them over MPI ranks.
    nextra = 2;
    pvector = new double[2]{0.0, 0.0};
}

PairBpnn::~PairBpnn() {
    delete[] pvector;
    pvector = nullptr;
    if (allocated) {
        memory->destroy(setflag);
        memory->destroy(cutsq);
    }
}

void PairBpnn::allocate() {
    allocated = 1;
    const int n = atom->ntypes;
    memory->create(setflag, n + 1, n + 1, "pair:setflag");
    memory->create(cutsq, n + 1, n + 1, "pair:cutsq");
    for (int i = 0; i <= n; ++i) {
        for (int j = 0; j <= n; ++j) setflag[i][j] = 0;
    }
}

/* ---------------------------------------------------------------------- */

void PairBpnn::settings(int narg, char** arg) {
    try {
        settings_ = parsePairSettings(std::vector<std::string>(arg, arg + narg));
    } catch (const std::invalid_argument& e) {
        error->all(FLERR, std::string("pair_style bpnn: ") + e.what());
    }

    // A new pair_style command starts the counters again, as in pair_style hdnnp.
    pvector[0] = pvector[1] = 0.0;
    warningsSinceSummary_ = 0;
    warningsForLimit_ = 0;
    setupLogged_ = false;

    // pair_coeff settings survive a repeated pair_style command; a changed
    // directory is read again in init_style().
    if (potential_ && loadedDirectory_ != settings_.directory) {
        evaluator_.reset();
        calculators_.clear();
        potential_.reset();
    }
}

void PairBpnn::coeff(int narg, char** arg) {
    if (!allocated) allocate();

    const int ntypes = atom->ntypes;
    if (narg < 2 || std::string(arg[0]) != "*" || std::string(arg[1]) != "*") {
        error->all(FLERR, "pair_coeff for pair_style bpnn must start with * *, followed by one element symbol "
                          "(or NULL) per atom type, for example: pair_coeff * * H O");
    }
    if (narg != 2 + ntypes) {
        error->all(FLERR, "pair_coeff * * for pair_style bpnn needs one element symbol (or NULL) for each of the " +
                              std::to_string(ntypes) + " atom types, but got " + std::to_string(narg - 2));
    }

    typeSymbols_.assign(1, std::string());
    for (int i = 2; i < narg; ++i) typeSymbols_.emplace_back(arg[i]);

    if (!potential_) loadPotential();
    mapTypesToElements();
    checkCutoff();
    setupLogged_ = false;
}

// Reads the potential on every MPI rank. Errors are collective, so that no
// rank waits for another that has stopped.
void PairBpnn::loadPotential() {
    // The evaluator and calculators refer to the potential, so they go first.
    evaluator_.reset();
    calculators_.clear();
    potential_.reset();

    int failed = 0;
    std::string message;
    try {
        potential_ = std::make_unique<Potential>(readPotential(settings_.directory));
        evaluator_ = std::make_unique<Evaluator>(*potential_);
    } catch (const std::exception& e) {
        failed = 1;
        message = e.what();
        evaluator_.reset();
        potential_.reset();
    }

    int failedRanks = 0;
    MPI_Allreduce(&failed, &failedRanks, 1, MPI_INT, MPI_SUM, world);
    if (failedRanks == 0) {
        loadedDirectory_ = settings_.directory;
        return;
    }
    const std::string text = "pair_style bpnn: cannot read the potential in directory '" + settings_.directory +
                             "' (pair_style keyword dir): " + message;
    if (failedRanks == comm->nprocs) error->all(FLERR, text);
    if (failed) error->one(FLERR, text);
    error->all(FLERR, "pair_style bpnn: reading the potential in '" + settings_.directory +
                          "' failed on another MPI rank");
}

void PairBpnn::mapTypesToElements() {
    const int ntypes = atom->ntypes;
    typeToElement_.assign(static_cast<std::size_t>(ntypes) + 1, -1);
    for (int type = 1; type <= ntypes; ++type) {
        const std::string& symbol = typeSymbols_[static_cast<std::size_t>(type)];
        if (symbol == "NULL") continue;
        const int element = potential_->elementIndex(symbol);
        if (element < 0) {
            std::string known;
            for (const ElementModel& model : potential_->elements) known += " " + model.symbol;
            error->all(FLERR, "pair_coeff: element '" + symbol + "' of atom type " + std::to_string(type) +
                                  " is not in the potential in '" + loadedDirectory_ +
                                  "', whose elements are:" + known + ". Use one of these or NULL.");
        }
        typeToElement_[static_cast<std::size_t>(type)] = element;
    }

    int mapped = 0;
    for (int i = 1; i <= ntypes; ++i) {
        for (int j = i; j <= ntypes; ++j) {
            const bool both = typeToElement_[static_cast<std::size_t>(i)] >= 0 &&
                              typeToElement_[static_cast<std::size_t>(j)] >= 0;
            setflag[i][j] = both ? 1 : 0;
            mapped += both ? 1 : 0;
        }
    }
    if (mapped == 0) error->all(FLERR, "pair_coeff * * maps every atom type to NULL; map at least one to an element");
}

double PairBpnn::requiredCutoff() const { return potential_->maxCutoff() / settings_.cflength; }

void PairBpnn::checkCutoff() {
    const double required = requiredCutoff();
    if (settings_.cutoff < required) {
        error->all(FLERR, "pair_style bpnn: cutoff " + formatNumber(settings_.cutoff) +
                              " is smaller than the potential's largest symmetry function cutoff " +
                              formatNumber(potential_->maxCutoff()) + " (potential length units) / cflength " +
                              formatNumber(settings_.cflength, 12) + " = " + formatNumber(required, 12) +
                              " LAMMPS length units. Use a cutoff of at least " + formatNumber(required, 12) +
                              ", or check cflength.");
    }
}

void PairBpnn::init_style() {
    // After a pair_style command that changed the directory.
    if (!potential_) {
        loadPotential();
        mapTypesToElements();
    }
    checkCutoff();
    lammps_compat::requestFullNeighborList(neighbor, this, instance_me);
    if (!setupLogged_) {
        if (comm->me == 0) logSetup();
        setupLogged_ = true;
    }
}

double PairBpnn::init_one(int, int) { return settings_.cutoff; }

// Called after the neighbor lists and ghost atoms of a run have been set up.
void PairBpnn::setup() {
    checkNeighborExclusions();

    const double required = requiredCutoff();
    const double ghostCutoff = std::max(comm->cutghostuser, neighbor->cutneighmax);
    if (neighbor->cutneighmax < required || ghostCutoff < required) {
        error->all(FLERR, "pair_style bpnn: the neighbor list cutoff " + formatNumber(neighbor->cutneighmax) +
                              " or the ghost atom (communication) cutoff " + formatNumber(ghostCutoff) +
                              " is smaller than the potential's cutoff " + formatNumber(required, 12) +
                              " (LAMMPS length units), so neighbors would be missing. Raise it with "
                              "comm_modify cutoff or the pair_style cutoff.");
    }
}

// A many-body potential needs every neighbor within the cutoff, so
// neigh_modify exclusions between mapped types make results wrong.
void PairBpnn::checkNeighborExclusions() {
    if (!neighbor->exclude) return;
    const int ntypes = atom->ntypes;
    if (neighbor->nex_type > 0 && neighbor->ex_type) {
        for (int i = 1; i <= ntypes; ++i) {
            for (int j = i; j <= ntypes; ++j) {
                const int ei = typeToElement_[static_cast<std::size_t>(i)];
                const int ej = typeToElement_[static_cast<std::size_t>(j)];
                if (ei < 0 || ej < 0 || !neighbor->ex_type[i][j]) continue;
                error->all(FLERR, "pair_style bpnn: neigh_modify exclude type " + std::to_string(i) + " " +
                                      std::to_string(j) + " removes neighbors that the potential needs (elements " +
                                      typeSymbols_[static_cast<std::size_t>(i)] + " and " +
                                      typeSymbols_[static_cast<std::size_t>(j)] +
                                      "). Remove the exclusion, or map one of the types to NULL.");
            }
        }
    }
    if ((neighbor->nex_group > 0 || neighbor->nex_mol > 0) && comm->me == 0 && !exclusionWarned_) {
        error->warning(FLERR, "pair_style bpnn: neigh_modify exclude group or molecule removes pairs from the "
                              "neighbor list; bpnn energies and forces are wrong for atoms that lose neighbors "
                              "within the potential's cutoff.");
        exclusionWarned_ = true;
    }
}

/* ---------------------------------------------------------------------- */

void PairBpnn::gatherNeighbors(std::size_t center, std::vector<Neighbor>& out) const {
    const int i = list->ilist[center];
    const int* neighbors = list->firstneigh[i];
    const int count = list->numneigh[i];
    const double* const* x = atom->x;
    const double scale = settings_.cflength;
    const double cutoff = potential_->maxCutoff();
    const double cutoffSquared = cutoff * cutoff;
    for (int n = 0; n < count; ++n) {
        const int j = neighbors[n] & NEIGHMASK;
        const double dx = (x[j][0] - x[i][0]) * scale;
        const double dy = (x[j][1] - x[i][1]) * scale;
        const double dz = (x[j][2] - x[i][2]) * scale;
        const double rsq = dx * dx + dy * dy + dz * dz;
        if (rsq >= cutoffSquared) continue;
        out.push_back({j, dx, dy, dz, std::sqrt(rsq)});
    }
}

void PairBpnn::compute(int eflag, int vflag) {
    ev_init(eflag, vflag);

    const std::size_t numAll = static_cast<std::size_t>(atom->nlocal + atom->nghost);
    const std::size_t numCenters = static_cast<std::size_t>(list->inum);
    elements_.resize(numAll);
    for (std::size_t i = 0; i < numAll; ++i) elements_[i] = typeToElement_[static_cast<std::size_t>(atom->type[i])];
    forces_.assign(3 * numAll, 0.0);
    if (vflag_atom) atomVirials9_.assign(9 * numAll, 0.0);
    if (eflag_atom) atomEnergies_.assign(numCenters, 0.0);

    EvaluationRequest request;
    request.numCenters = numCenters;
    request.centerIndices = list->ilist;
    request.elements = elements_.data();
    request.gather = [this](std::size_t center, std::vector<Neighbor>& out) { gatherNeighbors(center, out); };

    double virial9[9] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    EvaluationOutput result;
    result.forces = forces_.data();
    result.virial = virial9;
    result.atomEnergies = eflag_atom ? atomEnergies_.data() : nullptr;
    result.atomVirials = vflag_atom ? atomVirials9_.data() : nullptr;
    try {
        evaluator_->evaluate(request, result);
    } catch (const std::exception& e) {
        error->one(FLERR, std::string("pair_style bpnn: evaluation failed: ") + e.what());
    }

    handleExtrapolations(result.extrapolations, request);

    const double energyScale = 1.0 / settings_.cfenergy;
    if (eflag_global) eng_vdwl += result.energy * energyScale;
    if (eflag_atom) {
        for (std::size_t c = 0; c < numCenters; ++c) eatom[list->ilist[c]] += atomEnergies_[c] * energyScale;
    }
    addForcesAndVirials(virial9);
}

// Adds the evaluator's forces and virials, converted to LAMMPS units, to
// LAMMPS's arrays. With newton_pair on, LAMMPS sums ghost contributions into
// their owners. With newton_pair off it does not, so the reverse
// communication here sums them, and only local atoms are updated.
void PairBpnn::addForcesAndVirials(const double* virial9) {
    const int nlocal = atom->nlocal;
    const int nall = nlocal + atom->nghost;
    const double forceScale = settings_.cflength / settings_.cfenergy;
    const double energyScale = 1.0 / settings_.cfenergy;

    if (vflag_atom) {
        // LAMMPS's order xx yy zz xy xz yz from the row-major W_ab = sum r_a f_b.
        static constexpr int kComponents[6] = {0, 4, 8, 1, 2, 5};
        atomVirials6_.resize(6 * static_cast<std::size_t>(nall));
        for (std::size_t i = 0; i < static_cast<std::size_t>(nall); ++i) {
            for (std::size_t k = 0; k < 6; ++k) atomVirials6_[6 * i + k] = atomVirials9_[9 * i + static_cast<std::size_t>(kComponents[k])];
        }
    }

    int count = nall;
    if (!force->newton_pair) {
        communicateVirials_ = vflag_atom != 0;
        lammps_compat::reverseCommunicate(comm, this);
        count = nlocal;
    }

    double** f = atom->f;
    for (int i = 0; i < count; ++i) {
        const std::size_t offset = 3 * static_cast<std::size_t>(i);
        for (int c = 0; c < 3; ++c) f[i][c] += forces_[offset + static_cast<std::size_t>(c)] * forceScale;
    }
    if (vflag_atom) {
        for (int i = 0; i < count; ++i) {
            const std::size_t offset = 6 * static_cast<std::size_t>(i);
            for (int k = 0; k < 6; ++k) vatom[i][k] += atomVirials6_[offset + static_cast<std::size_t>(k)] * energyScale;
        }
    }

    // F dot r over local and ghost atoms needs the ghost forces in atom->f,
    // which only newton_pair on provides.
    if (vflag_fdotr && force->newton_pair) {
        virial_fdotr_compute();
    } else if (vflag_global || vflag_fdotr) {
        virial[0] += virial9[0] * energyScale;
        virial[1] += virial9[4] * energyScale;
        virial[2] += virial9[8] * energyScale;
        virial[3] += virial9[1] * energyScale;
        virial[4] += virial9[2] * energyScale;
        virial[5] += virial9[5] * energyScale;
    }
}

int PairBpnn::pack_reverse_comm(int n, int first, double* buffer) {
    int m = 0;
    for (int i = first; i < first + n; ++i) {
        const std::size_t index = static_cast<std::size_t>(i);
        for (std::size_t c = 0; c < 3; ++c) buffer[m++] = forces_[3 * index + c];
        if (communicateVirials_) {
            for (std::size_t k = 0; k < 6; ++k) buffer[m++] = atomVirials6_[6 * index + k];
        }
    }
    return m;
}

void PairBpnn::unpack_reverse_comm(int n, int* indices, double* buffer) {
    int m = 0;
    for (int i = 0; i < n; ++i) {
        const std::size_t index = static_cast<std::size_t>(indices[i]);
        for (std::size_t c = 0; c < 3; ++c) forces_[3 * index + c] += buffer[m++];
        if (communicateVirials_) {
            for (std::size_t k = 0; k < 6; ++k) atomVirials6_[6 * index + k] += buffer[m++];
        }
    }
}

/* ---------------------------------------------------------------------- */

void PairBpnn::handleExtrapolations(std::size_t localCount, const EvaluationRequest& request) {
    pvector[0] = static_cast<double>(localCount);
    pvector[1] += static_cast<double>(localCount);

    const bool monitored = settings_.showew || settings_.showewsum > 0 || settings_.maxew >= 0;
    if (!monitored) return;

    long long local = static_cast<long long>(localCount);
    long long global = 0;
    MPI_Allreduce(&local, &global, 1, MPI_LONG_LONG, MPI_SUM, world);

    if (settings_.showew && global > 0) reportExtrapolationDetails(request);

    if (settings_.showewsum > 0) {
        warningsSinceSummary_ += global;
        if (update->ntimestep % settings_.showewsum == 0) {
            if (comm->me == 0) {
                utils::logmesg(lmp, extrapolationSummary(static_cast<long long>(update->ntimestep),
                                                         warningsSinceSummary_, settings_.showewsum));
            }
            warningsSinceSummary_ = 0;
        }
    }

    warningsForLimit_ = settings_.resetew ? global : warningsForLimit_ + global;
    if (settings_.maxew >= 0 && warningsForLimit_ > settings_.maxew) {
        const std::string scope = settings_.resetew ? "in this step" : "since pair_style bpnn was set";
        error->all(FLERR, "pair_style bpnn: " + std::to_string(warningsForLimit_) + " extrapolation warnings " +
                              scope + " (step " + std::to_string(static_cast<long long>(update->ntimestep)) +
                              ") exceed maxew " + std::to_string(settings_.maxew) +
                              ": atoms have symmetry function values outside the range of the training data, "
                              "so energies and forces are unreliable. Check the structure, or raise maxew to "
                              "continue (showew yes lists the atoms).");
    }
}

// Prints one line per extrapolating value on MPI rank 0, gathered from all ranks.
void PairBpnn::reportExtrapolationDetails(const EvaluationRequest& request) {
    if (calculators_.empty()) {
        for (std::size_t e = 0; e < potential_->elements.size(); ++e) {
            calculators_.emplace_back(*potential_, static_cast<int>(e));
        }
    }
    const auto atomId = [this](std::size_t index) -> long long {
        return atom->tag_enable ? static_cast<long long>(atom->tag[index]) : static_cast<long long>(index);
    };
    const ExtrapolationReport report =
        describeExtrapolations(*potential_, calculators_, request, atomId, comm->me, kMaxWarningLinesPerRank);

    logExtrapolationReport(report);
}

void PairBpnn::logExtrapolationReport(const ExtrapolationReport& report) {
    std::string text;
    for (const std::string& line : report.lines) text += line;
    if (report.total > report.lines.size()) {
        text += "(" + std::to_string(report.total - report.lines.size()) +
                " more extrapolation warnings on MPI rank " + std::to_string(comm->me) + " not shown)\n";
    }
    int length = static_cast<int>(text.size());
    std::vector<int> lengths(static_cast<std::size_t>(comm->nprocs), 0);
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, world);
    std::vector<int> offsets(lengths.size(), 0);
    std::string all;
    if (comm->me == 0) {
        int total = 0;
        for (std::size_t r = 0; r < lengths.size(); ++r) {
            offsets[r] = total;
            total += lengths[r];
        }
        all.resize(static_cast<std::size_t>(total));
    }
    MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, world);
    if (comm->me == 0) utils::logmesg(lmp, all);
}

double PairBpnn::memory_usage() {
    double bytes = Pair::memory_usage();
    bytes += static_cast<double>(elements_.capacity() * sizeof(int));
    bytes += static_cast<double>((forces_.capacity() + atomVirials9_.capacity() + atomVirials6_.capacity() +
                                  atomEnergies_.capacity()) *
                                 sizeof(double));
    return bytes;
}

}  // namespace bpnn

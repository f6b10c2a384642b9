// SPDX-License-Identifier: GPL-2.0-or-later
// LAMMPS pair style bpnn: a second-generation Behler-Parrinello HDNNP read
// from n2p2/RuNNer files and evaluated by the bpnn core library. Its
// pair_style and pair_coeff syntax is that of pair_style hdnnp, so an
// existing hdnnp input runs by changing only the style name. README.md in
// this folder documents the command.
//
// Units: the core library works in the potential's units. This class
// converts at the boundary: displacements are multiplied by cflength on the
// way in, energies divided by cfenergy, forces multiplied by
// cflength / cfenergy and virials divided by cfenergy on the way out.
#pragma once

#include "pair.h"

#include "core/descriptors.h"
#include "core/evaluator.h"
#include "core/potential.h"
#include "extrapolation.h"
#include "pair_settings.h"

#include <memory>
#include <string>
#include <vector>

namespace bpnn {

class PairBpnn : public LAMMPS_NS::Pair {
public:
    explicit PairBpnn(LAMMPS_NS::LAMMPS* lammps);
    ~PairBpnn() override;

    void compute(int eflag, int vflag) override;
    void settings(int narg, char** arg) override;
    void coeff(int narg, char** arg) override;
    void init_style() override;
    double init_one(int i, int j) override;
    void setup() override;

    // Reverse communication of forces (3 values per atom) and, when the
    // per-atom virial is requested, of the per-atom virial (6 values), used
    // with newton_pair off.
    int pack_reverse_comm(int n, int first, double* buffer) override;
    void unpack_reverse_comm(int n, int* indices, double* buffer) override;

    double memory_usage() override;

protected:
    // Gathers the extrapolation warning lines of every rank on rank 0 and
    // writes them to the LAMMPS log; bpnn/kk uses it too.
    void logExtrapolationReport(const ExtrapolationReport& report);

private:
    void allocate();
    void loadPotential();
    void mapTypesToElements();
    void checkCutoff();
    void checkNeighborExclusions();
    void logSetup();
    double requiredCutoff() const;  // potential's largest cutoff in LAMMPS length units

    void gatherNeighbors(std::size_t center, std::vector<Neighbor>& out) const;
    void addForcesAndVirials(const double* virial9);
    void handleExtrapolations(std::size_t localCount, const EvaluationRequest& request);
    void reportExtrapolationDetails(const EvaluationRequest& request);

    PairSettings settings_;
    // Element symbol per atom type (index 1 .. ntypes), "NULL" for types the
    // potential ignores, as given to pair_coeff.
    std::vector<std::string> typeSymbols_;
    std::vector<int> typeToElement_;  // element index per atom type, -1 for NULL

    std::unique_ptr<Potential> potential_;
    std::unique_ptr<Evaluator> evaluator_;
    std::vector<DescriptorCalculator> calculators_;  // for extrapolation details only
    std::string loadedDirectory_;
    bool setupLogged_ = false;
    bool exclusionWarned_ = false;

    // Per-step buffers. Arrays per "index" cover local and ghost atoms.
    std::vector<int> elements_;          // element index per index
    std::vector<double> forces_;         // 3 per index, potential units
    std::vector<double> atomVirials9_;   // 9 per index, potential units
    std::vector<double> atomVirials6_;   // 6 per index (xx yy zz xy xz yz), potential units
    std::vector<double> atomEnergies_;   // per center (position in ilist)
    bool communicateVirials_ = false;    // layout of the reverse communication

    // Extrapolation warning counters, summed over all MPI ranks.
    long long warningsSinceSummary_ = 0;
    long long warningsForLimit_ = 0;  // what maxew limits (see resetew)
};

}  // namespace bpnn

// SPDX-License-Identifier: GPL-2.0-or-later
// Evaluation of a potential with Kokkos kernels, in the order of the core
// library's adjoint pipeline. Per chunk of central atoms:
//   bpnn::neighbor_count, bpnn::neighbor_offsets, bpnn::neighbor_gather
//       compressed neighbor rows of the chunk, from any neighbor source
//   bpnn::sort_by_element      atoms of the chunk grouped by element
//   bpnn::descriptors          symmetry functions G, one team per atom
//   bpnn::scaling              scaled network inputs, extrapolation count
//   bpnn::network_forward      one launch per element and layer
//   bpnn::atom_energies        network outputs to atomic energies
//   bpnn::network_backward     dE/dG, one launch per element and layer
//   bpnn::adjoint              dE/dd per neighbor entry, one team per atom
//   bpnn::force_scatter        forces, virial and per-atom virials
// Memory grows with the chunk size (a constructor argument), never with the
// system size, apart from the caller's per-atom output arrays.
//
// Include Kokkos_Core.hpp before any core header (this header does), so
// that the formulas of core/formulas.h compile for the device.
#pragma once

#include <Kokkos_Core.hpp>

#include "core/evaluator.h"
#include "descriptor_kernel.h"
#include "device_model.h"
#include "flat_model.h"
#include "network_kernels.h"

#include <math.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace bpnn::kokkos {

// Where the evaluator adds its results, all in the memory space of the
// execution space and indexed by "index" (local and ghost atoms in LAMMPS;
// see the neighbor source). An empty View (extent 0) is skipped.
template <class ExecSpace>
struct OutputViews {
    using memory_space = typename ExecSpace::memory_space;
    Kokkos::View<double* [3], Kokkos::LayoutRight, memory_space> forces;
    Kokkos::View<double*, memory_space> atomEnergies;
    // 9 per index, row-major W_ab = sum r_a f_b; each pair term is split
    // evenly between the two atoms.
    Kokkos::View<double* [9], Kokkos::LayoutRight, memory_space> atomVirials;
    bool virial = true;  // compute the global virial
    // Unit conversion of the results: energies and virials are multiplied
    // by energyScale and forces by forceScale.
    double energyScale = 1.0;
    double forceScale = 1.0;
};

struct EvaluationTotals {
    double energy = 0.0;
    double virial[9] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    std::size_t extrapolations = 0;  // (atom, function) values outside [G_min, G_max]
};

// Force scatter with the global virial as an array reduction of 9 values.
template <class ExecSpace>
struct ForceScatter {
    using memory_space = typename ExecSpace::memory_space;
    using value_type = double[];
    using size_type = typename ExecSpace::size_type;
    unsigned value_count = 9;

    ChunkNeighbors<ExecSpace> neighbors;
    Kokkos::View<int*, memory_space> centerIndex;  // per chunk center
    Kokkos::View<double**, memory_space> gradient;
    OutputViews<ExecSpace> output;
    bool atomic = true;

    KOKKOS_INLINE_FUNCTION void add(double& target, double value) const {
        if (atomic) {
            Kokkos::atomic_add(&target, value);
        } else {
            target += value;
        }
    }

    KOKKOS_INLINE_FUNCTION void operator()(const int entry, double* virial) const {
        const int j = neighbors.index(entry);
        const int self = centerIndex(neighbors.center(entry));
        const double g[3] = {gradient(entry, 0), gradient(entry, 1), gradient(entry, 2)};
        if (output.forces.extent(0) > 0) {
            for (int c = 0; c < 3; ++c) {
                add(output.forces(j, c), -g[c] * output.forceScale);
                add(output.forces(self, c), g[c] * output.forceScale);
            }
        }
        const bool perAtom = output.atomVirials.extent(0) > 0;
        for (int p = 0; p < 3; ++p) {
            for (int q = 0; q < 3; ++q) {
                const double w = -neighbors.d(entry, p) * g[q] * output.energyScale;
                virial[3 * p + q] += w;
                if (perAtom) {
                    add(output.atomVirials(j, 3 * p + q), 0.5 * w);
                    add(output.atomVirials(self, 3 * p + q), 0.5 * w);
                }
            }
        }
    }

    KOKKOS_INLINE_FUNCTION void operator()(const int entry) const {
        double unused[9];
        operator()(entry, unused);
    }
};

// Evaluates a potential on an execution space. Not thread-safe: each
// instance keeps its chunk buffers between calls.
//
// A neighbor source is a copyable type with these const member functions,
// callable in kernels (KOKKOS_INLINE_FUNCTION):
//   int centerIndex(int center)      index of a central atom
//   int element(int index)           element index of an index, -1: ignored
//   int numCandidates(int center)    length of the center's neighbor row
//   int candidate(int center, int n)  index j of the n-th entry of the row
//   void displacement(int center, int n, double d[3])
//       d = r_j - r_i of the n-th entry, in the potential's length unit.
//   int numIndices()                 number of indices (host path only)
// Entries at |d| >= the largest cutoff of the potential are allowed and
// skipped.
//
// On execution spaces in host memory (Serial, OpenMP, Threads) the default
// is HostPath::CoreLibrary. It splits the centers among the space's threads,
// and each thread runs the core library's Evaluator. Its vectorized
// descriptor loops are several times faster on CPUs than these kernels.
// HostPath::Kernels runs the kernels on the host as on a GPU.
enum class HostPath { CoreLibrary, Kernels };

template <class ExecSpace>
class Evaluator {
public:
    using execution_space = ExecSpace;
    using memory_space = typename ExecSpace::memory_space;
    using Matrix = Kokkos::View<double**, memory_space>;
    using IntArray = Kokkos::View<int*, memory_space>;
    static constexpr bool kHostSpace = std::is_same<memory_space, Kokkos::HostSpace>::value;

    Evaluator(const Potential& potential, std::size_t chunkSize, HostPath hostPath = HostPath::CoreLibrary)
        : flat_(flattenPotential(potential)),
          model_(uploadModel<ExecSpace>(flat_)),
          chunkSize_(static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(chunkSize, 1u << 24)))),
          useCoreLibrary_(kHostSpace && hostPath == HostPath::CoreLibrary) {
        if (useCoreLibrary_) hostPotential_ = std::make_shared<const Potential>(potential);
    }

    const FlatModel& model() const { return flat_; }
    std::size_t chunkSize() const { return static_cast<std::size_t>(chunkSize_); }
    bool usesCoreLibrary() const { return useCoreLibrary_; }

    // Adds energies, forces and virials of centers 0 .. numCenters - 1 of
    // the source to `output` and returns the totals. With derivatives false
    // only energies are computed. Throws std::runtime_error for a
    // non-finite energy.
    template <class Source>
    EvaluationTotals evaluate(const Source& source, int numCenters, const OutputViews<ExecSpace>& output,
                              bool derivatives = true) {
        if constexpr (kHostSpace) {
            if (useCoreLibrary_) return evaluateWithCoreLibrary(source, numCenters, output, derivatives);
        }
        EvaluationTotals totals;
        for (int first = 0; first < numCenters; first += chunkSize_) {
            const int count = std::min(chunkSize_, numCenters - first);
            evaluateChunk(source, first, count, output, derivatives, totals);
        }
        if (!std::isfinite(totals.energy)) {
            throw std::runtime_error("the potential returned a non-finite energy (" + std::to_string(totals.energy) +
                                     "): a network overflowed, so the structure lies far outside the training "
                                     "range (" + std::to_string(totals.extrapolations) +
                                     " symmetry function values outside scaling.data)");
        }
        return totals;
    }

    // The host path. Thread slot s evaluates the centers s * n / slots ..
    // (s + 1) * n / slots - 1 with its own core Evaluator into its own
    // arrays. These are added to `output` in slot order, so the results
    // depend on the number of threads only through the order of the sums.
    template <class Source>
    EvaluationTotals evaluateWithCoreLibrary(const Source& source, int numCenters, const OutputViews<ExecSpace>& output,
                                             bool derivatives) {
        const std::size_t numIndices = static_cast<std::size_t>(source.numIndices());
        const int slots = std::max(1, std::min(ExecSpace().concurrency(), std::max(numCenters, 1)));
        while (static_cast<int>(hostSlots_.size()) < slots) {
            hostSlots_.emplace_back(std::make_unique<HostSlot>(*hostPotential_, static_cast<std::size_t>(chunkSize_)));
        }
        hostElements_.resize(numIndices);
        for (std::size_t i = 0; i < numIndices; ++i) hostElements_[i] = source.element(static_cast<int>(i));
        hostCenterIndices_.resize(static_cast<std::size_t>(numCenters));
        for (int c = 0; c < numCenters; ++c) hostCenterIndices_[static_cast<std::size_t>(c)] = source.centerIndex(c);
        hostCenterEnergies_.assign(static_cast<std::size_t>(numCenters), 0.0);
        const bool forces = derivatives && output.forces.extent(0) > 0;
        const bool atomVirials = derivatives && output.atomVirials.extent(0) > 0;
        const bool virial = derivatives && output.virial;

        Kokkos::parallel_for(
            "bpnn::core_library", Kokkos::RangePolicy<ExecSpace, Kokkos::Schedule<Kokkos::Static>>(0, slots),
            [&](const int s) {
                HostSlot& slot = *hostSlots_[static_cast<std::size_t>(s)];
                const int first = static_cast<int>(static_cast<long long>(numCenters) * s / slots);
                const int last = static_cast<int>(static_cast<long long>(numCenters) * (s + 1) / slots);
                slot.forces.assign(forces ? 3 * numIndices : 0, 0.0);
                slot.atomVirials.assign(atomVirials ? 9 * numIndices : 0, 0.0);
                std::fill(slot.virial, slot.virial + 9, 0.0);
                slot.result = ::bpnn::EvaluationOutput{};
                slot.result.atomEnergies = hostCenterEnergies_.data() + first;
                if (forces) slot.result.forces = slot.forces.data();
                if (virial) slot.result.virial = slot.virial;
                if (atomVirials) slot.result.atomVirials = slot.atomVirials.data();
                slot.error.clear();
                ::bpnn::EvaluationRequest request;
                request.numCenters = static_cast<std::size_t>(last - first);
                request.centerIndices = hostCenterIndices_.data() + first;
                request.elements = hostElements_.data();
                request.derivatives = derivatives;
                request.gather = [&source, first](std::size_t center, std::vector<Neighbor>& out) {
                    const int c = first + static_cast<int>(center);
                    const int candidates = source.numCandidates(c);
                    for (int n = 0; n < candidates; ++n) {
                        double d[3];
                        source.displacement(c, n, d);
                        out.push_back({source.candidate(c, n), d[0], d[1], d[2],
                                       sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])});
                    }
                };
                try {
                    slot.evaluator.evaluate(request, slot.result);
                } catch (const std::exception& e) {
                    slot.error = e.what();
                }
            });

        EvaluationTotals totals;
        for (int s = 0; s < slots; ++s) {
            const HostSlot& slot = *hostSlots_[static_cast<std::size_t>(s)];
            if (!slot.error.empty()) throw std::runtime_error(slot.error);
            totals.energy += slot.result.energy * output.energyScale;
            totals.extrapolations += slot.result.extrapolations;
            for (int k = 0; k < 9; ++k) totals.virial[k] += slot.virial[k] * output.energyScale;
        }
        if (output.atomEnergies.extent(0) > 0) {
            for (int c = 0; c < numCenters; ++c) {
                output.atomEnergies(hostCenterIndices_[static_cast<std::size_t>(c)]) +=
                    hostCenterEnergies_[static_cast<std::size_t>(c)] * output.energyScale;
            }
        }
        const auto outputForces = output.forces;
        const auto outputAtomVirials = output.atomVirials;
        const double forceScale = output.forceScale, energyScale = output.energyScale;
        Kokkos::parallel_for(
            "bpnn::core_library_sum", Kokkos::RangePolicy<ExecSpace>(0, static_cast<int>(numIndices)),
            [&](const int i) {
                const std::size_t index = static_cast<std::size_t>(i);
                for (int s = 0; s < slots; ++s) {
                    const HostSlot& slot = *hostSlots_[static_cast<std::size_t>(s)];
                    if (forces) {
                        for (int c = 0; c < 3; ++c) outputForces(i, c) += slot.forces[3 * index + c] * forceScale;
                    }
                    if (atomVirials) {
                        for (int k = 0; k < 9; ++k) {
                            outputAtomVirials(i, k) += slot.atomVirials[9 * index + k] * energyScale;
                        }
                    }
                }
            });
        if (!std::isfinite(totals.energy)) {
            throw std::runtime_error("the potential returned a non-finite energy (" + std::to_string(totals.energy) +
                                     ")");
        }
        return totals;
    }

    // The stages of one chunk. Public only because CUDA's extended lambdas
    // must not sit in private member functions.
    template <class Source>
    void evaluateChunk(const Source& source, int first, int count, const OutputViews<ExecSpace>& output,
                       bool derivatives, EvaluationTotals& totals) {
        const int numEntries = gatherNeighbors(source, first, count);
        const int numSorted = sortByElement(count);
        if (numSorted == 0) return;
        ensureWorkBuffers(numSorted, numEntries);

        computeDescriptors(numSorted);
        for (std::size_t e = 0; e < flat_.elements.size(); ++e) {
            if (elementCounts_[e] == 0) continue;
            const FlatElement& element = flat_.elements[e];
            totals.extrapolations += scaleInputs(element, elementStarts_[e], elementCounts_[e]);
            for (int l = 0; l < element.numLayers; ++l) {
                forwardLayer(model_, flat_.layers[static_cast<std::size_t>(element.firstLayer + l)], flat_.normalizeNodes,
                             elementStarts_[e], elementCounts_[e], values_, slopes_, derivatives);
            }
            totals.energy += atomEnergies(element, elementStarts_[e], elementCounts_[e], output);
        }
        if (!derivatives) return;

        for (std::size_t e = 0; e < flat_.elements.size(); ++e) {
            if (elementCounts_[e] == 0) continue;
            const FlatElement& element = flat_.elements[e];
            seedBackwardPass(element, elementStarts_[e], elementCounts_[e]);
            for (int l = element.numLayers - 1; l >= 0; --l) {
                backwardLayer(model_, flat_.layers[static_cast<std::size_t>(element.firstLayer + l)], flat_.normalizeNodes,
                              elementStarts_[e], elementCounts_[e], values_, slopes_);
            }
        }
        computeAdjoint(numSorted);
        scatterForces(numEntries, output, totals);
    }

    // Fills neighbors_ with the entries of chunk centers first .. first +
    // count - 1 that are in range and not ignored, and returns their number.
    template <class Source>
    int gatherNeighbors(const Source& source, int first, int count) {
        ensureChunkBuffers(count);
        const auto offsets = neighbors_.offsets;
        const auto centerIndex = centerIndex_;
        const auto centerElement = centerElement_;
        const double cutoff = flat_.maxCutoff;
        const double cutoffSquared = cutoff * cutoff;
        Kokkos::parallel_for(
            "bpnn::neighbor_count", Kokkos::RangePolicy<ExecSpace>(0, count), KOKKOS_LAMBDA(const int c) {
                const int index = source.centerIndex(first + c);
                const int element = source.element(index);
                centerIndex(c) = index;
                centerElement(c) = element;
                int valid = 0;
                if (element >= 0) {
                    const int candidates = source.numCandidates(first + c);
                    for (int n = 0; n < candidates; ++n) {
                        if (source.element(source.candidate(first + c, n)) < 0) continue;
                        double d[3];
                        source.displacement(first + c, n, d);
                        if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < cutoffSquared) ++valid;
                    }
                }
                offsets(c) = valid;
            });
        int total = 0;
        Kokkos::parallel_scan(
            "bpnn::neighbor_offsets", Kokkos::RangePolicy<ExecSpace>(0, count + 1),
            KOKKOS_LAMBDA(const int c, int& partial, const bool final) {
                const int valid = c < count ? offsets(c) : 0;
                if (final) offsets(c) = partial;
                partial += valid;
            },
            total);
        ensureNeighborCapacity(total);

        // One pass over the candidates per element, so that each row is
        // grouped by element (see ChunkNeighbors).
        const ChunkNeighbors<ExecSpace> neighbors = neighbors_;
        const int numElements = static_cast<int>(flat_.elements.size());
        Kokkos::parallel_for(
            "bpnn::neighbor_gather", Kokkos::RangePolicy<ExecSpace>(0, count), KOKKOS_LAMBDA(const int c) {
                int entry = neighbors.offsets(c);
                const int candidates = centerElement(c) < 0 ? 0 : source.numCandidates(first + c);
                for (int e = 0; e < numElements; ++e) {
                    neighbors.elementOffsets(c, e) = entry;
                    for (int n = 0; n < candidates; ++n) {
                        const int j = source.candidate(first + c, n);
                        if (source.element(j) != e) continue;
                        double d[3];
                        source.displacement(first + c, n, d);
                        const double rSquared = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                        if (rSquared >= cutoffSquared) continue;
                        const double r = sqrt(rSquared);
                        neighbors.index(entry) = j;
                        neighbors.element(entry) = e;
                        neighbors.center(entry) = c;
                        for (int k = 0; k < 3; ++k) neighbors.d(entry, k) = d[k];
                        neighbors.r(entry) = r;
                        ++entry;
                    }
                }
                neighbors.elementOffsets(c, numElements) = entry;
            });
        return total;
    }

    // Lists the chunk centers by element in sorted_ and returns how many
    // centers are not ignored.
    int sortByElement(int count) {
        const auto centerElement = centerElement_;
        const auto sorted = sorted_;
        int start = 0;
        const int numElements = static_cast<int>(flat_.elements.size());
        elementStarts_.assign(flat_.elements.size(), 0);
        elementCounts_.assign(flat_.elements.size(), 0);
        for (int e = 0; e < numElements; ++e) {
            int members = 0;
            const int offset = start;
            Kokkos::parallel_scan(
                "bpnn::sort_by_element", Kokkos::RangePolicy<ExecSpace>(0, count),
                KOKKOS_LAMBDA(const int c, int& partial, const bool final) {
                    if (centerElement(c) != e) return;
                    if (final) sorted(offset + partial) = c;
                    ++partial;
                },
                members);
            elementStarts_[static_cast<std::size_t>(e)] = start;
            elementCounts_[static_cast<std::size_t>(e)] = members;
            start += members;
        }
        return start;
    }

    // Dynamic scheduling, because the cost per atom differs between
    // elements and the atoms are sorted by element.
    using AtomPolicy = Kokkos::TeamPolicy<ExecSpace, Kokkos::Schedule<Kokkos::Dynamic>>;

    AtomPolicy atomTeams(int numAtoms) const {
        // Host back ends get the best cache use from one thread per atom.
        if (Kokkos::SpaceAccessibility<Kokkos::HostSpace, memory_space>::accessible) {
            return AtomPolicy(numAtoms, 1);
        }
        return AtomPolicy(numAtoms, Kokkos::AUTO);
    }

    void computeDescriptors(int numSorted) {
        DescriptorKernel<ExecSpace, false> kernel;
        fillKernel(kernel);
        Kokkos::parallel_for("bpnn::descriptors", atomTeams(numSorted), kernel);
    }

    void computeAdjoint(int numSorted) {
        DescriptorKernel<ExecSpace, true> kernel;
        fillKernel(kernel);
        kernel.energyScale = flat_.normalize ? 1.0 / flat_.convEnergy : 1.0;
        Kokkos::parallel_for("bpnn::adjoint", atomTeams(numSorted), kernel);
    }

    template <class Kernel>
    void fillKernel(Kernel& kernel) const {
        kernel.model = model_;
        kernel.neighbors = neighbors_;
        kernel.sorted = sorted_;
        kernel.centerElement = centerElement_;
        kernel.values = values_;
        kernel.pairTerms = pairTerms_;
        kernel.gradient = gradient_;
    }

    // Scales the raw G of rows first .. first + rows - 1 in place and
    // returns the number of values outside [G_min, G_max].
    std::size_t scaleInputs(const FlatElement& element, int first, int rows) {
        const auto values = values_;
        const auto factor = model_.scaleFactor;
        const auto shift = model_.scaleShift;
        const auto gmin = model_.gmin;
        const auto gmax = model_.gmax;
        const int numFunctions = element.numFunctions;
        const int firstFunction = element.firstFunction;
        const bool check = flat_.hasScalingData;
        long long outside = 0;
        Kokkos::parallel_reduce(
            "bpnn::scaling", Kokkos::RangePolicy<ExecSpace>(0, rows * numFunctions),
            KOKKOS_LAMBDA(const int item, long long& sum) {
                const int row = first + item / numFunctions;
                const int s = item % numFunctions;
                const int f = firstFunction + s;
                const double g = values(row, s);
                if (check && (g < gmin(f) || g > gmax(f))) ++sum;
                values(row, s) = shift(f) + factor(f) * g;
            },
            outside);
        return static_cast<std::size_t>(outside);
    }

    double atomEnergies(const FlatElement& element, int first, int rows, const OutputViews<ExecSpace>& output) {
        const auto values = values_;
        const auto sorted = sorted_;
        const auto centerIndex = centerIndex_;
        const auto energies = output.atomEnergies;
        const bool perAtom = energies.extent(0) > 0;
        const int column = element.outputColumn;
        const bool normalize = flat_.normalize;
        const double convEnergy = flat_.convEnergy;
        const double meanEnergy = flat_.meanEnergy;
        const double offset = element.energyOffset;
        const double scale = output.energyScale;
        double total = 0.0;
        Kokkos::parallel_reduce(
            "bpnn::atom_energies", Kokkos::RangePolicy<ExecSpace>(0, rows),
            KOKKOS_LAMBDA(const int item, double& sum) {
                const int row = first + item;
                const double out = values(row, column);
                // E_i = NN_i / conv_energy + mean_energy + atom_energy with
                // normalization, else NN_i + atom_energy (as the core library).
                const double energy = (normalize ? out / convEnergy + meanEnergy + offset : out + offset) * scale;
                sum += energy;
                if (perAtom) energies(centerIndex(sorted(row))) += energy;
            },
            total);
        return total;
    }

    // dOutput/dOutput = 1 in the output column, where backwardLayer() starts.
    void seedBackwardPass(const FlatElement& element, int first, int rows) {
        const auto values = values_;
        const int column = element.outputColumn;
        Kokkos::parallel_for(
            "bpnn::network_backward", Kokkos::RangePolicy<ExecSpace>(0, rows),
            KOKKOS_LAMBDA(const int item) { values(first + item, column) = 1.0; });
    }

    void scatterForces(int numEntries, const OutputViews<ExecSpace>& output, EvaluationTotals& totals) {
        ForceScatter<ExecSpace> scatter;
        scatter.neighbors = neighbors_;
        scatter.centerIndex = centerIndex_;
        scatter.gradient = gradient_;
        scatter.output = output;
        scatter.atomic = ExecSpace().concurrency() > 1;
        const Kokkos::RangePolicy<ExecSpace> policy(0, numEntries);
        if (!output.virial) {
            Kokkos::parallel_for("bpnn::force_scatter", policy, scatter);
            return;
        }
        double virial[9] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        Kokkos::View<double*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>> result(virial, 9);
        Kokkos::parallel_reduce("bpnn::force_scatter", policy, scatter, result);
        for (int k = 0; k < 9; ++k) totals.virial[k] += virial[k];
    }

private:
    void ensureChunkBuffers(int count) {
        if (static_cast<int>(centerIndex_.extent(0)) >= count) return;
        centerIndex_ = IntArray("bpnn::center_index", static_cast<std::size_t>(count));
        centerElement_ = IntArray("bpnn::center_element", static_cast<std::size_t>(count));
        sorted_ = IntArray("bpnn::sorted_centers", static_cast<std::size_t>(count));
        neighbors_.offsets = IntArray("bpnn::neighbor_offsets", static_cast<std::size_t>(count) + 1);
        neighbors_.elementOffsets = Kokkos::View<int**, memory_space>(
            "bpnn::neighbor_element_offsets", static_cast<std::size_t>(count), flat_.elements.size() + 1);
    }

    // Buffers per neighbor entry grow by a quarter beyond the need, so that
    // slowly growing neighbor counts do not reallocate every step.
    void ensureNeighborCapacity(int total) {
        if (static_cast<int>(neighbors_.r.extent(0)) >= total) return;
        const std::size_t capacity = static_cast<std::size_t>(total) + static_cast<std::size_t>(total) / 4 + 16;
        neighbors_.index = IntArray("bpnn::neighbor_index", capacity);
        neighbors_.element = IntArray("bpnn::neighbor_element", capacity);
        neighbors_.center = IntArray("bpnn::neighbor_center", capacity);
        neighbors_.d = decltype(neighbors_.d)("bpnn::neighbor_displacement", capacity);
        neighbors_.r = Kokkos::View<double*, memory_space>("bpnn::neighbor_distance", capacity);
    }

    void ensureWorkBuffers(int rows, int entries) {
        const std::size_t columns = static_cast<std::size_t>(std::max(flat_.maxColumns, 1));
        if (static_cast<int>(values_.extent(0)) < rows) {
            values_ = Matrix("bpnn::values", static_cast<std::size_t>(chunkSize_), columns);
            slopes_ = Matrix("bpnn::slopes", static_cast<std::size_t>(chunkSize_), columns);
        }
        if (static_cast<int>(gradient_.extent(0)) < entries) {
            const std::size_t capacity = neighbors_.r.extent(0);
            const std::size_t slots = static_cast<std::size_t>(std::max(flat_.maxPairSlots, 1));
            pairTerms_ = Matrix("bpnn::pair_terms", capacity, slots);
            gradient_ = Matrix("bpnn::gradient", capacity, 3);
        }
    }

    FlatModel flat_;
    DeviceModel<ExecSpace> model_;
    int chunkSize_;

    // The host path's state: a core Evaluator and output arrays per thread
    // slot, the element of every index and the index of every center.
    struct HostSlot {
        HostSlot(const Potential& potential, std::size_t chunkSize) : evaluator(potential, chunkSize) {}
        ::bpnn::Evaluator evaluator;
        ::bpnn::EvaluationOutput result;
        std::vector<double> forces;
        std::vector<double> atomVirials;
        double virial[9] = {};
        std::string error;
    };
    bool useCoreLibrary_ = false;
    std::shared_ptr<const Potential> hostPotential_;  // the core Evaluators keep a reference to it
    std::vector<std::unique_ptr<HostSlot>> hostSlots_;
    std::vector<int> hostElements_;
    std::vector<int> hostCenterIndices_;
    std::vector<double> hostCenterEnergies_;

    IntArray centerIndex_;
    IntArray centerElement_;
    IntArray sorted_;
    ChunkNeighbors<ExecSpace> neighbors_;
    Matrix values_;
    Matrix slopes_;
    Matrix pairTerms_;
    Matrix gradient_;
    std::vector<int> elementStarts_;
    std::vector<int> elementCounts_;
};

}  // namespace bpnn::kokkos

// SPDX-License-Identifier: GPL-2.0-or-later
// Network forward and backward passes over the atoms of one element, one
// kernel launch per layer, so that each launch is a small dense matrix
// product W A over the atoms of the chunk. The columns of the per-atom
// value buffer are the network inputs followed by the outputs of every
// layer. Its rows are the atoms of the chunk, sorted by element.
#pragma once

#include <Kokkos_Core.hpp>

#include "device_model.h"

namespace bpnn::kokkos {

// Computes the outputs of one layer for rows first .. first + rows - 1:
//   value = f(z), slope = f'(z) with z = W x + b (divided by the number of
// inputs with normalize_nodes).
template <class ExecSpace>
void forwardLayer(const DeviceModel<ExecSpace>& model, const FlatLayer& layer, bool normalizeNodes, int first,
                  int rows, const Kokkos::View<double**, typename ExecSpace::memory_space>& values,
                  const Kokkos::View<double**, typename ExecSpace::memory_space>& slopes, bool keepSlopes) {
    const auto parameters = model.parameters;
    const int outputs = layer.outputs;
    const int inputs = layer.inputs;
    const double inverseInputs = 1.0 / static_cast<double>(inputs);
    Kokkos::parallel_for(
        "bpnn::network_forward", Kokkos::RangePolicy<ExecSpace>(0, rows * outputs), KOKKOS_LAMBDA(const int item) {
            const int row = first + item / outputs;
            const int o = item % outputs;
            const double* weights = &parameters(layer.weightOffset + o * inputs);
            double z = 0.0;
            for (int i = 0; i < inputs; ++i) z += weights[i] * values(row, layer.inputColumn + i);
            z += parameters(layer.biasOffset + o);
            if (normalizeNodes) z *= inverseInputs;
            double f, df;
            formula::activate(layer.activation, z, f, df);
            values(row, layer.outputColumn + o) = f;
            if (keepSlopes) slopes(row, layer.outputColumn + o) = df;
        });
}

// Propagates dOutput/d(layer output), held in the layer's output columns of
// `values`, to dOutput/d(layer input), written to its input columns.
template <class ExecSpace>
void backwardLayer(const DeviceModel<ExecSpace>& model, const FlatLayer& layer, bool normalizeNodes, int first,
                   int rows, const Kokkos::View<double**, typename ExecSpace::memory_space>& values,
                   const Kokkos::View<double**, typename ExecSpace::memory_space>& slopes) {
    const auto parameters = model.parameters;
    const int outputs = layer.outputs;
    const int inputs = layer.inputs;
    const double scale = normalizeNodes ? 1.0 / static_cast<double>(inputs) : 1.0;
    Kokkos::parallel_for(
        "bpnn::network_backward", Kokkos::RangePolicy<ExecSpace>(0, rows * inputs), KOKKOS_LAMBDA(const int item) {
            const int row = first + item / inputs;
            const int i = item % inputs;
            double sum = 0.0;
            for (int o = 0; o < outputs; ++o) {
                sum += parameters(layer.weightOffset + o * inputs + i) * slopes(row, layer.outputColumn + o) *
                       values(row, layer.outputColumn + o);
            }
            values(row, layer.inputColumn + i) = sum * scale;
        });
}

}  // namespace bpnn::kokkos

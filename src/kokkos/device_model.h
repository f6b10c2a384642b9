// SPDX-License-Identifier: GPL-2.0-or-later
// The flat model of flat_model.h in Views of one memory space, uploaded once
// and then only read by the kernels.
#pragma once

#include <Kokkos_Core.hpp>

#include "flat_model.h"

#include <string>
#include <vector>

namespace bpnn::kokkos {

template <class ExecSpace>
struct DeviceModel {
    using memory_space = typename ExecSpace::memory_space;
    template <class T>
    using Array = Kokkos::View<T*, memory_space>;

    Array<FlatElement> elements;
    Array<FlatGroup> groups;
    Array<FlatMember> members;
    Array<double> gaussianEta;
    Array<double> gaussianRs;
    Array<int> gaussianBase;
    Array<int> gaussianPower;
    Array<FlatLayer> layers;
    Array<double> parameters;
    Array<double> atomicNumbers;  // as weights of the weighted functions
    Array<double> scaleFactor;
    Array<double> scaleShift;
    Array<double> gmin;
    Array<double> gmax;
};

// Copies a host vector into a new View of the memory space.
template <class MemorySpace, class T>
Kokkos::View<T*, MemorySpace> uploadArray(const std::string& label, const std::vector<T>& values) {
    Kokkos::View<T*, MemorySpace> view(Kokkos::view_alloc(label, Kokkos::WithoutInitializing), values.size());
    auto mirror = Kokkos::create_mirror_view(view);
    for (std::size_t i = 0; i < values.size(); ++i) mirror(i) = values[i];
    Kokkos::deep_copy(view, mirror);
    return view;
}

template <class ExecSpace>
DeviceModel<ExecSpace> uploadModel(const FlatModel& flat) {
    using Space = typename ExecSpace::memory_space;
    DeviceModel<ExecSpace> model;
    model.elements = uploadArray<Space>("bpnn::elements", flat.elements);
    model.groups = uploadArray<Space>("bpnn::groups", flat.groups);
    model.members = uploadArray<Space>("bpnn::members", flat.members);
    model.gaussianEta = uploadArray<Space>("bpnn::gaussian_eta", flat.gaussianEta);
    model.gaussianRs = uploadArray<Space>("bpnn::gaussian_rs", flat.gaussianRs);
    model.gaussianBase = uploadArray<Space>("bpnn::gaussian_base", flat.gaussianBase);
    model.gaussianPower = uploadArray<Space>("bpnn::gaussian_power", flat.gaussianPower);
    model.layers = uploadArray<Space>("bpnn::layers", flat.layers);
    model.parameters = uploadArray<Space>("bpnn::parameters", flat.parameters);
    model.atomicNumbers = uploadArray<Space>(
        "bpnn::atomic_numbers", std::vector<double>(flat.atomicNumbers.begin(), flat.atomicNumbers.end()));
    model.scaleFactor = uploadArray<Space>("bpnn::scale_factor", flat.scaleFactor);
    model.scaleShift = uploadArray<Space>("bpnn::scale_shift", flat.scaleShift);
    model.gmin = uploadArray<Space>("bpnn::gmin", flat.gmin);
    model.gmax = uploadArray<Space>("bpnn::gmax", flat.gmax);
    return model;
}

}  // namespace bpnn::kokkos

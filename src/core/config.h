// SPDX-License-Identifier: GPL-2.0-or-later
// BPNN_INLINE marks the small formula functions that host code and Kokkos
// kernels share. Kokkos code includes Kokkos_Core.hpp before any bpnn header,
// so that the functions become callable on the device.
#pragma once

#if defined(KOKKOS_INLINE_FUNCTION)
#define BPNN_INLINE KOKKOS_INLINE_FUNCTION
#else
#define BPNN_INLINE inline
#endif

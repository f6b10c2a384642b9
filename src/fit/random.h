// SPDX-License-Identifier: GPL-2.0-or-later
// The random number generator of the fitting engine: xoshiro256** seeded
// through SplitMix64 (both by Blackman and Vigna). Its whole state is four
// integers, so that a checkpoint restores it exactly, and its output does
// not depend on the standard library's implementation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace bpnn {
namespace fit {

class Random {
public:
    explicit Random(std::uint64_t seed = 0) { reseed(seed); }

    void reseed(std::uint64_t seed) {
        for (std::uint64_t& word : state_) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            word = z ^ (z >> 31);
        }
    }

    std::uint64_t next() {
        const std::uint64_t result = rotate(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotate(state_[3], 45);
        return result;
    }

    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    // Uniform integer in [0, n) for n > 0, without modulo bias.
    std::size_t below(std::size_t n) {
        const std::uint64_t bound = static_cast<std::uint64_t>(n);
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
        std::uint64_t value;
        do {
            value = next();
        } while (value >= limit);
        return static_cast<std::size_t>(value % bound);
    }

    // Fisher-Yates shuffle.
    template <class T>
    void shuffle(std::vector<T>& values) {
        for (std::size_t i = values.size(); i > 1; --i) {
            const std::size_t j = below(i);
            std::swap(values[i - 1], values[j]);
        }
    }

    const std::array<std::uint64_t, 4>& state() const { return state_; }
    void setState(const std::array<std::uint64_t, 4>& state) { state_ = state; }

private:
    static std::uint64_t rotate(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    std::array<std::uint64_t, 4> state_{};
};

}  // namespace fit
}  // namespace bpnn

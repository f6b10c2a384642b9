// SPDX-License-Identifier: GPL-2.0-or-later
// Binary serialization of checkpoint data: fixed-width little-endian
// integers and IEEE doubles written bit for bit, so that a resumed run
// continues from exactly the saved state.
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace bpnn {
namespace fit {

class BinaryWriter {
public:
    explicit BinaryWriter(std::ostream& out) : out_(out) {}

    void u64(std::uint64_t value);
    void f64(double value);
    void text(const std::string& value);
    void vector(const Eigen::VectorXd& value);
    void matrix(const Eigen::MatrixXd& value);
    void doubles(const std::vector<double>& values);

private:
    std::ostream& out_;
};

// Reads what BinaryWriter wrote. Every read throws InputError naming the
// file when the data ends early or a size is implausible.
class BinaryReader {
public:
    BinaryReader(std::istream& in, std::string file) : in_(in), file_(std::move(file)) {}

    std::uint64_t u64();
    double f64();
    std::string text();
    Eigen::VectorXd vector();
    Eigen::MatrixXd matrix();
    std::vector<double> doubles();

    [[noreturn]] void fail(const std::string& message) const;

private:
    std::uint64_t count();
    std::istream& in_;
    std::string file_;
};

// 64-bit FNV-1a hash, to fingerprint the inputs of a checkpoint.
class Fingerprint {
public:
    void add(const void* data, std::size_t size);
    void add(const std::string& text) { add(text.data(), text.size()); }
    void add(double value) { add(&value, sizeof(value)); }
    void add(std::uint64_t value) { add(&value, sizeof(value)); }
    std::uint64_t value() const { return hash_; }

private:
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace fit
}  // namespace bpnn

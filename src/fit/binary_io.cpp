// SPDX-License-Identifier: GPL-2.0-or-later
#include "fit/binary_io.h"

#include "core/errors.h"

#include <cstring>

namespace bpnn {
namespace fit {
namespace {

// Sizes above this are taken as a corrupt file rather than allocated.
constexpr std::uint64_t kMaxCount = std::uint64_t(1) << 34;

}  // namespace

void BinaryWriter::u64(std::uint64_t value) {
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
    out_.write(reinterpret_cast<const char*>(bytes), 8);
}

void BinaryWriter::f64(double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    u64(bits);
}

void BinaryWriter::text(const std::string& value) {
    u64(value.size());
    out_.write(value.data(), static_cast<std::streamsize>(value.size()));
}

void BinaryWriter::vector(const Eigen::VectorXd& value) {
    u64(static_cast<std::uint64_t>(value.size()));
    for (Eigen::Index i = 0; i < value.size(); ++i) f64(value(i));
}

void BinaryWriter::matrix(const Eigen::MatrixXd& value) {
    u64(static_cast<std::uint64_t>(value.rows()));
    u64(static_cast<std::uint64_t>(value.cols()));
    for (Eigen::Index i = 0; i < value.size(); ++i) f64(value.data()[i]);
}

void BinaryWriter::doubles(const std::vector<double>& values) {
    u64(values.size());
    for (double v : values) f64(v);
}

void BinaryReader::fail(const std::string& message) const {
    throw InputError(file_, 0, message + ": the checkpoint is damaged or from another bpnn version; start without "
                               "--resume");
}

std::uint64_t BinaryReader::u64() {
    unsigned char bytes[8];
    in_.read(reinterpret_cast<char*>(bytes), 8);
    if (in_.gcount() != 8) fail("unexpected end of data");
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
    return value;
}

double BinaryReader::f64() {
    const std::uint64_t bits = u64();
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
}

std::uint64_t BinaryReader::count() {
    const std::uint64_t value = u64();
    if (value > kMaxCount) fail("implausible size " + std::to_string(value));
    return value;
}

std::string BinaryReader::text() {
    std::string value(count(), '\0');
    in_.read(&value[0], static_cast<std::streamsize>(value.size()));
    if (static_cast<std::size_t>(in_.gcount()) != value.size()) fail("unexpected end of data");
    return value;
}

Eigen::VectorXd BinaryReader::vector() {
    Eigen::VectorXd value(static_cast<Eigen::Index>(count()));
    for (Eigen::Index i = 0; i < value.size(); ++i) value(i) = f64();
    return value;
}

Eigen::MatrixXd BinaryReader::matrix() {
    const std::uint64_t rows = count();
    const std::uint64_t cols = count();
    if (rows * cols > kMaxCount) fail("implausible matrix size");
    Eigen::MatrixXd value(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    for (Eigen::Index i = 0; i < value.size(); ++i) value.data()[i] = f64();
    return value;
}

std::vector<double> BinaryReader::doubles() {
    std::vector<double> values(count());
    for (double& v : values) v = f64();
    return values;
}

void Fingerprint::add(const void* data, std::size_t size) {
    const unsigned char* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        hash_ ^= bytes[i];
        hash_ *= 0x100000001b3ULL;
    }
}

}  // namespace fit
}  // namespace bpnn

#include "sys/secure_buffer.hpp"

#include <algorithm>
#include <cstdint>
#include <new>
#include <sodium.h>
#include <utility>

namespace pprotect::sys {

namespace {
void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) {
    throw std::bad_alloc();
  }
}
} // namespace

SecureBuffer::SecureBuffer(std::size_t size) : m_size(size) {
  ensure_sodium();
  // sodium_malloc(0) is valid but returns a distinct pointer; keep one byte
  // so data() is never null.
  m_data = static_cast<unsigned char*>(sodium_malloc(size == 0 ? 1 : size));
  if (m_data == nullptr) {
    throw std::bad_alloc();
  }
  sodium_memzero(m_data, size == 0 ? 1 : size);
}

SecureBuffer SecureBuffer::copy_of(std::string_view bytes) {
  SecureBuffer buffer(bytes.size());
  if (!bytes.empty()) {
    std::copy(bytes.begin(), bytes.end(), buffer.m_data);
  }
  return buffer;
}

std::vector<SecureBuffer> SecureBuffer::slices(const std::vector<std::size_t>& sizes) {
  ensure_sodium();
  std::size_t total = 0;
  for (const std::size_t size : sizes) {
    if (size > SIZE_MAX - total) {
      throw std::bad_alloc();
    }
    total += size;
  }
  auto* region = static_cast<unsigned char*>(sodium_malloc(total == 0 ? 1 : total));
  if (region == nullptr) {
    throw std::bad_alloc();
  }
  // sodium_free wipes the whole region before releasing it.
  std::shared_ptr<unsigned char> arena(region, [](unsigned char* p) { sodium_free(p); });
  sodium_memzero(region, total == 0 ? 1 : total);
  std::vector<SecureBuffer> out;
  out.reserve(sizes.size());
  std::size_t offset = 0;
  for (const std::size_t size : sizes) {
    SecureBuffer slice;
    slice.m_data = region + offset;
    slice.m_size = size;
    slice.m_arena = arena;
    out.push_back(std::move(slice));
    offset += size;
  }
  return out;
}

void SecureBuffer::release() {
  if (m_data == nullptr) {
    return;
  }
  if (m_arena) {
    // WARNING: a slice's bytes outlive it in the shared region; wipe them now.
    sodium_memzero(m_data, m_size);
    m_arena.reset();
  } else {
    // sodium_free wipes the memory before releasing it.
    sodium_free(m_data);
  }
  m_data = nullptr;
  m_size = 0;
}

SecureBuffer::~SecureBuffer() {
  release();
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)),
      m_arena(std::move(other.m_arena)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    release();
    m_data = std::exchange(other.m_data, nullptr);
    m_size = std::exchange(other.m_size, 0);
    m_arena = std::move(other.m_arena);
  }
  return *this;
}

std::string_view SecureBuffer::view() const {
  return m_data == nullptr ? std::string_view()
                           : std::string_view(reinterpret_cast<const char*>(m_data), m_size);
}

bool SecureBuffer::equals(std::string_view other) const {
  if (other.size() != m_size) {
    return false;
  }
  return m_size == 0 || sodium_memcmp(m_data, other.data(), m_size) == 0;
}

} // namespace pprotect::sys

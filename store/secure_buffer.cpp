#include "store/secure_buffer.hpp"

#include <algorithm>
#include <new>
#include <sodium.h>
#include <utility>

namespace pprotect::store {

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

SecureBuffer::~SecureBuffer() {
  // sodium_free wipes the memory before releasing it.
  if (m_data != nullptr) {
    sodium_free(m_data);
  }
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    if (m_data != nullptr) {
      sodium_free(m_data);
    }
    m_data = std::exchange(other.m_data, nullptr);
    m_size = std::exchange(other.m_size, 0);
  }
  return *this;
}

std::string_view SecureBuffer::view() const {
  return m_data == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(m_data), m_size);
}

bool SecureBuffer::equals(std::string_view other) const {
  if (other.size() != m_size) {
    return false;
  }
  return m_size == 0 || sodium_memcmp(m_data, other.data(), m_size) == 0;
}

} // namespace pprotect::store

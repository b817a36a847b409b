#pragma once
// Locked, wiped memory for passphrases, keys and plaintexts.

#include <cstddef>
#include <string>
#include <string_view>

namespace pprotect::store {

// A byte buffer in libsodium secure memory (sodium_malloc: guard pages,
// mlock'd, never swapped, never in a core dump) that is wiped and freed on
// destruction. Move-only.
// WARNING: copying the bytes into a std::string leaves an unwiped copy on the
// heap; hand out view() and keep the data here.
class SecureBuffer {
public:
  SecureBuffer() = default;
  // Throws std::bad_alloc when secure memory cannot be had.
  explicit SecureBuffer(std::size_t size);
  static SecureBuffer copy_of(std::string_view bytes);
  ~SecureBuffer();

  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;

  unsigned char* data() { return m_data; }
  const unsigned char* data() const { return m_data; }
  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  std::string_view view() const;
  // Constant-time comparison.
  bool equals(std::string_view other) const;

private:
  unsigned char* m_data = nullptr;
  std::size_t m_size = 0;
};

} // namespace pprotect::store

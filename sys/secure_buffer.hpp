#pragma once
// Locked, wiped memory for passphrases, keys and plaintexts.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::sys {

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
  // Buffers of the given sizes carved from one secure allocation: each
  // sodium_malloc maps pages and changes their protection, which costs more
  // than opening a small secret. Each slice is wiped when it is destroyed;
  // the allocation is freed with the last one.
  static std::vector<SecureBuffer> slices(const std::vector<std::size_t>& sizes);
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
  void release();

  unsigned char* m_data = nullptr;
  std::size_t m_size = 0;
  std::shared_ptr<unsigned char> m_arena; // set for slices: owns the allocation
};

} // namespace pprotect::sys

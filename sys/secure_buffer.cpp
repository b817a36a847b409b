#include "sys/secure_buffer.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>
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

// Small buffers (keys, passphrases, a child's environment) come from one
// locked region instead of a sodium_malloc each: each of those maps pages,
// changes their protection, locks and advises them, and undoes it all when
// freed, about ten system calls a buffer, which was a measurable part of
// pprotect-run's start-up. Each chunk of the region is one sodium_malloc
// (guard pages around it, locked, out of core dumps); inside, buffers of a size class
// sit side by side, so a buffer overrun reaches a neighbour (wiped, locked
// memory), never the plain heap. Freed blocks are wiped and reused. The
// region grows a chunk at a time: mlock populates every page it locks, and
// a launcher start needs a few kilobytes.
constexpr std::size_t k_chunk_bytes = 16 * 1024;
constexpr std::size_t k_max_chunks = 8;
constexpr std::array<std::size_t, 8> k_classes{32, 64, 128, 256, 512, 1024, 2048, 4096};

class Pool {
public:
  // A block of at least size bytes, or nullptr (then sodium_malloc).
  unsigned char* take(std::size_t size) {
    const std::size_t index = class_of(size);
    if (index == k_classes.size()) {
      return nullptr;
    }
    const std::lock_guard<std::mutex> lock(m_mutex);
    if (unsigned char* block = m_free[index]; block != nullptr) {
      std::memcpy(&m_free[index], block, sizeof block); // the next free block
      sodium_memzero(block, sizeof block);
      return block;
    }
    if ((m_chunk_count == 0 || k_chunk_bytes - m_used < k_classes[index]) && !m_failed &&
        m_chunk_count < k_max_chunks) {
      // What is left of the current chunk stays unused.
      auto* chunk = static_cast<unsigned char*>(sodium_malloc(k_chunk_bytes));
      m_failed = chunk == nullptr;
      if (chunk != nullptr) {
        m_chunks[m_chunk_count++] = chunk;
        m_used = 0;
      }
    }
    if (m_chunk_count == 0 || k_chunk_bytes - m_used < k_classes[index]) {
      return nullptr;
    }
    unsigned char* block = m_chunks[m_chunk_count - 1] + m_used;
    m_used += k_classes[index];
    return block;
  }

  // Wipes and takes back a block take() gave for size; false for memory
  // that is not the pool's.
  bool give_back(unsigned char* block, std::size_t size) noexcept {
    const std::size_t index = class_of(size);
    if (index == k_classes.size()) {
      return false;
    }
    const std::lock_guard<std::mutex> lock(m_mutex);
    bool ours = false;
    for (std::size_t i = 0; i < m_chunk_count && !ours; ++i) {
      ours = block >= m_chunks[i] && block < m_chunks[i] + k_chunk_bytes;
    }
    if (!ours) {
      return false;
    }
    sodium_memzero(block, k_classes[index]);
    std::memcpy(block, &m_free[index], sizeof block);
    m_free[index] = block;
    return true;
  }

private:
  static std::size_t class_of(std::size_t size) {
    std::size_t index = 0;
    while (index < k_classes.size() && k_classes[index] < size) {
      ++index;
    }
    return index;
  }

  std::mutex m_mutex;
  std::array<unsigned char*, k_max_chunks> m_chunks{}; // never freed: the process's exit takes them
  std::size_t m_chunk_count = 0;
  std::size_t m_used = 0; // in the last chunk
  bool m_failed = false;
  std::array<unsigned char*, k_classes.size()> m_free{}; // each block holds the next one's address
};

// Never destroyed: a buffer may be freed by another static's destructor.
Pool& pool() {
  static Pool* const instance = new Pool();
  return *instance;
}

unsigned char* allocate(std::size_t size) {
  ensure_sodium();
  // sodium_malloc(0) is valid but returns a distinct pointer; keep one byte
  // so data() is never null.
  const std::size_t bytes = size == 0 ? 1 : size;
  auto* data = pool().take(bytes);
  if (data == nullptr) {
    data = static_cast<unsigned char*>(sodium_malloc(bytes));
    if (data == nullptr) {
      throw std::bad_alloc();
    }
  }
  sodium_memzero(data, bytes);
  return data;
}

void deallocate(unsigned char* data, std::size_t size) noexcept {
  if (!pool().give_back(data, size == 0 ? 1 : size)) {
    // sodium_free wipes the memory before releasing it.
    sodium_free(data);
  }
}

} // namespace

SecureBuffer::SecureBuffer(std::size_t size) : m_data(allocate(size)), m_size(size) {}

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
  unsigned char* region = allocate(total);
  // The region is wiped when it goes back.
  std::shared_ptr<unsigned char> arena(region, [total](unsigned char* p) { deallocate(p, total); });
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
    deallocate(m_data, m_size);
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

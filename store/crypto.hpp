#pragma once
// Internal to store/: the libsodium primitives and byte layouts of
// protected.yaml (section 1 of shared/docs/reference-behaviour.md).
// Callers outside store/ use key_file.hpp instead.

#include "store/key_type.hpp"
#include "sys/secure_buffer.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace pprotect::store::crypto {

inline constexpr std::size_t k_salt_size = 8;
inline constexpr std::size_t k_key_size = 32;      // X25519 public and secret keys
inline constexpr std::size_t k_seal_overhead = 48; // crypto_box_SEALBYTES

// Argon2id limits the reference writes for each kind.
inline constexpr std::uint32_t k_hard_opslimit = 4;         // OPSLIMIT_SENSITIVE
inline constexpr std::uint32_t k_hard_memlimit = 268435456; // MEMLIMIT_MODERATE
inline constexpr std::uint32_t k_fast_opslimit = 2;         // OPSLIMIT_INTERACTIVE
inline constexpr std::uint32_t k_fast_memlimit = 67108864;  // MEMLIMIT_INTERACTIVE

// Standard base64 with padding (Python's base64.b64encode).
std::string base64_encode(std::string_view bytes);
// Throws StoreError "invalid base64 in <what>" on anything but canonical
// padded standard base64.
[[nodiscard]] std::string base64_decode(std::string_view text, std::string_view what);

// A binary field other than pwdkm: version byte 0x00 then the payload.
std::string encode_field(std::string_view payload);
// Throws StoreError naming <what> on bad base64 or a version byte other
// than 0x00.
[[nodiscard]] std::string decode_field(std::string_view text, std::string_view what);

// A custodian's password-derived key material record.
struct Pwdkm {
  KeyType kind = KeyType::hard;
  std::uint32_t opslimit = 0; // Argon2 kinds only
  std::uint32_t memlimit = 0;
  std::string salt;       // 8 bytes
  std::string public_key; // 32 bytes
};

// v0 (hard), v1 (fast, limits stored) or v2 (raw), then base64.
std::string encode_pwdkm(const Pwdkm& record);
// Throws StoreError naming the custodian on bad base64, an unknown version
// or a wrong length.
[[nodiscard]] Pwdkm decode_pwdkm(std::string_view text, std::string_view custodian);

// True when a record's Argon2id limits exceed, either of them, those of a
// hard custodian (opslimit 4, memlimit 256 MiB): the strongest record the
// reference writes. Only v1 records store limits; v0 and v2 never exceed.
[[nodiscard]] bool exceeds_reference_cost(const Pwdkm& record);

// A fresh record for a new passphrase: random salt, kind's limits, and the
// derived public key. Throws StoreError when a raw passphrase is not
// "P" + 64 lowercase hex + "P".
[[nodiscard]] Pwdkm new_pwdkm(KeyType kind, std::string_view name, std::string_view passphrase);

// The custodian's X25519 secret key from its passphrase: Argon2id over the
// valet key for hard/fast, a SHA-512 prefix for raw. Throws StoreError when
// libsodium refuses the stored limits or runs out of memory.
// WARNING: the result is the custodian's secret key; keep it in the buffer.
[[nodiscard]] sys::SecureBuffer derive_secret_key(const Pwdkm& record, std::string_view name,
                                                  std::string_view passphrase);

// True for "P" + 64 lowercase hex + "P".
[[nodiscard]] bool is_raw_passphrase(std::string_view passphrase);

// crypto_scalarmult_base: the public key of an X25519 secret key.
[[nodiscard]] std::string public_key_of(const sys::SecureBuffer& secret_key);

// crypto_box_keypair.
struct BoxKeypair {
  std::string public_key;
  sys::SecureBuffer secret_key;
};
[[nodiscard]] BoxKeypair generate_box_keypair();

// crypto_box_seal to recipient_public_key.
[[nodiscard]] std::string seal(std::string_view plaintext, std::string_view recipient_public_key);
// crypto_box_seal_open; throws StoreError "cannot decrypt <what>" when the
// ciphertext is too short or does not open with this keypair.
[[nodiscard]] sys::SecureBuffer seal_open(std::string_view ciphertext, std::string_view public_key,
                                          const sys::SecureBuffer& secret_key, std::string_view what);

// The same into a buffer of exactly ciphertext.size() - 48 bytes, so that
// callers can allocate secure memory up front (see decrypt_domain).
void seal_open_into(std::string_view ciphertext, std::string_view public_key,
                    const sys::SecureBuffer& secret_key, sys::SecureBuffer& plaintext, std::string_view what);

// Constant-time equality of two byte strings of any length.
[[nodiscard]] bool equal_bytes(std::string_view a, std::string_view b);

// How many Argon2id derivations this process ran: lets benchmarks and tests
// prove that a command derives its key once.
std::uint64_t argon2_derivation_count();

} // namespace pprotect::store::crypto

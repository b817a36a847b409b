#include "store/crypto.hpp"

#include "store/errors.hpp"
#include "sys/hex.hpp"
#include "sys/printable.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <system_error>
#include <thread>

namespace pprotect::store::crypto {

namespace {

static_assert(crypto_box_SEALBYTES == k_seal_overhead);
static_assert(crypto_box_PUBLICKEYBYTES == k_key_size && crypto_box_SECRETKEYBYTES == k_key_size);
static_assert(crypto_scalarmult_BYTES == k_key_size && crypto_scalarmult_SCALARBYTES == k_key_size);

constexpr std::size_t k_pwdkm_short_size = 1 + k_salt_size + k_key_size;          // v0 and v2
constexpr std::size_t k_pwdkm_limits_size = 1 + 4 + 4 + k_salt_size + k_key_size; // v1
constexpr std::size_t k_argon2_salt_size = crypto_pwhash_SALTBYTES;
static_assert(k_argon2_salt_size == 16);

std::atomic<std::uint64_t> g_argon2_derivations{0};

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) {
    throw StoreError("libsodium could not be initialised");
  }
}

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::string hex_byte(unsigned char byte) {
  return {'0', 'x', sys::hex_digit(byte >> 4U, sys::HexCase::upper),
          sys::hex_digit(byte, sys::HexCase::upper)};
}

void put_u32_le(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFFU));
  }
}

std::uint32_t get_u32_le(std::string_view in) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  }
  return value;
}

void sha512_update(crypto_hash_sha512_state& state, std::string_view part) {
  crypto_hash_sha512_update(&state, bytes_of(part), part.size());
}

// SHA512(passphrase ‖ salt ‖ name): the valet key, whose first 32 bytes are
// also a raw custodian's secret key.
// WARNING: derived from the passphrase; it stays in secure memory.
sys::SecureBuffer valet_key(std::string_view passphrase, std::string_view salt, std::string_view name) {
  sys::SecureBuffer valet(crypto_hash_sha512_BYTES);
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  sha512_update(state, passphrase);
  sha512_update(state, salt);
  sha512_update(state, name);
  crypto_hash_sha512_final(&state, valet.data());
  // The state held passphrase bytes in its block buffer.
  sodium_memzero(&state, sizeof state);
  return valet;
}

} // namespace

std::string base64_encode(std::string_view bytes) {
  ensure_sodium();
  const std::size_t size = sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(size, '\0');
  sodium_bin2base64(out.data(), size, bytes_of(bytes), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(size - 1); // drop the terminating NUL
  return out;
}

std::string base64_decode(std::string_view text, std::string_view what) {
  ensure_sodium();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t size = 0;
  const char* end = nullptr;
  // Padding must be exact (Python's b64decode insists too) and nothing may
  // follow it; a NUL inside the text would stop sodium early, so check end.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                        nullptr, &size, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    throw StoreError("invalid base64 in " + std::string(what));
  }
  out.resize(size);
  return out;
}

std::string encode_field(std::string_view payload) {
  std::string raw;
  raw.reserve(payload.size() + 1);
  raw.push_back('\0');
  raw.append(payload);
  return base64_encode(raw);
}

std::string decode_field(std::string_view text, std::string_view what) {
  std::string raw = base64_decode(text, what);
  if (raw.empty()) {
    throw StoreError("empty value in " + std::string(what));
  }
  const auto version = static_cast<unsigned char>(raw[0]);
  if (version != 0) {
    throw StoreError("unsupported version byte " + hex_byte(version) + " in " + std::string(what));
  }
  raw.erase(0, 1);
  return raw;
}

std::string encode_pwdkm(const Pwdkm& record) {
  std::string raw;
  switch (record.kind) {
  case KeyType::hard:
    raw.push_back('\x00');
    break;
  case KeyType::fast:
    raw.push_back('\x01');
    put_u32_le(raw, record.opslimit);
    put_u32_le(raw, record.memlimit);
    break;
  case KeyType::raw:
    raw.push_back('\x02');
    break;
  }
  raw += record.salt;
  raw += record.public_key;
  return base64_encode(raw);
}

Pwdkm decode_pwdkm(std::string_view text, std::string_view custodian) {
  const std::string what = "pwdkm of key custodian " + sys::quoted_name(custodian);
  const std::string raw = base64_decode(text, what);
  if (raw.empty()) {
    throw StoreError("empty value in " + what);
  }
  Pwdkm record;
  std::string_view rest(raw);
  std::size_t expected = k_pwdkm_short_size;
  const auto version = static_cast<unsigned char>(raw[0]);
  switch (version) {
  case 0:
    record.kind = KeyType::hard;
    record.opslimit = k_hard_opslimit;
    record.memlimit = k_hard_memlimit;
    break;
  case 1:
    record.kind = KeyType::fast;
    expected = k_pwdkm_limits_size;
    break;
  case 2:
    record.kind = KeyType::raw;
    break;
  default:
    throw StoreError("unsupported version byte " + hex_byte(version) + " in " + what);
  }
  if (raw.size() != expected) {
    throw StoreError("wrong length (" + std::to_string(raw.size()) + " bytes, expected " +
                     std::to_string(expected) + ") of " + what);
  }
  rest.remove_prefix(1);
  if (record.kind == KeyType::fast) {
    record.opslimit = get_u32_le(rest.substr(0, 4));
    record.memlimit = get_u32_le(rest.substr(4, 4));
    rest.remove_prefix(8);
  }
  record.salt = std::string(rest.substr(0, k_salt_size));
  record.public_key = std::string(rest.substr(k_salt_size, k_key_size));
  return record;
}

bool exceeds_reference_cost(const Pwdkm& record) {
  return record.kind != KeyType::raw &&
         (record.opslimit > k_hard_opslimit || record.memlimit > k_hard_memlimit);
}

bool is_raw_passphrase(std::string_view passphrase) {
  if (passphrase.size() != 66 || passphrase.front() != 'P' || passphrase.back() != 'P') {
    return false;
  }
  for (const char c : passphrase.substr(1, 64)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

Pwdkm new_pwdkm(KeyType kind, std::string_view name, std::string_view passphrase) {
  ensure_sodium();
  if (kind == KeyType::raw && !is_raw_passphrase(passphrase)) {
    throw StoreError("a raw-key passphrase must be P followed by 64 lowercase hex digits and P (custodian " +
                     sys::quoted_name(name) + ")");
  }
  Pwdkm record;
  record.kind = kind;
  if (kind == KeyType::hard) {
    record.opslimit = k_hard_opslimit;
    record.memlimit = k_hard_memlimit;
  } else if (kind == KeyType::fast) {
    record.opslimit = k_fast_opslimit;
    record.memlimit = k_fast_memlimit;
  }
  record.salt.assign(k_salt_size, '\0');
  randombytes_buf(record.salt.data(), record.salt.size());
  const sys::SecureBuffer secret_key = derive_secret_key(record, name, passphrase);
  record.public_key = public_key_of(secret_key);
  return record;
}

sys::SecureBuffer derive_secret_key(const Pwdkm& record, std::string_view name, std::string_view passphrase) {
  ensure_sodium();
  sys::SecureBuffer valet = valet_key(passphrase, record.salt, name);
  sys::SecureBuffer secret_key(k_key_size);
  if (record.kind == KeyType::raw) {
    std::copy(valet.data(), valet.data() + k_key_size, secret_key.data());
    return secret_key;
  }
  unsigned char digest[crypto_hash_sha512_BYTES];
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  sha512_update(state, record.salt);
  sha512_update(state, name);
  crypto_hash_sha512_final(&state, digest);
  ++g_argon2_derivations;
  // On a thread of its own that takes no signal: Argon2 maps its memory
  // with MAP_POPULATE, and the kernel fills those 256 MiB in one system
  // call that only a fatal signal cuts short. A signal handled by this
  // thread (the launcher's stop request, which exits) would wait for it, up
  // to 100 ms on a busy machine; taken by the waiting thread instead, its
  // exit kills this one out of the kernel at once.
  int result = -1;
  const auto derive = [&] {
    // WARNING: the valet key goes in as the password, as the reference
    // does; never the passphrase itself.
    result =
        crypto_pwhash(secret_key.data(), k_key_size, reinterpret_cast<const char*>(valet.data()),
                      valet.size(), digest, record.opslimit, record.memlimit, crypto_pwhash_ALG_ARGON2ID13);
  };
  try {
    std::thread worker([&] {
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_BLOCK, &all, nullptr);
      derive();
    });
    worker.join();
  } catch (const std::system_error&) {
    derive(); // no thread to be had: here, then
  }
  if (result != 0) {
    throw StoreError("cannot derive the key of custodian " + sys::quoted_name(name) + " (opslimit " +
                     std::to_string(record.opslimit) + ", memlimit " + std::to_string(record.memlimit) +
                     "): invalid limits or out of memory");
  }
  return secret_key;
}

std::string public_key_of(const sys::SecureBuffer& secret_key) {
  ensure_sodium();
  if (secret_key.size() != k_key_size) {
    throw StoreError("a secret key must be 32 bytes");
  }
  std::string public_key(k_key_size, '\0');
  if (crypto_scalarmult_base(reinterpret_cast<unsigned char*>(public_key.data()), secret_key.data()) != 0) {
    throw StoreError("cannot compute a public key");
  }
  return public_key;
}

BoxKeypair generate_box_keypair() {
  ensure_sodium();
  BoxKeypair pair{std::string(k_key_size, '\0'), sys::SecureBuffer(k_key_size)};
  crypto_box_keypair(reinterpret_cast<unsigned char*>(pair.public_key.data()), pair.secret_key.data());
  return pair;
}

std::string seal(std::string_view plaintext, std::string_view recipient_public_key) {
  ensure_sodium();
  if (recipient_public_key.size() != k_key_size) {
    throw StoreError("a public key must be 32 bytes");
  }
  std::string ciphertext(plaintext.size() + k_seal_overhead, '\0');
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(ciphertext.data()), bytes_of(plaintext),
                      plaintext.size(), bytes_of(recipient_public_key)) != 0) {
    throw StoreError("encryption failed");
  }
  return ciphertext;
}

sys::SecureBuffer seal_open(std::string_view ciphertext, std::string_view public_key,
                            const sys::SecureBuffer& secret_key, std::string_view what) {
  if (ciphertext.size() < k_seal_overhead) {
    throw StoreError("truncated ciphertext in " + std::string(what));
  }
  sys::SecureBuffer plaintext(ciphertext.size() - k_seal_overhead);
  seal_open_into(ciphertext, public_key, secret_key, plaintext, what);
  return plaintext;
}

void seal_open_into(std::string_view ciphertext, std::string_view public_key,
                    const sys::SecureBuffer& secret_key, sys::SecureBuffer& plaintext,
                    std::string_view what) {
  ensure_sodium();
  if (ciphertext.size() < k_seal_overhead) {
    throw StoreError("truncated ciphertext in " + std::string(what));
  }
  if (public_key.size() != k_key_size || secret_key.size() != k_key_size ||
      plaintext.size() != ciphertext.size() - k_seal_overhead) {
    throw StoreError("cannot decrypt " + std::string(what) + ": bad key or buffer size");
  }
  if (crypto_box_seal_open(plaintext.data(), bytes_of(ciphertext), ciphertext.size(), bytes_of(public_key),
                           secret_key.data()) != 0) {
    throw StoreError("cannot decrypt " + std::string(what) + " (corrupted, or not encrypted for this key)");
  }
}

bool equal_bytes(std::string_view a, std::string_view b) {
  ensure_sodium();
  return a.size() == b.size() && (a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0);
}

std::uint64_t argon2_derivation_count() {
  return g_argon2_derivations.load();
}

} // namespace pprotect::store::crypto

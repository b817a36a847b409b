#include "policy/keyring_cache.hpp"

#include "store/errors.hpp"
#include "sys/hex.hpp"
#include "sys/keyring.hpp"
#include "sys/printable.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace pprotect::policy {

namespace {

constexpr unsigned char k_payload_version = 0x01;
constexpr std::size_t k_key_size = 32;
constexpr std::size_t k_expiry_size = 8;
constexpr std::size_t k_payload_size = 1 + k_expiry_size + k_key_size;

bool needs_escape(unsigned char c) {
  return c == '%' || c == ':' || c < 0x20 || c == 0x7f;
}

std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (needs_escape(byte)) {
      out += '%';
      out += sys::hex_digit(byte >> 4U, sys::HexCase::upper);
      out += sys::hex_digit(byte, sys::HexCase::upper);
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> unescaped(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = sys::hex_value(text[i + 1], sys::HexCase::upper);
    const int low = sys::hex_value(text[i + 2], sys::HexCase::upper);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>((high << 4) | low);
    i += 2;
  }
  return out;
}

// The custodian and file a description names, or nullopt when it is not one
// of ours.
std::optional<CachedKey> parse_description(std::string_view description) {
  if (!description.starts_with(k_cached_key_prefix)) {
    return std::nullopt;
  }
  description.remove_prefix(k_cached_key_prefix.size());
  const auto colon = description.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  auto custodian = unescaped(description.substr(0, colon));
  auto file = unescaped(description.substr(colon + 1));
  if (!custodian || !file) {
    return std::nullopt;
  }
  return CachedKey{std::move(*custodian), std::filesystem::path(*file), std::chrono::seconds(0)};
}

std::uint64_t expiry_of(std::string_view payload) {
  std::uint64_t expiry = 0;
  for (std::size_t i = 0; i < k_expiry_size; ++i) {
    expiry |= std::uint64_t{static_cast<unsigned char>(payload[1 + i])} << (8U * i);
  }
  return expiry;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

std::filesystem::path cache_path_of(const std::filesystem::path& file) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(file, error);
  if (error) {
    return file.lexically_normal();
  }
  std::filesystem::path canonical = std::filesystem::weakly_canonical(absolute, error);
  return error ? absolute.lexically_normal() : canonical;
}

std::string cached_key_description(std::string_view custodian, const std::filesystem::path& file) {
  return std::string(k_cached_key_prefix) + escaped(custodian) + ":" + escaped(cache_path_of(file).string());
}

void cache_custodian_key(const store::UnlockedCustodian& who, const std::filesystem::path& file,
                         std::chrono::seconds ttl) {
  if (ttl.count() < 1) {
    throw std::invalid_argument("a cached key needs a time to live of at least one second");
  }
  if (who.secret_key.size() != k_key_size) {
    throw std::invalid_argument("a custodian's secret key is 32 bytes");
  }
  const std::string description = cached_key_description(who.name, file);
  // WARNING: the payload is the custodian's secret key: built in locked
  // memory, and never the passphrase.
  sys::SecureBuffer payload(k_payload_size);
  payload.data()[0] = k_payload_version;
  const auto expiry = static_cast<std::uint64_t>(now_seconds() + ttl.count());
  for (std::size_t i = 0; i < k_expiry_size; ++i) {
    payload.data()[1 + i] = static_cast<unsigned char>(expiry >> (8U * i));
  }
  std::memcpy(payload.data() + 1 + k_expiry_size, who.secret_key.data(), k_key_size);
  const sys::SessionKeyring session = sys::session_keyring();
  try {
    (void)sys::add_user_key(session.id, description, payload.view(), ttl);
  } catch (const std::invalid_argument&) {
    throw sys::KeyringError(
        ENAMETOOLONG, false,
        "cannot cache a key for " + cache_path_of(file).string() +
            ": the custodian's name and the file's path are too long for a key description");
  }
}

std::optional<store::UnlockedCustodian> cached_custodian(const store::KeyFile& key_file,
                                                         std::string_view custodian,
                                                         const std::filesystem::path& file,
                                                         const Notice& notice) {
  const std::string description = cached_key_description(custodian, file);
  sys::SessionKeyring session;
  std::optional<sys::KeySerial> key;
  std::optional<sys::SecureBuffer> payload;
  try {
    session = sys::session_keyring();
    key = sys::find_user_key(session.id, description);
    if (!key) {
      return std::nullopt;
    }
    payload = sys::read_key(*key, k_payload_size);
  } catch (const sys::KeyringError&) {
    // Refused keyrings, a key that expired since the search, one we may not
    // read: the normal path follows, silently.
    return std::nullopt;
  }
  if (payload->size() == k_payload_size && payload->data()[0] == k_payload_version) {
    try {
      return key_file.unlock_with_key(custodian,
                                      sys::SecureBuffer::copy_of(payload->view().substr(1 + k_expiry_size)));
    } catch (const store::CredentialError&) {
      // Stale (a new key pair since) or not the custodian's: below.
    }
  }
  if (notice) {
    notice("ignoring the cached key of key custodian " + sys::quoted_name(custodian) + " for " +
           cache_path_of(file).string() + ": it does not match the custodian's key in the file (revoked it)");
  }
  try {
    sys::revoke_key(session.id, *key);
  } catch (const sys::KeyringError&) {
    // Said once all the same: it expires with its time to live.
  }
  return std::nullopt;
}

std::optional<std::string> sole_cached_custodian(const std::filesystem::path& file) {
  std::vector<CachedKey> keys;
  try {
    keys = cached_keys();
  } catch (const sys::KeyringError&) {
    return std::nullopt;
  }
  const std::filesystem::path named = cache_path_of(file);
  std::optional<std::string> only;
  for (CachedKey& key : keys) {
    if (key.file != named) {
      continue;
    }
    if (only) {
      return std::nullopt; // several: which one is for the user to say
    }
    only = std::move(key.custodian);
  }
  return only;
}

std::vector<CachedKey> cached_keys() {
  const sys::SessionKeyring session = sys::session_keyring();
  std::vector<CachedKey> keys;
  const std::int64_t now = now_seconds();
  for (const auto& attributes : sys::user_keys_with_prefix(session.id, k_cached_key_prefix)) {
    auto cached = parse_description(attributes.description);
    if (!cached) {
      continue;
    }
    try {
      const sys::SecureBuffer payload = sys::read_key(attributes.id, k_payload_size);
      if (payload.size() != k_payload_size || payload.data()[0] != k_payload_version) {
        continue;
      }
      const auto expiry = static_cast<std::int64_t>(expiry_of(payload.view()));
      cached->time_left = std::chrono::seconds(std::max<std::int64_t>(0, expiry - now));
    } catch (const sys::KeyringError&) {
      continue; // expired or revoked while we looked
    }
    keys.push_back(std::move(*cached));
  }
  return keys;
}

std::size_t forget_cached_keys() {
  const sys::SessionKeyring session = sys::session_keyring();
  std::size_t count = 0;
  for (const auto& attributes : sys::user_keys_with_prefix(session.id, k_cached_key_prefix)) {
    if (parse_description(attributes.description)) {
      sys::revoke_key(session.id, attributes.id);
      ++count;
    }
  }
  return count;
}

} // namespace pprotect::policy

#include "sys/keyring.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <keyutils.h>
#include <limits>

namespace pprotect::sys {

namespace {

constexpr std::string_view k_user_type = "user";
// The kernel's limits for a "user" key (security/keys/user_defined.c) and
// for a description (security/keys/keyctl.c: 4,095 bytes plus the NUL).
constexpr std::size_t k_max_user_payload = 32767;
constexpr std::size_t k_max_description = 4095;

// How the kernel says it refuses keyrings altogether; EACCES only where the
// call is about the keyring itself (a session keyring we may not use).
enum class Scope { keyring, key };

bool is_refusal(int error, Scope scope) {
  return error == EPERM || error == ENOSYS || (error == EACCES && scope == Scope::keyring);
}

[[noreturn]] void fail(const char* call, int error, Scope scope = Scope::key) {
  const bool refused = is_refusal(error, scope);
  std::string message = refused ? "the kernel refuses keyrings here (" : "cannot use the kernel keyring (";
  message += call;
  message += ": ";
  message += std::strerror(error);
  message += ")";
  throw KeyringError(error, refused, message);
}

// The key is gone or unusable: what a search or a revoke treats as "not
// there" rather than as a failure.
bool is_gone(int error) {
  return error == ENOKEY || error == EKEYEXPIRED || error == EKEYREVOKED;
}

std::string c_string(std::string_view text, const char* what) {
  if (text.find('\0') != std::string_view::npos) {
    throw std::invalid_argument(std::string(what) + " holds a NUL byte");
  }
  return std::string(text);
}

std::optional<KeyAttributes> parse_description(KeySerial key, std::string_view text) {
  // "type;uid;gid;perm;description": the description is last and may hold ';'.
  KeyAttributes attributes;
  attributes.id = key;
  std::string_view fields[4];
  for (auto& field : fields) {
    const auto semicolon = text.find(';');
    if (semicolon == std::string_view::npos) {
      return std::nullopt;
    }
    field = text.substr(0, semicolon);
    text.remove_prefix(semicolon + 1);
  }
  attributes.type = std::string(fields[0]);
  const auto number = [](std::string_view field, std::uint32_t& out, int base) {
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), out, base);
    return error == std::errc() && end == field.data() + field.size();
  };
  if (!number(fields[1], attributes.uid, 10) || !number(fields[2], attributes.gid, 10) ||
      !number(fields[3], attributes.permissions, 16)) {
    return std::nullopt;
  }
  attributes.description = std::string(text);
  return attributes;
}

// keyctl_describe into a string, or the errno it failed with.
std::optional<KeyAttributes> try_describe(KeySerial key, int& error) {
  std::string buffer(256, '\0');
  for (;;) {
    const long needed = keyctl_describe(key, buffer.data(), buffer.size());
    if (needed < 0) {
      error = errno;
      return std::nullopt;
    }
    // The returned length counts the terminating NUL.
    if (static_cast<std::size_t>(needed) <= buffer.size()) {
      buffer.resize(static_cast<std::size_t>(needed) - 1);
      break;
    }
    buffer.assign(static_cast<std::size_t>(needed), '\0');
  }
  auto attributes = parse_description(key, buffer);
  if (!attributes) {
    error = EINVAL;
  }
  return attributes;
}

} // namespace

SessionKeyring session_keyring() {
  // WARNING: create must stay 0. A session keyring created now would be this
  // process's alone and go when it exits, with every key stored in it.
  const KeySerial session = keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0);
  if (session < 0) {
    fail("keyctl_get_keyring_ID", errno, Scope::keyring);
  }
  const KeySerial user_session = keyctl_get_keyring_ID(KEY_SPEC_USER_SESSION_KEYRING, 0);
  if (user_session < 0) {
    fail("keyctl_get_keyring_ID", errno, Scope::keyring);
  }
  return SessionKeyring{session, session == user_session};
}

int join_new_session_keyring() noexcept {
  return keyctl_join_session_keyring(nullptr) < 0 ? errno : 0;
}

KeySerial add_user_key(KeySerial keyring, std::string_view description, std::string_view payload,
                       std::chrono::seconds ttl) {
  if (ttl.count() <= 0 || ttl.count() > std::numeric_limits<unsigned>::max()) {
    // WARNING: keyctl_set_timeout(key, 0) makes a key permanent.
    throw std::invalid_argument("a cached key needs a time to live of at least one second");
  }
  if (payload.empty() || payload.size() > k_max_user_payload) {
    throw std::invalid_argument("a user key holds 1 to 32,767 bytes");
  }
  if (description.empty() || description.size() > k_max_description) {
    throw std::invalid_argument("a key description holds 1 to 4,095 bytes");
  }
  const std::string name = c_string(description, "a key description");
  // WARNING: the key's expiry cannot be set in the call that gives it its
  // payload, and keyctl_update makes a user key permanent again (the
  // kernel's user_update resets the expiry). So the key is born in this
  // process's own keyring, which dies with the process: only once it
  // expires is it linked where it outlives us. Killed half-way, it is gone.
  const KeySerial key =
      add_key(k_user_type.data(), name.c_str(), payload.data(), payload.size(), KEY_SPEC_PROCESS_KEYRING);
  if (key < 0) {
    fail("add_key", errno, Scope::keyring);
  }
  const auto undo = [&](const char* call) {
    const int error = errno;
    (void)keyctl_revoke(key);
    (void)keyctl_unlink(key, KEY_SPEC_PROCESS_KEYRING);
    fail(call, error, Scope::keyring);
  };
  if (keyctl_set_timeout(key, static_cast<unsigned>(ttl.count())) < 0) {
    undo("keyctl_set_timeout");
  }
  // Displaces a key of the same description linked there before.
  if (keyctl_link(key, keyring) < 0) {
    undo("keyctl_link");
  }
  // Until now the kernel's default: all for the possessor, and view (not
  // read) for the uid's other processes.
  if (keyctl_setperm(key, k_possessor_only_permissions) < 0) {
    const int error = errno;
    (void)keyctl_revoke(key);
    (void)keyctl_unlink(key, keyring);
    errno = error;
    undo("keyctl_setperm");
  }
  (void)keyctl_unlink(key, KEY_SPEC_PROCESS_KEYRING);
  return key;
}

std::optional<KeySerial> find_user_key(KeySerial keyring, std::string_view description) {
  const std::string name = c_string(description, "a key description");
  // Destination 0: found keys are not linked anywhere else.
  const long key = keyctl_search(keyring, k_user_type.data(), name.c_str(), 0);
  if (key < 0) {
    if (is_gone(errno)) {
      return std::nullopt;
    }
    fail("keyctl_search", errno);
  }
  return static_cast<KeySerial>(key);
}

SecureBuffer read_key(KeySerial key, std::size_t max_size) {
  // One byte more than allowed: a payload that fills it is too long.
  SecureBuffer buffer(max_size + 1);
  const long size = keyctl_read(key, reinterpret_cast<char*>(buffer.data()), buffer.size());
  if (size < 0) {
    fail("keyctl_read", errno);
  }
  if (static_cast<std::size_t>(size) > max_size) {
    fail("keyctl_read", EMSGSIZE);
  }
  return SecureBuffer::copy_of(buffer.view().substr(0, static_cast<std::size_t>(size)));
}

void revoke_key(KeySerial keyring, KeySerial key) {
  if (keyctl_revoke(key) < 0 && !is_gone(errno)) {
    fail("keyctl_revoke", errno);
  }
  if (keyctl_unlink(key, keyring) < 0 && !is_gone(errno) && errno != ENOENT) {
    fail("keyctl_unlink", errno);
  }
}

KeyAttributes describe_key(KeySerial key) {
  int error = 0;
  auto attributes = try_describe(key, error);
  if (!attributes) {
    fail("keyctl_describe", error);
  }
  return *attributes;
}

std::vector<KeyAttributes> user_keys_with_prefix(KeySerial keyring, std::string_view prefix) {
  // A keyring's payload is the array of its members' serials.
  std::vector<KeySerial> members;
  for (;;) {
    const long size =
        keyctl_read(keyring, reinterpret_cast<char*>(members.data()), members.size() * sizeof(KeySerial));
    if (size < 0) {
      fail("keyctl_read", errno, Scope::keyring);
    }
    const auto count = static_cast<std::size_t>(size) / sizeof(KeySerial);
    if (count <= members.size()) {
      members.resize(count);
      break;
    }
    members.resize(count); // it grew since: read again
  }
  std::vector<KeyAttributes> found;
  for (const KeySerial member : members) {
    int error = 0;
    auto attributes = try_describe(member, error);
    if (attributes && attributes->type == k_user_type && attributes->description.starts_with(prefix)) {
      found.push_back(std::move(*attributes));
    }
  }
  return found;
}

} // namespace pprotect::sys

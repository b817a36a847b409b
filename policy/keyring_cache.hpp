#pragma once
// Unlock once (issue #13): a custodian's derived secret key, cached in the
// session keyring (sys/keyring.hpp says which keyring that is and who shares
// it), so that later commands of the login session cost no derivation.
//
// One "user" key per custodian and protected file, readable by its
// possessor only, expiring with its time to live:
//   description  "pprotect:" custodian ":" file  (absolute, symlinks resolved;
//                '%', ':' and control characters of each written %XX)
//   payload      0x01, expiry (u64 little-endian, Unix seconds), the
//                custodian's 32-byte X25519 secret key; never the passphrase
// A cached key is used only once its public key is the one the file stores
// for the custodian.

#include "store/key_file.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::policy {

inline constexpr std::chrono::seconds k_default_cache_ttl{15 * 60};
inline constexpr std::string_view k_cached_key_prefix = "pprotect:";

// How the cache names a protected file: its absolute path, symlinks resolved
// as far as it exists, so `--file ./protected.yaml` and its full path name
// one file.
[[nodiscard]] std::filesystem::path cache_path_of(const std::filesystem::path& file);

// The key's description: readable in /proc/keys and `keyctl show`, and no
// two pairs of custodian and file share one.
[[nodiscard]] std::string cached_key_description(std::string_view custodian,
                                                 const std::filesystem::path& file);

// Caches who's secret key for file in the session keyring for ttl,
// replacing what was cached for the pair before. Throws sys::KeyringError
// (refused() where the kernel refuses keyrings: `pprotect unlock` says so
// and exits 1) and std::invalid_argument for a ttl under one second.
void cache_custodian_key(const store::UnlockedCustodian& who, const std::filesystem::path& file,
                         std::chrono::seconds ttl);

// Where a one-line message goes ("ignoring the cached key of ...").
using Notice = std::function<void(std::string_view)>;

// The custodian unlocked from its key cached for file, without a
// derivation; nullopt when none is cached (or it expired), and, silently,
// wherever the kernel refuses keyrings. A cached key whose public key is not
// the one key_file stores for the custodian (stale after
// set-key-custodian-passphrase or rekey-custodian, or not ours) is never
// used: notice gets one line and the key is revoked, so that the next
// command does not say it again. Throws store::StoreError when the
// custodian's record cannot be read, as unlocking with a passphrase would.
[[nodiscard]] std::optional<store::UnlockedCustodian> cached_custodian(const store::KeyFile& key_file,
                                                                       std::string_view custodian,
                                                                       const std::filesystem::path& file,
                                                                       const Notice& notice);

// The custodian whose key is cached for file, when exactly one is (who acts
// when nothing else names a user); nullopt for none, for several, and,
// silently, wherever the kernel refuses keyrings. Whether the key still
// matches is for cached_custodian to say.
[[nodiscard]] std::optional<std::string> sole_cached_custodian(const std::filesystem::path& file);

// What `pprotect unlock --status` lists.
struct CachedKey {
  std::string custodian;
  std::filesystem::path file;
  std::chrono::seconds time_left{0};
};

// The keys cached in the session keyring, in the keyring's order. Throws
// sys::KeyringError.
[[nodiscard]] std::vector<CachedKey> cached_keys();

// `pprotect lock`: revokes every key cached in the session keyring and
// returns how many there were. Throws sys::KeyringError.
std::size_t forget_cached_keys();

} // namespace pprotect::policy

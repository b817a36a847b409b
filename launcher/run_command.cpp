#include "launcher/run_command.hpp"

#include "launcher/supervisor/diagnostics.hpp"
#include "launcher/supervisor/hardening.hpp"
#include "store/errors.hpp"
#include "store/protected_file.hpp"
#include "sys/printable.hpp"

#include <cstring>
#include <malloc.h>
#include <optional>
#include <sodium.h>
#include <string>

extern char** environ;

namespace pprotect::launcher {

namespace {

policy::ChildEnvironment* g_left_to_exit = nullptr;

bool is_named(const char* entry, std::string_view name) {
  return std::strncmp(entry, name.data(), name.size()) == 0 && entry[name.size()] == '=';
}

// Removes <prefix>_USER, <prefix>_PASSPHRASE and <prefix>_PASSPHRASE_COMMAND
// (a CI secret may hold the command) from our own environment.
// WARNING: unsetenv alone leaves the bytes in the block the kernel shows as
// /proc/<pid>/environ (the original one, on our stack); the value is
// overwritten in place first so that the passphrase is gone from there too.
void scrub_own_environment(const std::string& prefix) {
  for (const std::string& name : {prefix + "_PASSPHRASE", prefix + "_USER", prefix + "_PASSPHRASE_COMMAND"}) {
    std::vector<char*> originals;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      if (is_named(*entry, name)) {
        originals.push_back(*entry);
      }
    }
    unsetenv(name.c_str());
    // Name included: /proc/<pid>/environ should not even tell which
    // variables there were.
    for (char* original : originals) {
      sodium_memzero(original, std::strlen(original));
    }
  }
}

} // namespace

int run_with_secrets(const RunRequest& request, const supervisor::StartupSignals& signals,
                     policy::Prompter& prompter) {
  supervisor::harden_launcher();
  std::optional<policy::ChildEnvironment> child_environment;
  {
    // Wiped when it goes, with the passphrase variable in it.
    policy::Environment parent = policy::Environment::current();
    const std::string env_prefix = policy::effective_env_prefix(request.credentials, parent);
    // The snapshot has what policy needs; our own copy can go now. The
    // default prefix's variables go too: they are credentials whatever the
    // prefix in force.
    scrub_own_environment(env_prefix);
    if (env_prefix != "PPROTECT") {
      scrub_own_environment("PPROTECT");
    }

    // File and domain first: a typo should not cost a prompt or a 1 s
    // key derivation.
    const store::KeyFile key_file = store::load_key_file(request.file);
    if (!key_file.has_domain(request.domain)) {
      throw store::StoreError("no domain named " + sys::quoted_name(request.domain) + " in " +
                              request.file.string());
    }
    // On the main thread: a passphrase helper's parent-death signal follows
    // the thread that forks it.
    const store::UnlockedCustodian custodian = policy::unlock(
        key_file, policy::resolve_custodian(request.credentials, parent, prompter, key_file, request.file,
                                            [](std::string_view line) { supervisor::print_warning(line); }));
    const store::SecretValues secrets = key_file.decrypt_domain(request.domain, custodian);
    policy::ChildEnvironmentOptions environment_options = request.environment;
    environment_options.env_prefix = env_prefix;
    child_environment = policy::compose_child_environment(parent, secrets, environment_options);
  } // passphrase, custodian key and plaintexts are wiped here; the snapshot too
  // Argon2id's 256 MiB went back with munmap already; hand the rest of the
  // heap's free memory back as well so the supervisor stays small.
  malloc_trim(0);

  std::vector<char*> envp = child_environment->envp();
  if (request.supervision.mode == supervisor::Mode::exec) {
    return supervisor::exec_command(request.command, envp.data(), request.supervision, signals);
  }
  const int status =
      supervisor::supervise(request.command, envp.data(), request.supervision, signals, [&child_environment] {
        // The child has exec'd with its own copy: wipe ours now.
        for (sys::SecureBuffer& entry : child_environment->entries()) {
          sodium_memzero(entry.data(), entry.size());
        }
      });
  // What is left of the environment is wiped (or was never handed to a
  // child, when supervise failed before exec, in which case it is wiped
  // here). The process exits right after this returns, and the kernel takes
  // the locked pages back in one go; freeing them one by one costs three
  // system calls each, once per variable, which showed in the start-up time
  // of short-lived children. So the buffers are wiped and left to exit.
  for (sys::SecureBuffer& entry : child_environment->entries()) {
    sodium_memzero(entry.data(), entry.size());
  }
  // A global keeps it reachable: leak checkers do not report it.
  g_left_to_exit = new policy::ChildEnvironment(std::move(*child_environment));
  return status;
}

} // namespace pprotect::launcher

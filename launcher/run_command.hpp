#pragma once
// The launcher's main job, shared by `pprotect-run` and `pprotect exec`:
// resolve credentials, decrypt the domains, compose the child's environment
// and secret files, start and supervise the child (again, on a restart or a
// change of the file).

#include "launcher/masking/masker.hpp"
#include "launcher/supervisor/supervisor.hpp"
#include "policy/child_environment.hpp"
#include "policy/credentials.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pprotect::launcher {

// --secret-file NAME[=VAR]: secret NAME as a memfd whose path is in VAR.
struct SecretFileRequest {
  std::string secret;                  // a secret's name, or DOMAIN/NAME
  std::optional<std::string> variable; // default: the secret's variable name + "_FILE"
};

struct RunRequest {
  std::filesystem::path file = "protected.yaml";
  std::vector<std::string> domains; // in order: a later one's secrets after an earlier one's
  policy::CredentialOptions credentials;
  policy::ChildEnvironmentOptions environment;
  supervisor::SupervisorOptions supervision;
  std::vector<SecretFileRequest> secret_files;
  bool secret_dir = false; // --secret-dir: one file per secret, in SECRETS_DIR
  // --mask (with --mask-label, --mask-min-length, --no-mask): the values of
  // every secret of the domains are masked in the child's stdout and stderr.
  std::optional<masking::MaskOptions> mask;
  std::vector<std::string> command; // argv of the child, non-empty
};

// Whether the launcher keeps the secrets (in locked memory) while the child
// runs: only when a restart or a reload needs them again.
bool keeps_secrets(const RunRequest& request);

// Returns the status to exit with: the child's code, 128+N for a child
// killed by signal N, 124 on --timeout, 126/127 when the command cannot be
// run, 125 when what the child gets cannot be made. Throws
// store::StoreError (and its subclasses) for launcher failures before the
// child starts, policy::UsageError for --mask with --exec and a --no-mask
// name that no domain has; the caller maps them to its exit codes.
int run_with_secrets(const RunRequest& request, const supervisor::StartupSignals& signals,
                     policy::Prompter& prompter);

} // namespace pprotect::launcher

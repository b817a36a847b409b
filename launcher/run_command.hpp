#pragma once
// The launcher's main job, shared by `pprotect-run` and `pprotect exec`:
// resolve credentials, decrypt the domain, compose the child's environment,
// start and supervise the child.

#include "launcher/supervisor/supervisor.hpp"
#include "policy/child_environment.hpp"
#include "policy/credentials.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace pprotect::launcher {

struct RunRequest {
  std::filesystem::path file = "protected.yaml";
  std::string domain;
  policy::CredentialOptions credentials;
  policy::ChildEnvironmentOptions environment;
  supervisor::SupervisorOptions supervision;
  std::vector<std::string> command; // argv of the child, non-empty
};

// Returns the status to exit with: the child's code, 128+N for a child
// killed by signal N, 124 on --timeout, 126/127 when the command cannot be
// run. Throws store::StoreError (and its subclasses) for launcher failures
// before the child starts; the caller maps them to its exit codes.
int run_with_secrets(const RunRequest& request, const supervisor::StartupSignals& signals,
                     policy::Prompter& prompter);

} // namespace pprotect::launcher

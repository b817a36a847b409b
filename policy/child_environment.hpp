#pragma once
// The child's environment: the reference's exec rules plus --only and the
// refusals (invalid names, NUL bytes, variables that load code or choose
// programs).

#include "policy/environment.hpp"
#include "store/errors.hpp"
#include "store/key_file.hpp"
#include "sys/secure_buffer.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pprotect::policy {

struct ChildEnvironmentOptions {
  bool passthrough = true;       // false: only PATH HOME TERM LANG USER SHELL LOGNAME
  std::string prefix;            // --prefix P: "P_" + name
  bool uppercase = false;        // --uppercase
  std::vector<std::string> only; // --only: inject just these secrets (by secret name)
  // Credential variables to scrub: <env_prefix>_USER, _PASSPHRASE and
  // _PASSPHRASE_COMMAND (the PPROTECT_ ones go whatever the prefix).
  std::string env_prefix = "PPROTECT";
  bool allow_loader_variables = false; // explicit opt-in for LD_* names
  // Variables that decide which programs run or what code they load (PATH,
  // BASH_ENV, PYTHONPATH, NODE_OPTIONS, GIT_SSH_COMMAND, ...; loader ones
  // too), set from a secret only when named here one by one.
  std::vector<std::string> allow_exec_variables;
  // false: names must be portable shell names, [A-Za-z_][A-Za-z0-9_]*;
  // true: any name without '=' (the reference's exec passes "db-pass" as is).
  bool allow_any_name = false;
  bool domain_prefix = false; // --domain-prefix: PROD_DB_PASS
  bool inject_secrets = true; // false: --no-env (secrets as files only)
};

// One domain's decrypted secrets.
struct DomainSecrets {
  std::string_view domain;
  const store::SecretValues& values;
};

// A variable the launcher adds that holds no secret (a secret file's path,
// SECRETS_DIR), checked and collided as a secret's name is. what names it
// in messages ("secret file of db-pass").
struct AddedVariable {
  std::string name;
  std::string value;
  std::string what;
};

// "NAME=value" entries in locked memory (slices of one allocation), and the
// envp array over them.
class ChildEnvironment {
public:
  std::vector<sys::SecureBuffer>& entries() { return m_entries; }
  const std::vector<sys::SecureBuffer>& entries() const { return m_entries; }
  // NUL-terminated pointers into entries(), valid while this object lives.
  std::vector<char*> envp();

private:
  std::vector<sys::SecureBuffer> m_entries; // each holds "NAME=value\0"
};

// The variable a secret gets: its name (upper-cased, non-alphanumerics as _,
// with --uppercase), after its domain's name upper-cased with
// --domain-prefix, after "<--prefix>_".
std::string variable_name(std::string_view domain, std::string_view secret,
                          const ChildEnvironmentOptions& options);

// The child's environment: the inherited variables as the options say, then
// the secrets of every domain in order, then the added variables. Throws
// store::StoreError naming the secret (never its value) on a name collision
// (within a domain, between domains, or with an added variable), an invalid
// variable name, a NUL byte in a value, a value over 128 KiB, a loader or
// exec variable not allowed, or an --only name in no domain.
ChildEnvironment compose_child_environment(const Environment& parent,
                                           const std::vector<DomainSecrets>& domains,
                                           const ChildEnvironmentOptions& options,
                                           const std::vector<AddedVariable>& added = {});
// One domain.
ChildEnvironment compose_child_environment(const Environment& parent, const store::SecretValues& secrets,
                                           const ChildEnvironmentOptions& options);

} // namespace pprotect::policy

#include "policy/child_environment.hpp"

#include "store/errors.hpp"
#include "sys/printable.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <map>
#include <set>
#include <string>

namespace pprotect::policy {

namespace {

// What --no-passthrough keeps, as the reference does.
constexpr std::array<std::string_view, 7> k_passthrough_names{"PATH", "HOME",  "TERM",   "LANG",
                                                              "USER", "SHELL", "LOGNAME"};
// Scrubbed whatever the prefix, as the reference does; and ours: the
// passphrase helper's command (a CI secret may hold it, a token in it) and
// the keyring setting, which the child has no use for (its session keyring
// is a new, empty one: launcher/supervisor/spawn.cpp).
constexpr std::array<std::string_view, 5> k_scrubbed_names{
    "PPROTECT_PASSPHRASE", "PPROTECT_USER", "PPROTECT_ENV_PREFIX", "PPROTECT_PASSPHRASE_COMMAND",
    "PPROTECT_USE_KEYRING"};
// Names that make the dynamic loader or libc load code or data chosen by
// whoever sets them (glibc's list of variables it drops for setuid programs,
// less TMPDIR, plus GLIBC_TUNABLES and macOS's DYLD_*). A secret should never
// need to be one of them; an attacker who can add secrets would love to.
constexpr std::array<std::string_view, 11> k_loader_names{
    "GCONV_PATH",   "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES",      "LOCALDOMAIN", "LOCPATH",
    "MALLOC_TRACE", "NIS_PATH",    "NLSPATH",        "RESOLV_HOST_CONF", "RES_OPTIONS"};
constexpr std::array<std::string_view, 2> k_loader_prefixes{"LD_", "DYLD_"};

// Names that make a shell, an interpreter, a runtime or a common tool load
// code, or look commands up, from where the value says: a secret that set
// one would run an attacker's code in the child, since anyone may add a
// secret. Where the list comes from:
// - sudo's default env_delete list (its env.c), which strips these for
//   the same reason: IFS, CDPATH, PATH_LOCALE, JAVA_TOOL_OPTIONS, PERLLIB,
//   PERL5LIB, PERL5OPT, PERL5DB, PERLIO_DEBUG, FPATH, NULLCMD, READNULLCMD,
//   ZDOTDIR, TMPPREFIX, PYTHONHOME, PYTHONPATH, PYTHONINSPECT,
//   PYTHONUSERBASE, RUBYLIB, RUBYOPT, and exported shell functions;
// - bash(1) and dash(1), variables read at start-up or at each prompt:
//   BASH_ENV, ENV, SHELLOPTS, BASHOPTS, GLOBIGNORE, PS0, PS1, PS2, PS4,
//   PROMPT_COMMAND, BASH_FUNC_* (exported functions);
// - python(1): PYTHONSTARTUP, PYTHONBREAKPOINT, PYTHONWARNINGS (a warning
//   category is imported), PYTHONPLATLIBDIR, PYTHONEXECUTABLE;
// - node(1): NODE_OPTIONS (--require), NODE_PATH, NODE_REPL_EXTERNAL_MODULE;
//   java(1): _JAVA_OPTIONS, JDK_JAVA_OPTIONS, CLASSPATH; .NET:
//   DOTNET_STARTUP_HOOKS, DOTNET_ADDITIONAL_DEPS; php(1): PHPRC,
//   PHP_INI_SCAN_DIR (auto_prepend_file); lua(1): LUA_INIT*, LUA_PATH*,
//   LUA_CPATH*; tclsh(1): TCLLIBPATH;
// - git(1)'s environment that runs programs or reads another repository or
//   configuration (whose hooks and core.* settings run programs);
// - what tools run as a command without asking, also with no terminal:
//   LESSOPEN, LESSCLOSE (less on every file, git's pager too), SSH_ASKPASS,
//   SUDO_ASKPASS (with no terminal: CI), SHELL; and where they read such
//   settings from: HOME, XDG_CONFIG_HOME;
// - the editor and pager commands tools run, git(1) among them (`git
//   commit` without -m, `git rebase -i` and `crontab -e` run the editor
//   with no terminal too, as a shell command line): EDITOR, VISUAL, PAGER,
//   MANPAGER, SYSTEMD_EDITOR, SYSTEMD_PAGER;
// - PATH itself.
constexpr auto k_exec_names = std::to_array<std::string_view>(
    {"PATH", "IFS", "CDPATH", "PATH_LOCALE", "HOME", "XDG_CONFIG_HOME", "SHELL",
     // shells
     "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "GLOBIGNORE", "PS0", "PS1", "PS2", "PS4", "PROMPT_COMMAND",
     "ZDOTDIR", "FPATH", "NULLCMD", "READNULLCMD", "TMPPREFIX",
     // interpreters and runtimes
     "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONINSPECT", "PYTHONUSERBASE", "PYTHONBREAKPOINT",
     "PYTHONWARNINGS", "PYTHONPLATLIBDIR", "PYTHONEXECUTABLE", "PERL5LIB", "PERLLIB", "PERL5OPT", "PERL5DB",
     "PERLIO_DEBUG", "RUBYOPT", "RUBYLIB", "NODE_OPTIONS", "NODE_PATH", "NODE_REPL_EXTERNAL_MODULE",
     "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH", "DOTNET_STARTUP_HOOKS",
     "DOTNET_ADDITIONAL_DEPS", "PHPRC", "PHP_INI_SCAN_DIR", "TCLLIBPATH",
     // git
     "GIT_ASKPASS", "GIT_EDITOR", "GIT_EXEC_PATH", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_PROXY_COMMAND",
     "GIT_SEQUENCE_EDITOR", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_CONFIG", "GIT_CONFIG_GLOBAL",
     "GIT_CONFIG_SYSTEM", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_TEMPLATE_DIR", "GIT_DIR",
     "GIT_WORK_TREE", "GIT_COMMON_DIR",
     // commands other tools run
     "LESSOPEN", "LESSCLOSE", "SSH_ASKPASS", "SUDO_ASKPASS", "EDITOR", "VISUAL", "PAGER", "MANPAGER",
     "SYSTEMD_EDITOR", "SYSTEMD_PAGER"});
constexpr auto k_exec_prefixes = std::to_array<std::string_view>(
    {"BASH_FUNC_", "GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_", "LUA_INIT", "LUA_PATH", "LUA_CPATH"});

// Linux's MAX_ARG_STRLEN (32 pages): the longest "NAME=value" string,
// terminating NUL included, that execve accepts.
constexpr std::size_t k_max_variable_size = 131072;

std::string_view name_of(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// A portable shell name: what `sh` can expand and every tool can set.
bool is_portable_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '_'; });
}

// What execve can carry at all: a name without '=' or NUL. Control bytes and
// spaces are refused too: they only confuse whoever reads the environment.
bool is_any_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return c != '=' && static_cast<unsigned char>(c) > ' ' && c != 0x7f;
  });
}

template <typename Names, typename Prefixes>
bool is_listed(std::string_view name, const Names& names, const Prefixes& prefixes) {
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    return true;
  }
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view prefix) { return name.substr(0, prefix.size()) == prefix; });
}

bool is_loader_variable(std::string_view name) {
  return is_listed(name, k_loader_names, k_loader_prefixes);
}

bool is_exec_variable(std::string_view name) {
  return is_listed(name, k_exec_names, k_exec_prefixes);
}

std::string upper_snake(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    c = is_alnum(c) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : '_';
  }
  return out;
}

// Refuses a variable the child must not get from us: a name execve or a
// shell cannot carry, or one that would choose programs or load code.
// `what` names the secret (or the added variable) in the message.
void check_variable(const std::string& variable, const std::string& what,
                    const ChildEnvironmentOptions& options) {
  if (!(options.allow_any_name ? is_any_name(variable) : is_portable_name(variable))) {
    throw store::StoreError(what + ": " + sys::quoted_name(variable) +
                            " is not a valid environment variable name" +
                            (options.allow_any_name ? "" : " (use --uppercase, --only or --allow-any-name)"));
  }
  // WARNING: LD_PRELOAD and friends make every program the child runs load
  // code named by the secret, PATH or BASH_ENV make it run other
  // programs; refuse unless the caller opted in.
  const bool allowed_by_name =
      std::find(options.allow_exec_variables.begin(), options.allow_exec_variables.end(), variable) !=
      options.allow_exec_variables.end();
  if (!allowed_by_name && !options.allow_loader_variables && is_loader_variable(variable)) {
    throw store::StoreError(what + ": " + variable +
                            " is a dynamic-loader variable; refusing to set it unless loader variables are "
                            "explicitly allowed (--allow-loader-variables, or --allow-exec-variables " +
                            variable + " for this one)");
  }
  if (!allowed_by_name && is_exec_variable(variable)) {
    throw store::StoreError(what + ": " + variable +
                            " decides which programs run or what code they load; refusing to set it unless "
                            "--allow-exec-variables " +
                            variable + " names it");
  }
}

// One variable of the child that we set: a secret's value or an added one.
struct Injected {
  std::string what; // "secret db-pass" (+ " of domain prod" with several domains)
  std::string_view value;
};

} // namespace

std::vector<char*> ChildEnvironment::envp() {
  std::vector<char*> pointers;
  pointers.reserve(m_entries.size() + 1);
  for (auto& entry : m_entries) {
    pointers.push_back(reinterpret_cast<char*>(entry.data()));
  }
  pointers.push_back(nullptr);
  return pointers;
}

std::string variable_name(std::string_view domain, std::string_view secret,
                          const ChildEnvironmentOptions& options) {
  std::string out = options.uppercase ? upper_snake(secret) : std::string(secret);
  if (options.domain_prefix) {
    out = upper_snake(domain) + "_" + out;
  }
  if (!options.prefix.empty()) {
    out = options.prefix + "_" + out;
  }
  return out;
}

ChildEnvironment compose_child_environment(const Environment& parent, const store::SecretValues& secrets,
                                           const ChildEnvironmentOptions& options) {
  return compose_child_environment(parent, {DomainSecrets{"", secrets}}, options);
}

ChildEnvironment compose_child_environment(const Environment& parent,
                                           const std::vector<DomainSecrets>& domains,
                                           const ChildEnvironmentOptions& options,
                                           const std::vector<AddedVariable>& added) {
  // 1. Which secrets, under which names. Every check runs before anything is
  //    copied, and every message names the secret, never its value.
  const bool several = domains.size() > 1;
  for (const auto& wanted : options.only) {
    if (std::none_of(domains.begin(), domains.end(),
                     [&](const DomainSecrets& domain) { return domain.values.count(wanted) != 0; })) {
      throw store::StoreError("--only: no secret named " + wanted +
                              (several ? " in the domains" : " in the domain"));
    }
  }
  const std::set<std::string> only(options.only.begin(), options.only.end());
  std::map<std::string, Injected> injected; // variable -> what and value
  const auto inject = [&](const std::string& variable, Injected value) {
    check_variable(variable, value.what, options);
    if (const auto clash = injected.find(variable); clash != injected.end()) {
      throw store::StoreError(
          "secret name collision: " + clash->second.what.substr(clash->second.what.find(' ') + 1) + " and " +
          value.what.substr(value.what.find(' ') + 1) + " both map to " + variable +
          (several && !options.domain_prefix ? " (--domain-prefix prefixes each with its domain)" : ""));
    }
    injected.emplace(variable, std::move(value));
  };
  for (const DomainSecrets& domain : domains) {
    if (!options.inject_secrets) {
      break;
    }
    for (const auto& [secret_name, value] : domain.values) {
      if (!only.empty() && only.count(secret_name) == 0) {
        continue;
      }
      const std::string what = "secret " + secret_name +
                               (several ? " of domain " + sys::quoted_name(domain.domain) : std::string());
      const std::string variable = variable_name(domain.domain, secret_name, options);
      if (value.view().find('\0') != std::string_view::npos) {
        throw store::StoreError(what +
                                ": the value holds a NUL byte, which an environment variable cannot carry");
      }
      // Checked here, naming the secret: execve would refuse the whole
      // environment with a bare E2BIG.
      if (variable.size() + 1 + value.size() + 1 > k_max_variable_size) {
        throw store::StoreError(
            what + ": the value is " + std::to_string(value.size()) +
            " bytes, more than Linux passes in one environment variable (128 KiB); leave it "
            "out with --only");
      }
      inject(variable, Injected{what, value.view()});
    }
  }
  for (const AddedVariable& variable : added) {
    inject(variable.name, Injected{variable.what, variable.value});
  }

  // 2. Which inherited variables stay.
  std::set<std::string, std::less<>> dropped(k_scrubbed_names.begin(), k_scrubbed_names.end());
  dropped.insert(options.env_prefix + "_USER");
  dropped.insert(options.env_prefix + "_PASSPHRASE");
  dropped.insert(options.env_prefix + "_PASSPHRASE_COMMAND");

  // Name and value of every entry, as views into parent and secrets, so
  // the entries can share one secure allocation: one sodium_malloc each
  // cost ~25 us, a millisecond of start-up for a common environment.
  std::vector<std::pair<std::string_view, std::string_view>> pending;
  std::set<std::string_view> seen;
  for (const auto& entry : parent.entries()) {
    if (entry.find('=') == std::string::npos) {
      continue; // not a variable; execve would pass it, nothing could read it
    }
    const std::string_view name = name_of(entry);
    if (!options.passthrough && std::find(k_passthrough_names.begin(), k_passthrough_names.end(), name) ==
                                    k_passthrough_names.end()) {
      continue;
    }
    // Secrets win over inherited variables, as in the reference's update().
    if (dropped.count(name) != 0 || injected.count(std::string(name)) != 0 || seen.count(name) != 0) {
      continue;
    }
    seen.emplace(name);
    pending.emplace_back(name, std::string_view(entry).substr(name.size() + 1));
  }
  // 3. The secrets, after the scrub, so a secret may be named PPROTECT_*.
  for (const auto& [variable, value] : injected) {
    pending.emplace_back(variable, value.value);
  }

  std::vector<std::size_t> sizes;
  sizes.reserve(pending.size());
  for (const auto& [name, value] : pending) {
    sizes.push_back(name.size() + 1 + value.size() + 1); // "NAME=value\0"
  }
  ChildEnvironment child;
  child.entries() = sys::SecureBuffer::slices(sizes);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const auto& [name, value] = pending[i];
    unsigned char* out = child.entries()[i].data();
    std::memcpy(out, name.data(), name.size());
    out[name.size()] = '=';
    if (!value.empty()) {
      std::memcpy(out + name.size() + 1, value.data(), value.size());
    }
    out[sizes[i] - 1] = '\0';
  }
  return child;
}

} // namespace pprotect::policy

#include "policy/child_environment.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

using pprotect::policy::ChildEnvironment;
using pprotect::policy::ChildEnvironmentOptions;
using pprotect::policy::Environment;
using pprotect::store::SecretValues;
using pprotect::store::StoreError;
using pprotect::sys::SecureBuffer;

namespace {

SecretValues secrets_of(const std::vector<std::pair<std::string, std::string>>& pairs) {
  SecretValues values;
  for (const auto& [name, value] : pairs) {
    values.emplace(name, SecureBuffer::copy_of(value));
  }
  return values;
}

// The composed environment as "NAME=value" strings, through envp() as execve
// would see it.
std::vector<std::string> as_strings(ChildEnvironment& child) {
  std::vector<std::string> out;
  const auto envp = child.envp();
  REQUIRE_FALSE(envp.empty());
  CHECK(envp.back() == nullptr);
  for (std::size_t i = 0; i + 1 < envp.size(); ++i) {
    out.emplace_back(envp[i]);
  }
  return out;
}

std::vector<std::string> compose(const Environment& parent, const SecretValues& secrets,
                                 const ChildEnvironmentOptions& options = {}) {
  auto child = pprotect::policy::compose_child_environment(parent, secrets, options);
  return as_strings(child);
}

const Environment k_parent({"PATH=/usr/bin", "HOME=/root", "EDITOR=vi", "PPROTECT_USER=ci@example.com",
                            "PPROTECT_PASSPHRASE=hunter2", "PPROTECT_ENV_PREFIX=APP", "APP_USER=x",
                            "APP_PASSPHRASE=y", "TERM=xterm"});

} // namespace

TEST_CASE("Everything is inherited but the credential variables, then the secrets are added") {
  ChildEnvironmentOptions options;
  options.env_prefix = "APP";
  CHECK(
      compose(k_parent, secrets_of({{"DEPLOY_TOKEN", "tok"}}), options) ==
      std::vector<std::string>{"PATH=/usr/bin", "HOME=/root", "EDITOR=vi", "TERM=xterm", "DEPLOY_TOKEN=tok"});
}

TEST_CASE(
    "The default prefix's variables are dropped even with a custom prefix, the custom ones only with it") {
  const auto child = compose(k_parent, {});
  CHECK(child == std::vector<std::string>{"PATH=/usr/bin", "HOME=/root", "EDITOR=vi", "APP_USER=x",
                                          "APP_PASSPHRASE=y", "TERM=xterm"});
}

TEST_CASE("The passphrase helper's variables and the keyring setting never reach the child") {
  const Environment parent({"PATH=/usr/bin", "PPROTECT_PASSPHRASE_COMMAND=pass show prod",
                            "APP_PASSPHRASE_COMMAND=op read op://v/i", "OTHER_PASSPHRASE_COMMAND=kept",
                            "PPROTECT_USE_KEYRING=1"});
  ChildEnvironmentOptions options;
  options.env_prefix = "APP";
  CHECK(compose(parent, secrets_of({{"A", "1"}}), options) ==
        std::vector<std::string>{"PATH=/usr/bin", "OTHER_PASSPHRASE_COMMAND=kept", "A=1"});
  // The default prefix's one goes with a custom prefix too.
  CHECK(compose(parent, {}) == std::vector<std::string>{"PATH=/usr/bin",
                                                        "APP_PASSPHRASE_COMMAND=op read op://v/i",
                                                        "OTHER_PASSPHRASE_COMMAND=kept"});
}

TEST_CASE("Without passthrough only PATH HOME TERM LANG USER SHELL LOGNAME stay") {
  const Environment parent({"PATH=/bin", "HOME=/h", "TERM=t", "LANG=C", "USER=u", "SHELL=/bin/sh",
                            "LOGNAME=l", "EDITOR=vi", "PPROTECT_PASSPHRASE=p", "LC_ALL=C"});
  ChildEnvironmentOptions options;
  options.passthrough = false;
  CHECK(compose(parent, secrets_of({{"A", "1"}}), options) ==
        std::vector<std::string>{"PATH=/bin", "HOME=/h", "TERM=t", "LANG=C", "USER=u", "SHELL=/bin/sh",
                                 "LOGNAME=l", "A=1"});
}

TEST_CASE("A secret may itself be named PPROTECT_* and wins over an inherited variable") {
  const Environment parent({"PPROTECT_USER=me", "TZ=UTC"});
  CHECK(compose(parent, secrets_of({{"PPROTECT_USER", "svc"}, {"TZ", "Europe/Paris"}})) ==
        std::vector<std::string>{"PPROTECT_USER=svc", "TZ=Europe/Paris"});
}

TEST_CASE("Option --uppercase maps every non-alphanumeric character to _ then upper-cases, and --prefix "
          "prepends P_") {
  ChildEnvironmentOptions options;
  options.uppercase = true;
  CHECK(compose({}, secrets_of({{"db-url", "u"}, {"api_Key2", "k"}}), options) ==
        std::vector<std::string>{"API_KEY2=k", "DB_URL=u"});
  options.prefix = "MYAPP";
  CHECK(compose({}, secrets_of({{"db-url", "u"}}), options) == std::vector<std::string>{"MYAPP_DB_URL=u"});
  options.uppercase = false;
  options.allow_any_name = true;
  CHECK(compose({}, secrets_of({{"db-url", "u"}}), options) == std::vector<std::string>{"MYAPP_db-url=u"});
}

TEST_CASE("Option --only injects just the named secrets and rejects a name the domain lacks") {
  ChildEnvironmentOptions options;
  options.only = {"B", "C"};
  CHECK(compose({}, secrets_of({{"A", "1"}, {"B", "2"}, {"C", "3"}}), options) ==
        std::vector<std::string>{"B=2", "C=3"});
  options.only = {"B", "NOPE"};
  CHECK_THROWS_AS(compose({}, secrets_of({{"A", "1"}, {"B", "2"}}), options), StoreError);
  CHECK_THROWS_WITH(compose({}, secrets_of({{"A", "1"}, {"B", "2"}}), options), Catch::Contains("NOPE"));
}

TEST_CASE("Two secrets mapping to one name is an error naming both") {
  ChildEnvironmentOptions options;
  options.uppercase = true;
  CHECK_THROWS_WITH(compose({}, secrets_of({{"db-url", "value-one"}, {"db_url", "value-two"}}), options),
                    Catch::Contains("db-url") && Catch::Contains("db_url") && Catch::Contains("DB_URL") &&
                        !Catch::Contains("value-one") && !Catch::Contains("value-two"));
}

TEST_CASE("A name that is not a valid variable name is refused") {
  ChildEnvironmentOptions options;
  options.prefix = "A=B";
  CHECK_THROWS_WITH(compose({}, secrets_of({{"TOKEN", "v"}}), options),
                    Catch::Contains("secret TOKEN") &&
                        Catch::Contains("not a valid environment variable name"));
  options.prefix = "1";
  CHECK_THROWS_AS(compose({}, secrets_of({{"TOKEN", "v"}}), options), StoreError);
  options.prefix = "has space";
  CHECK_THROWS_AS(compose({}, secrets_of({{"TOKEN", "v"}}), options), StoreError);
}

TEST_CASE("A secret name that is no portable shell name needs an explicit opt-in") {
  ChildEnvironmentOptions options;
  CHECK_THROWS_WITH(compose({}, secrets_of({{"db-pass", "v"}}), options),
                    Catch::Contains("secret db-pass") && Catch::Contains("--uppercase"));
  options.uppercase = true;
  CHECK(compose({}, secrets_of({{"db-pass", "v"}}), options) == std::vector<std::string>{"DB_PASS=v"});
  options.uppercase = false;
  options.allow_any_name = true; // pprotect exec: the reference passes such names as they are
  CHECK(compose({}, secrets_of({{"db-pass", "v"}}), options) == std::vector<std::string>{"db-pass=v"});
  options.prefix = "A=B"; // '=' can never be carried, opt-in or not
  CHECK_THROWS_AS(compose({}, secrets_of({{"TOKEN", "v"}}), options), StoreError);
}

TEST_CASE("A value with a NUL byte is refused, naming the secret and not the value") {
  const std::string value("abc\0def", 7);
  CHECK_THROWS_WITH(compose({}, secrets_of({{"BLOB", value}})),
                    Catch::Contains("secret BLOB") && Catch::Contains("NUL") && !Catch::Contains("abc"));
}

TEST_CASE("A value longer than Linux passes in one variable is refused, naming the secret") {
  // "BIG=" + value + NUL: 131072 bytes is the most execve takes.
  CHECK_NOTHROW(compose({}, secrets_of({{"BIG", std::string(131072 - 5, 'x')}})));
  CHECK_THROWS_WITH(compose({}, secrets_of({{"BIG", std::string(131072 - 4, 'x')}})),
                    Catch::Contains("secret BIG") && Catch::Contains("128 KiB") &&
                        Catch::Contains("--only") && !Catch::Contains("xxxx"));
  ChildEnvironmentOptions only;
  only.only = {"SMALL"};
  CHECK(compose({}, secrets_of({{"BIG", std::string(200000, 'x')}, {"SMALL", "s"}}), only) ==
        std::vector<std::string>{"SMALL=s"});
}

TEST_CASE("Dynamic-loader variables are refused unless explicitly allowed") {
  for (const char* name : {"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH", "GLIBC_TUNABLES"}) {
    INFO(name);
    CHECK_THROWS_WITH(compose({}, secrets_of({{name, "/tmp/evil.so"}})),
                      Catch::Contains(std::string("secret ") + name) && Catch::Contains("dynamic-loader") &&
                          Catch::Contains("--allow-loader-variables") && !Catch::Contains("evil"));
  }
  ChildEnvironmentOptions options;
  options.prefix = "LD";
  CHECK_THROWS_AS(compose({}, secrets_of({{"PRELOAD", "x"}}), options), StoreError);
  options.prefix.clear();
  options.allow_loader_variables = true;
  CHECK(compose({}, secrets_of({{"LD_LIBRARY_PATH", "/opt/lib"}}), options) ==
        std::vector<std::string>{"LD_LIBRARY_PATH=/opt/lib"});
  // Names that merely contain the letters are fine.
  CHECK(compose({}, secrets_of({{"OLD_PASSWORD", "x"}, {"LDAP_URL", "y"}})) ==
        std::vector<std::string>{"LDAP_URL=y", "OLD_PASSWORD=x"});
}

TEST_CASE("Variables that choose programs or load code are refused unless named one by one") {
  for (const char* name : {"PATH",
                           "EDITOR",
                           "VISUAL",
                           "PAGER",
                           "MANPAGER",
                           "SYSTEMD_PAGER",
                           "BASH_ENV",
                           "ENV",
                           "SHELLOPTS",
                           "BASHOPTS",
                           "PS4",
                           "PROMPT_COMMAND",
                           "IFS",
                           "CDPATH",
                           "PYTHONPATH",
                           "PYTHONSTARTUP",
                           "PYTHONHOME",
                           "PERL5LIB",
                           "PERL5OPT",
                           "RUBYOPT",
                           "RUBYLIB",
                           "NODE_OPTIONS",
                           "NODE_PATH",
                           "JAVA_TOOL_OPTIONS",
                           "_JAVA_OPTIONS",
                           "GIT_SSH_COMMAND",
                           "GIT_EXEC_PATH",
                           "GIT_CONFIG_KEY_0",
                           "GIT_CONFIG_VALUE_0",
                           "GIT_DIR",
                           "ZDOTDIR",
                           "LESSOPEN",
                           "SSH_ASKPASS",
                           "HOME",
                           "LUA_INIT_5_4"}) {
    INFO(name);
    CHECK_THROWS_WITH(compose({}, secrets_of({{name, "/tmp/evil"}})),
                      Catch::Contains(std::string("secret ") + name) &&
                          Catch::Contains(std::string("--allow-exec-variables ") + name) &&
                          !Catch::Contains("evil"));
  }
  // Exported bash functions, which only an any-name environment can carry.
  ChildEnvironmentOptions any;
  any.allow_any_name = true;
  CHECK_THROWS_WITH(compose({}, secrets_of({{"BASH_FUNC_ls%%", "() { evil; }"}}), any),
                    Catch::Contains("BASH_FUNC_ls%%") && !Catch::Contains("evil"));
  // --uppercase and --prefix are applied first: the variable is what counts.
  ChildEnvironmentOptions upper;
  upper.uppercase = true;
  CHECK_THROWS_AS(compose({}, secrets_of({{"path", "/tmp/x"}}), upper), StoreError);
  ChildEnvironmentOptions git;
  git.prefix = "GIT";
  CHECK_THROWS_AS(compose({}, secrets_of({{"SSH_COMMAND", "x"}}), git), StoreError);
}

TEST_CASE("A named exec variable is set, and naming one allows no other") {
  ChildEnvironmentOptions options;
  options.allow_exec_variables = {"PATH", "LD_LIBRARY_PATH"};
  CHECK(compose({}, secrets_of({{"PATH", "/opt/bin"}, {"LD_LIBRARY_PATH", "/opt/lib"}}), options) ==
        std::vector<std::string>{"LD_LIBRARY_PATH=/opt/lib", "PATH=/opt/bin"});
  CHECK_THROWS_WITH(compose({}, secrets_of({{"PATH", "/opt/bin"}, {"BASH_ENV", "/x"}}), options),
                    Catch::Contains("BASH_ENV"));
  CHECK_THROWS_AS(compose({}, secrets_of({{"LD_PRELOAD", "/x.so"}}), options), StoreError);
  // The blanket loader opt-in does not reach exec variables.
  ChildEnvironmentOptions loader;
  loader.allow_loader_variables = true;
  CHECK_THROWS_AS(compose({}, secrets_of({{"PATH", "/opt/bin"}}), loader), StoreError);
  // Names that merely look alike are ordinary secrets.
  CHECK(compose({}, secrets_of({{"MYPATH", "a"}, {"PATHS", "b"}, {"GIT_TOKEN", "c"}, {"HOMEPAGE", "d"}})) ==
        std::vector<std::string>{"GIT_TOKEN=c", "HOMEPAGE=d", "MYPATH=a", "PATHS=b"});
}

TEST_CASE("An inherited exec variable is left alone: only secrets are policed") {
  CHECK(compose(Environment({"PATH=/usr/bin", "BASH_ENV=/etc/x"}), {}) ==
        std::vector<std::string>{"PATH=/usr/bin", "BASH_ENV=/etc/x"});
}

TEST_CASE("An inherited loader variable is left alone: only secrets are policed") {
  CHECK(compose(Environment({"LD_LIBRARY_PATH=/opt/lib"}), {}) ==
        std::vector<std::string>{"LD_LIBRARY_PATH=/opt/lib"});
}

TEST_CASE("Entries live in secure buffers, NUL-terminated, and empty values survive") {
  auto child = pprotect::policy::compose_child_environment({}, secrets_of({{"EMPTY", ""}, {"K", "v=w"}}), {});
  REQUIRE(child.entries().size() == 2);
  CHECK(child.entries()[0].view() == std::string_view("EMPTY=\0", 7));
  CHECK(child.entries()[1].view() == std::string_view("K=v=w\0", 6));
  const auto envp = child.envp();
  CHECK(std::strcmp(envp[1], "K=v=w") == 0);
}

namespace {
std::vector<std::string> compose_domains(const std::vector<pprotect::policy::DomainSecrets>& domains,
                                         const ChildEnvironmentOptions& options = {},
                                         const std::vector<pprotect::policy::AddedVariable>& added = {}) {
  auto child = pprotect::policy::compose_child_environment({}, domains, options, added);
  return as_strings(child);
}
} // namespace

TEST_CASE("Several domains give their secrets together, in order") {
  const auto prod = secrets_of({{"DB_PASS", "p"}, {"API", "a"}});
  const auto shared = secrets_of({{"SMTP", "s"}});
  CHECK(compose_domains({{"prod", prod}, {"shared", shared}}) ==
        std::vector<std::string>{"API=a", "DB_PASS=p", "SMTP=s"});
}

TEST_CASE("The same variable from two domains is an error naming both, unless --domain-prefix") {
  const auto prod = secrets_of({{"DB_PASS", "p"}});
  const auto staging = secrets_of({{"DB_PASS", "s"}});
  CHECK_THROWS_WITH(compose_domains({{"prod", prod}, {"staging", staging}}),
                    Catch::Contains("'prod'") && Catch::Contains("'staging'") && Catch::Contains("DB_PASS") &&
                        Catch::Contains("--domain-prefix") && !Catch::Contains("=p"));
  ChildEnvironmentOptions options;
  options.domain_prefix = true;
  CHECK(compose_domains({{"prod", prod}, {"staging", staging}}, options) ==
        std::vector<std::string>{"PROD_DB_PASS=p", "STAGING_DB_PASS=s"});
  options.prefix = "APP";
  CHECK(compose_domains({{"my-prod", prod}}, options) == std::vector<std::string>{"APP_MY_PROD_DB_PASS=p"});
}

TEST_CASE("Variable names follow --uppercase, --domain-prefix and --prefix in that order") {
  ChildEnvironmentOptions options;
  CHECK(pprotect::policy::variable_name("prod", "db-pass", options) == "db-pass");
  options.uppercase = true;
  CHECK(pprotect::policy::variable_name("prod", "db-pass", options) == "DB_PASS");
  options.domain_prefix = true;
  CHECK(pprotect::policy::variable_name("eu.prod", "db-pass", options) == "EU_PROD_DB_PASS");
  options.prefix = "X";
  CHECK(pprotect::policy::variable_name("prod", "db-pass", options) == "X_PROD_DB_PASS");
}

TEST_CASE("Added variables are checked and collide like secrets, and --no-env injects only them") {
  const auto prod = secrets_of({{"DB_PASS", "p"}, {"DB_PASS_FILE", "q"}});
  const std::vector<pprotect::policy::AddedVariable> file{
      {"DB_PASS_FILE", "/dev/fd/5", "secret file of DB_PASS"}};
  CHECK_THROWS_WITH(compose_domains({{"prod", prod}}, {}, file), Catch::Contains("DB_PASS_FILE"));
  ChildEnvironmentOptions files_only;
  files_only.inject_secrets = false;
  CHECK(compose_domains({{"prod", prod}}, files_only, file) ==
        std::vector<std::string>{"DB_PASS_FILE=/dev/fd/5"});
  const std::vector<pprotect::policy::AddedVariable> path{{"PATH", "/dev/fd/5", "secret file of X"}};
  CHECK_THROWS_WITH(compose_domains({{"prod", prod}}, files_only, path),
                    Catch::Contains("secret file of X") && Catch::Contains("--allow-exec-variables PATH"));
}

#include "launcher/admin/command_line.hpp"
#include "policy/usage_error.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

using pprotect::admin::command_names;
using pprotect::admin::help_text;
using pprotect::admin::parse_command_line;
using pprotect::admin::suggest_subcommand;
using pprotect::policy::UsageError;

using Args = std::vector<std::string>;

TEST_CASE("Flags parse the same before and after the subcommand") {
  const auto before = parse_command_line(Args{"--file", "x.yaml", "-u", "alice", "--confirm", "add-domain"});
  const auto after = parse_command_line(Args{"add-domain", "--file", "x.yaml", "-u", "alice", "--confirm"});
  for (const auto* options : {&before, &after}) {
    CHECK(options->subcommand == "add-domain");
    CHECK(options->file == "x.yaml");
    REQUIRE(options->user);
    CHECK(*options->user == "alice");
    CHECK(options->confirm);
  }
}

TEST_CASE("The file defaults to protected.yaml") {
  CHECK(parse_command_line(Args{"list-domains"}).file == "protected.yaml");
}

TEST_CASE("Underscored subcommand names are accepted as the reference accepts them") {
  CHECK(parse_command_line(Args{"list_domains"}).subcommand == "list-domains");
}

TEST_CASE("exec takes the command after --, flags included") {
  const auto options =
      parse_command_line(Args{"exec", "--domain", "prod", "--", "env", "-i", "--domain", "x"});
  CHECK(options.subcommand == "exec");
  REQUIRE(options.domain);
  CHECK(*options.domain == "prod");
  CHECK(options.command == Args{"env", "-i", "--domain", "x"});
}

TEST_CASE("decrypt-domain takes its domain as an argument, flags on either side") {
  const auto options =
      parse_command_line(Args{"decrypt-domain", "dev", "--secret", "A", "--output-format", "env"});
  CHECK(options.positionals == Args{"dev"});
  REQUIRE(options.secret);
  CHECK(*options.secret == "A");
  CHECK_THROWS_AS(parse_command_line(Args{"decrypt-domain", "a", "b"}), UsageError);
}

TEST_CASE("An unknown subcommand is a usage error with a suggestion") {
  try {
    parse_command_line(Args{"add-domian"});
    FAIL("no error");
  } catch (const UsageError& error) {
    CHECK(std::string(error.what()).find("did you mean \"add-domain\"?") != std::string::npos);
  }
  CHECK(suggest_subcommand("rotate") == "rotate-domain-keys");
  CHECK(suggest_subcommand("lst-domains") == "list-domains");
  CHECK(suggest_subcommand("frobnicate").empty());
}

TEST_CASE("Unknown, repeated and value-less flags are usage errors") {
  CHECK_THROWS_AS(parse_command_line(Args{"list-domains", "--bogus"}), UsageError);
  CHECK_THROWS_AS(parse_command_line(Args{"list-domains", "--file", "a", "--file", "b"}), UsageError);
  CHECK_THROWS_AS(parse_command_line(Args{"list-domains", "--file"}), UsageError);
}

TEST_CASE("A --help flag wins over other mistakes on the line") {
  const auto options = parse_command_line(Args{"add-secret", "--bogus", "--help"});
  CHECK(options.help);
  CHECK(options.subcommand == "add-secret");
}

TEST_CASE("Help lists the reference's 21 subcommands, reformat, unlock and lock in the reference's groups") {
  REQUIRE(command_names().size() == 24);
  const std::string root = help_text("");
  for (const auto& name : command_names()) {
    CHECK(root.find("  " + name) != std::string::npos);
    CHECK(help_text(name).find("Usage: pprotect " + name) == 0);
  }
  const auto access = root.find("Access Management:");
  const auto domains = root.find("Domain Management:");
  const auto secrets = root.find("Secret Management:");
  const auto secret_access = root.find("Secret Access:");
  CHECK(access < domains);
  CHECK(domains < secrets);
  CHECK(secrets < secret_access);
  CHECK(secret_access != std::string::npos);
  CHECK(secret_access < root.find("Session Keyring:"));
}

TEST_CASE("Help gives the whole credential order and what unlock does") {
  const std::string root = help_text("");
  CHECK(root.find("passphrase:  --passphrase-file; --passphrase-command CMD;\n"
                  "               --passphrase-credential NAME; $PPROTECT_PASSPHRASE;\n"
                  "               $PPROTECT_PASSPHRASE_COMMAND (empty: unset); a prompt") !=
        std::string::npos);
  CHECK(root.find("with --use-keyring or PPROTECT_USE_KEYRING=1") != std::string::npos);
  const std::string unlock = help_text("unlock");
  CHECK(unlock.find("--ttl DURATION") != std::string::npos);
  CHECK(unlock.find("--status") != std::string::npos);
  CHECK(unlock.find("\n  --use-keyring") == std::string::npos); // named, but not a flag of unlock
  CHECK(help_text("decrypt-domain").find("--passphrase-command-timeout DURATION") != std::string::npos);
  CHECK(help_text("decrypt-domain").find("--use-keyring ") != std::string::npos);
}

TEST_CASE("The helper's timeout and the time to live are durations more than 0") {
  using namespace std::chrono_literals;
  CHECK(parse_command_line(Args{"decrypt-domain", "d", "--passphrase-command-timeout", "1.5"})
            .passphrase_command_timeout == 1500ms);
  CHECK(parse_command_line(Args{"unlock", "--ttl", "2"}).ttl == 2s);
  CHECK(parse_command_line(Args{"unlock", "--ttl", "1h"}).ttl == 3600s);
  CHECK(parse_command_line(Args{"unlock", "--ttl", "0.5"}).ttl == 1s); // rounded up, never 0
  CHECK_THROWS_WITH(parse_command_line(Args{"unlock", "--ttl", "0"}),
                    Catch::Contains("invalid duration for --ttl: 0") && Catch::Contains("never expires"));
  CHECK_THROWS_AS(parse_command_line(Args{"unlock", "--ttl", "soon"}), UsageError);
  CHECK_THROWS_AS(parse_command_line(Args{"decrypt-domain", "d", "--passphrase-command-timeout", "0"}),
                  UsageError);
  CHECK_THROWS_AS(parse_command_line(Args{"unlock", "--status", "--ttl", "5m"}), UsageError);
  // unlock never uses the keyring; lock takes nothing.
  CHECK_THROWS_AS(parse_command_line(Args{"unlock", "--use-keyring"}), UsageError);
  CHECK_THROWS_AS(parse_command_line(Args{"lock", "--file", "x.yaml"}), UsageError);
  CHECK(parse_command_line(Args{"exec", "--use-keyring", "--domain", "d", "--", "true"}).use_keyring);
}

TEST_CASE("The layout flag takes a b or c before or after the subcommand on commands that write") {
  CHECK(parse_command_line(Args{"rm-secret", "--yaml-layout", "b"}).yaml_layout == "b");
  CHECK(parse_command_line(Args{"--yaml-layout=c", "reformat"}).yaml_layout == "c");
  CHECK(parse_command_line(Args{"init", "--yaml-layout", "A"}).yaml_layout == "A");
  CHECK_THROWS_WITH(parse_command_line(Args{"reformat", "--yaml-layout", "d"}),
                    "--yaml-layout must be one of: a, b, c (got 'd')");
  // Read-only commands write nothing, so they take no layout.
  CHECK_THROWS_AS(parse_command_line(Args{"list-domains", "--yaml-layout", "a"}), UsageError);
  CHECK_THROWS_AS(parse_command_line(Args{"decrypt-domain", "d", "--yaml-layout", "a"}), UsageError);
}

TEST_CASE("Help says which ruamel.yaml releases each layout letter stands for") {
  const std::string root = help_text("");
  CHECK(root.find("a: as ruamel.yaml 0.17.21 and earlier writes it") != std::string::npos);
  CHECK(root.find("b: as ruamel.yaml 0.17.22 and 0.17.26 to 0.18.12 write it") != std::string::npos);
  CHECK(root.find("c: as ruamel.yaml 0.18.13 and later writes it") != std::string::npos);
  const std::string reformat = help_text("reformat");
  CHECK(reformat.find("--yaml-layout LAYOUT") != std::string::npos);
  CHECK(reformat.find("no entry is added") != std::string::npos);
  CHECK(help_text("rm-owner").find("0.18.12, written as 0.18.12 does)") != std::string::npos);
}

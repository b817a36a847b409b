#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "launcher/cli.hpp"

using pprotect::launcher::CliUsageError;
using pprotect::launcher::help_text;
using pprotect::launcher::parse_command_line;
using pprotect::launcher::subcommand_names;
using pprotect::launcher::suggest_subcommand;

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
  const auto options = parse_command_line(Args{"exec", "--domain", "prod", "--", "env", "-i", "--domain", "x"});
  CHECK(options.subcommand == "exec");
  REQUIRE(options.domain);
  CHECK(*options.domain == "prod");
  CHECK(options.command == Args{"env", "-i", "--domain", "x"});
}

TEST_CASE("decrypt-domain takes its domain as an argument, flags on either side") {
  const auto options = parse_command_line(Args{"decrypt-domain", "dev", "--secret", "A", "--output-format", "env"});
  CHECK(options.positionals == Args{"dev"});
  REQUIRE(options.secret);
  CHECK(*options.secret == "A");
  CHECK_THROWS_AS(parse_command_line(Args{"decrypt-domain", "a", "b"}), CliUsageError);
}

TEST_CASE("An unknown subcommand is a usage error with a suggestion") {
  try {
    parse_command_line(Args{"add-domian"});
    FAIL("no error");
  } catch (const CliUsageError& error) {
    CHECK(std::string(error.what()).find("did you mean \"add-domain\"?") != std::string::npos);
  }
  CHECK(suggest_subcommand("rotate") == "rotate-domain-keys");
  CHECK(suggest_subcommand("lst-domains") == "list-domains");
  CHECK(suggest_subcommand("frobnicate").empty());
}

TEST_CASE("Unknown, repeated and value-less flags are usage errors") {
  CHECK_THROWS_AS(parse_command_line(Args{"list-domains", "--bogus"}), CliUsageError);
  CHECK_THROWS_AS(parse_command_line(Args{"list-domains", "--file", "a", "--file", "b"}), CliUsageError);
  CHECK_THROWS_AS(parse_command_line(Args{"list-domains", "--file"}), CliUsageError);
}

TEST_CASE("A --help flag wins over other mistakes on the line") {
  const auto options = parse_command_line(Args{"add-secret", "--bogus", "--help"});
  CHECK(options.help);
  CHECK(options.subcommand == "add-secret");
}

TEST_CASE("Help lists all 21 subcommands in the reference's groups") {
  REQUIRE(subcommand_names().size() == 21);
  const std::string root = help_text("");
  for (const auto& name : subcommand_names()) {
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
}

#pragma once
// pprotect's commands in one table: name, help, the flags each takes, and
// the function that runs it. The parser, the help texts and the dispatch
// all read it.

#include <string_view>
#include <vector>

namespace pprotect::admin {

struct Session;

struct Command {
  std::string_view name;
  std::string_view group;   // "" for the ungrouped ones listed first
  std::string_view summary; // the reference's one-line doc
  std::string_view details; // what pprotect adds: flags for prompted values
  std::string_view usage_args;
  std::vector<std::string_view> flags; // flags it takes, in help order
  int (*run)(Session& session);        // returns the exit status
};

// Every command, in help order.
const std::vector<Command>& commands();

// The command named (dashes or underscores), or nullptr.
const Command* find_command(std::string_view name);

// A flag's label and help text.
struct FlagInfo {
  std::string_view name;
  std::string_view label;
  std::string_view doc;
};
const std::vector<FlagInfo>& flag_infos();

} // namespace pprotect::admin

#pragma once
// The three ways pocket_protector lays protected.yaml out, one for each era
// of the ruamel.yaml it runs with (it requires ruamel.yaml without a version
// bound). Same content, different line breaks: where a long value goes, where
// plain scalars fold, which folds of double-quoted text end in `\`.

#include <optional>
#include <string_view>

namespace pprotect::store {

enum class YamlLayout {
  a, // ruamel.yaml up to 0.17.21: long words stay after "key: "
  b, // 0.17.22 - 0.18.12 (as 0.17.26 - 0.18.10 write it): words over 100 columns on a line of their own
  c, // 0.18.13 and later: any word that would pass column 100 on a line of its own
};

// What a new file gets, and what wins when a file's text fits several layouts.
inline constexpr YamlLayout k_newest_yaml_layout = YamlLayout::c;

// "a", "b" or "c".
std::string_view yaml_layout_name(YamlLayout layout);

// The ruamel.yaml releases that write `layout`, for help texts and messages.
std::string_view yaml_layout_releases(YamlLayout layout);

// "a", "b" or "c" (either case); nullopt for anything else.
std::optional<YamlLayout> parse_yaml_layout(std::string_view name);

} // namespace pprotect::store

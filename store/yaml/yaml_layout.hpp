#pragma once
// The ways pocket_protector lays protected.yaml out, one for each era of the
// ruamel.yaml it runs with (it requires ruamel.yaml without a version bound).
// Same content, different line breaks: where a long value goes, where plain
// scalars fold, which folds of double-quoted text end in `\`.
//
// Users name three layouts, a, b and c, by where a long plain word goes.
// Within b, releases also differ in double-quoted text (astral characters,
// the `\` at a fold), so b has variants: each is reproduced exactly and kept
// per file, and "b" on its own means the newest. 0.17.23 - 0.17.25 fold
// double-quoted text by rules of their own and are not reproduced.

#include <cstddef>
#include <optional>
#include <string_view>

namespace pprotect::store {

// In release order: where the text cannot tell, the later one wins.
enum class YamlLayout {
  a,         // ruamel.yaml up to 0.17.21: long words stay after "key: "
  b_0_17_22, // 0.17.22: b's plain scalars; double quotes as a (astral escaped, `\` at every fold)
  b_0_17_26, // 0.17.26 - 0.18.10: words over 100 columns on a line of their own
  b_0_18_11, // 0.18.11: as b_0_17_26, more folds keep the `\`
  b_0_18_12, // 0.18.12: c's double-quoted folds, b's plain scalars
  c,         // 0.18.13 and later: any word that would pass column 100 on a line of its own
};

inline constexpr std::size_t k_yaml_layout_count = 6;

// What a new file gets, and what wins when a file's text fits several layouts.
inline constexpr YamlLayout k_newest_yaml_layout = YamlLayout::c;

// What "b" means: its newest variant.
inline constexpr YamlLayout k_newest_b_yaml_layout = YamlLayout::b_0_18_12;

// Whether `layout` is one of b's variants.
constexpr bool is_layout_b(YamlLayout layout) {
  return layout == YamlLayout::b_0_17_22 || layout == YamlLayout::b_0_17_26 ||
         layout == YamlLayout::b_0_18_11 || layout == YamlLayout::b_0_18_12;
}

// "a", "b" or "c" (every b variant is "b").
std::string_view yaml_layout_name(YamlLayout layout);

// The ruamel.yaml releases that write `layout`, for help texts and messages.
std::string_view yaml_layout_releases(YamlLayout layout);

// "a", "b" or "c" (either case); "b" is its newest variant; nullopt for
// anything else.
std::optional<YamlLayout> parse_yaml_layout(std::string_view name);

} // namespace pprotect::store

#include "store/yaml/yaml_layout.hpp"

namespace pprotect::store {

std::string_view yaml_layout_name(YamlLayout layout) {
  switch (layout) {
  case YamlLayout::a:
    return "a";
  case YamlLayout::b_0_17_22:
  case YamlLayout::b_0_17_26:
  case YamlLayout::b_0_18_11:
  case YamlLayout::b_0_18_12:
    return "b";
  case YamlLayout::c:
    break;
  }
  return "c";
}

std::string_view yaml_layout_releases(YamlLayout layout) {
  switch (layout) {
  case YamlLayout::a:
    return "ruamel.yaml 0.17.21 and earlier";
  case YamlLayout::b_0_17_22:
    return "ruamel.yaml 0.17.22";
  case YamlLayout::b_0_17_26:
    return "ruamel.yaml 0.17.26 to 0.18.10";
  case YamlLayout::b_0_18_11:
    return "ruamel.yaml 0.18.11";
  case YamlLayout::b_0_18_12:
    return "ruamel.yaml 0.18.12";
  case YamlLayout::c:
    break;
  }
  return "ruamel.yaml 0.18.13 and later";
}

std::optional<YamlLayout> parse_yaml_layout(std::string_view name) {
  if (name == "a" || name == "A") {
    return YamlLayout::a;
  }
  if (name == "b" || name == "B") {
    return k_newest_b_yaml_layout;
  }
  if (name == "c" || name == "C") {
    return YamlLayout::c;
  }
  return std::nullopt;
}

} // namespace pprotect::store

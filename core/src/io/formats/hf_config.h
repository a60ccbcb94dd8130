// Reading the fields of a Hugging Face config.json: absent and null both mean the family's default, a value of the
// wrong type is an error naming the key, and an option eigenscope does not implement is refused by name.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace eigenscope::io::hf {

bool present(const nlohmann::json& config, const std::string& key);
int64_t integer(const nlohmann::json& config, const std::string& key, int64_t fallback, const std::string& origin);
double number(const nlohmann::json& config, const std::string& key, double fallback, const std::string& origin);
bool flag(const nlohmann::json& config, const std::string& key, bool fallback, const std::string& origin);
[[noreturn]] void refuse(const std::string& origin, const std::string& what);

}  // namespace eigenscope::io::hf

#include "io/formats/hf_config.h"

#include "eigenscope/error.h"

namespace eigenscope::io::hf {

bool present(const nlohmann::json& c, const std::string& key) { return c.contains(key) && !c[key].is_null(); }

int64_t integer(const nlohmann::json& c, const std::string& key, int64_t fallback, const std::string& origin) {
    if (!present(c, key)) return fallback;
    if (!c[key].is_number_integer()) throw Error(origin + ": " + key + " is not an integer");
    return c[key].get<int64_t>();
}

double number(const nlohmann::json& c, const std::string& key, double fallback, const std::string& origin) {
    if (!present(c, key)) return fallback;
    if (!c[key].is_number()) throw Error(origin + ": " + key + " is not a number");
    return c[key].get<double>();
}

bool flag(const nlohmann::json& c, const std::string& key, bool fallback, const std::string& origin) {
    if (!present(c, key)) return fallback;
    if (!c[key].is_boolean()) throw Error(origin + ": " + key + " is not true or false");
    return c[key].get<bool>();
}

void refuse(const std::string& origin, const std::string& what) { throw Error(origin + ": " + what + " is not supported"); }

}  // namespace eigenscope::io::hf

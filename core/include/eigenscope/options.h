// Typed, validated hyperparameters of a mixer: the schema the CLI documents and the GUI turns into sliders.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace eigenscope {

struct OptionSpec {
    enum class Kind { Int, Float, Bool, Choice };
    std::string name;
    Kind kind = Kind::Int;
    nlohmann::json defaultValue;
    double min = 0.0;  // inclusive bounds for Int and Float
    double max = 0.0;
    std::vector<std::string> choices;  // for Choice
    std::string help;
};

OptionSpec intOption(std::string name, long long value, long long min, long long max, std::string help);
OptionSpec floatOption(std::string name, double value, double min, double max, std::string help);
OptionSpec boolOption(std::string name, bool value, std::string help);
OptionSpec choiceOption(std::string name, std::string value, std::vector<std::string> choices, std::string help);

// Checks `given` against `schema` and returns it completed with defaults. Unknown keys, wrong types and
// out-of-range values throw eigenscope::Error naming `where` and the key.
nlohmann::json resolveOptions(const std::vector<OptionSpec>& schema, const nlohmann::json& given,
                              const std::string& where);

}  // namespace eigenscope

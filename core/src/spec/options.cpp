#include "eigenscope/options.h"

#include "eigenscope/error.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace eigenscope {

OptionSpec intOption(std::string name, long long value, long long min, long long max, std::string help) {
    return {std::move(name), OptionSpec::Kind::Int, value, double(min), double(max), {}, std::move(help)};
}

OptionSpec floatOption(std::string name, double value, double min, double max, std::string help) {
    return {std::move(name), OptionSpec::Kind::Float, value, min, max, {}, std::move(help)};
}

OptionSpec boolOption(std::string name, bool value, std::string help) {
    return {std::move(name), OptionSpec::Kind::Bool, value, 0, 1, {}, std::move(help)};
}

OptionSpec choiceOption(std::string name, std::string value, std::vector<std::string> choices, std::string help) {
    return {std::move(name), OptionSpec::Kind::Choice, std::move(value), 0, 0, std::move(choices), std::move(help)};
}

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::ostringstream out;
    for (size_t i = 0; i < items.size(); ++i) out << (i ? ", " : "") << items[i];
    return out.str();
}

void checkValue(const OptionSpec& spec, const nlohmann::json& value, const std::string& where) {
    const std::string field = where + "." + spec.name;
    auto fail = [&](const std::string& what) { throw Error(field + ": " + what); };
    switch (spec.kind) {
        case OptionSpec::Kind::Int: {
            if (!value.is_number_integer()) fail("expected an integer, got " + value.dump());
            const double v = value.get<double>();
            if (v < spec.min || v > spec.max)
                fail(value.dump() + " is outside [" + std::to_string((long long)spec.min) + ", " +
                     std::to_string((long long)spec.max) + "]");
            break;
        }
        case OptionSpec::Kind::Float: {
            if (!value.is_number()) fail("expected a number, got " + value.dump());
            const double v = value.get<double>();
            if (!std::isfinite(v) || v < spec.min || v > spec.max) {
                std::ostringstream range;
                range << value.dump() << " is outside [" << spec.min << ", " << spec.max << "]";
                fail(range.str());
            }
            break;
        }
        case OptionSpec::Kind::Bool:
            if (!value.is_boolean()) fail("expected true or false, got " + value.dump());
            break;
        case OptionSpec::Kind::Choice:
            if (!value.is_string() ||
                std::find(spec.choices.begin(), spec.choices.end(), value.get<std::string>()) == spec.choices.end())
                fail(value.dump() + " is not one of: " + joined(spec.choices));
            break;
    }
}

}  // namespace

nlohmann::json resolveOptions(const std::vector<OptionSpec>& schema, const nlohmann::json& given,
                              const std::string& where) {
    if (!given.is_null() && !given.is_object()) throw Error(where + ": expected an object of options");
    nlohmann::json resolved = nlohmann::json::object();
    std::vector<std::string> known;
    for (const auto& spec : schema) {
        known.push_back(spec.name);
        const bool present = given.is_object() && given.contains(spec.name);
        const nlohmann::json value = present ? given.at(spec.name) : spec.defaultValue;
        checkValue(spec, value, where);
        resolved[spec.name] = value;
    }
    if (given.is_object()) {
        for (const auto& item : given.items()) {
            if (std::find(known.begin(), known.end(), item.key()) == known.end())
                throw Error(where + ": unknown option \"" + item.key() + "\" (known: " + joined(known) + ")");
        }
    }
    return resolved;
}

}  // namespace eigenscope

// eigenscope-cli: the headless entry point (SPEC §7).
#include "eigenscope/error.h"
#include "eigenscope/mixers.h"
#include "eigenscope/model_info.h"
#include "eigenscope/presets.h"
#include "eigenscope/runtime.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace {

using namespace eigenscope;

std::string withThousands(int64_t value) {
    std::string digits = std::to_string(value);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3) digits.insert(size_t(i), ",");
    return digits;
}

void printPresets() {
    size_t width = 0;
    const auto presets = listPresets();
    for (const auto& p : presets) width = std::max(width, p.name.size());
    for (const auto& p : presets) std::cout << p.name << std::string(width + 2 - p.name.size(), ' ') << p.description << "\n";
}

void printMixers() {
    for (const auto& m : listMixers()) {
        std::cout << m.key << ": " << m.summary << "\n";
        for (const auto& o : m.options) std::cout << "    " << o.name << " = " << o.defaultValue.dump() << "  " << o.help << "\n";
    }
}

void printInfo(const std::string& model, bool showSpec) {
    const ModelSpec spec = loadModelSpec(model);
    const ModelInfo info = describeModel(spec);
    std::cout << "model: " << (spec.name.empty() ? model : spec.name) << "\n"
              << "layout: " << spec.style << ", d_model " << spec.dModel << ", " << spec.blocks.size() << " blocks, "
              << (spec.encoder == "linear" ? "input_dim " + std::to_string(spec.inputDim)
                                           : "vocab " + std::to_string(spec.vocabSize))
              << ", seq_len " << spec.seqLen << ", norm " << spec.norm << " (" << spec.normPosition << ")\n";
    size_t nameWidth = 5, descWidth = 0;
    for (const auto& g : info.groups) {
        nameWidth = std::max(nameWidth, g.name.size());
        descWidth = std::max(descWidth, g.description.size());
    }
    const auto row = [&](const std::string& name, const std::string& desc, int64_t count) {
        std::cout << "  " << name << std::string(nameWidth + 2 - name.size(), ' ') << desc
                  << std::string(descWidth + 2 - std::min(descWidth, desc.size()), ' ') << withThousands(count) << "\n";
    };
    for (const auto& g : info.groups) row(g.name, g.description, g.parameters);
    row("total", "", info.totalParameters);
    if (showSpec) std::cout << specToJson(spec).dump(2) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    eigenscope::tuneAllocator();
    CLI::App app{"eigenscope: spectral analysis of sequence models (DSF eigenvalues)", "eigenscope-cli"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "eigenscope 0.1.0");

    app.add_subcommand("presets", "List the built-in model presets")->callback(printPresets);
    app.add_subcommand("mixers", "List the sequence mixers and their options")->callback(printMixers);

    auto* info = app.add_subcommand("info", "Print a model's architecture and parameter counts");
    std::string model;
    bool showSpec = false;
    info->add_option("MODEL", model, "preset:NAME or a model spec JSON file")->required();
    info->add_flag("--spec", showSpec, "also print the full model spec as JSON");
    info->callback([&] { printInfo(model, showSpec); });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const eigenscope::Error& e) {
        std::cerr << "eigenscope-cli: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "eigenscope-cli: internal error: " << e.what() << "\n";
        return 2;
    }
    return 0;
}

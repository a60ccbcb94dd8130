// eigenscope-cli: the headless entry point (SPEC §7).
#include "eigenscope/analysis.h"
#include "eigenscope/analysis_export.h"
#include "eigenscope/error.h"
#include "eigenscope/mixers.h"
#include "eigenscope/model_info.h"
#include "eigenscope/presets.h"
#include "eigenscope/runtime.h"
#include "eigenscope/train.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace {

using namespace eigenscope;

std::string withThousands(int64_t value) {
    std::string digits = std::to_string(value);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3) digits.insert(size_t(i), ",");
    return digits;
}

// Display width of UTF-8 text: the count of code points (the tables hold no wide characters).
size_t displayWidth(const std::string& text) {
    size_t width = 0;
    for (unsigned char c : text) width += (c & 0xC0) != 0x80;
    return width;
}

std::string padded(const std::string& text, size_t width) {
    return text + std::string(width > displayWidth(text) ? width - displayWidth(text) : 0, ' ');
}

void printPresets() {
    size_t width = 0;
    const auto presets = listPresets();
    for (const auto& p : presets) width = std::max(width, p.name.size());
    for (const auto& p : presets) std::cout << padded(p.name, width + 2) << p.description << "\n";
}

void printMixers() {
    for (const auto& m : listMixers()) {
        std::cout << m.key << ": " << m.summary << "\n";
        for (const auto& o : m.options) std::cout << "    " << o.name << " = " << o.defaultValue.dump() << "  " << o.help << "\n";
    }
}

void printFormats() {
    for (const auto& f : listModelFormats()) {
        std::string opens = f.folder ? "a folder" : "";
        for (const auto& pattern : f.patterns) opens += (opens.empty() ? "" : ", ") + pattern;
        if (f.config == "yaml") opens += " with --config FILE.yaml";
        std::cout << f.name << ": " << f.description << (opens.empty() ? "" : " (" + opens + ")") << "\n";
    }
}

void printInfo(const std::string& model, const std::string& config, bool showSpec) {
    const Model opened = Model::open(model, OpenOptions{config, true});
    const ModelSpec& spec = opened.spec();
    const ModelInfo info = describeModel(opened);
    std::cout << "model: " << (spec.name.empty() ? model : spec.name) << "\n"
              << "format: " << opened.source().format << "\n"
              << "layout: " << spec.style << ", d_model " << spec.dModel << ", " << spec.blocks.size() << " blocks, "
              << (spec.encoder == "linear" ? "input_dim " + std::to_string(spec.inputDim)
                                           : "vocab " + std::to_string(spec.vocabSize))
              << ", seq_len " << spec.seqLen << ", norm " << spec.norm << " (" << spec.normPosition << ")\n";
    size_t nameWidth = 5, descWidth = 0;
    for (const auto& g : info.groups) {
        nameWidth = std::max(nameWidth, displayWidth(g.name));
        descWidth = std::max(descWidth, displayWidth(g.description));
    }
    const auto row = [&](const std::string& name, const std::string& desc, int64_t count) {
        const std::string number = withThousands(count);
        std::cout << "  " << padded(name, nameWidth + 2) << padded(desc, descWidth + 2)
                  << std::string(11 - std::min<size_t>(11, number.size()), ' ') << number << "\n";
    };
    for (const auto& g : info.groups) row(g.name, g.description, g.parameters);
    row("total", "", info.totalParameters);
    for (const auto& warning : opened.source().warnings) std::cout << "warning: " << warning << "\n";
    if (showSpec) {
        auto j = specToJson(spec);
        if (const auto t = trainingDefaults(model)) j["training"] = trainingToJson(*t);
        std::cout << j.dump(2) << "\n";
    }
}

void convertModel(const std::string& in, const std::string& out, const std::string& config) {
    if (out.size() < 12 || out.substr(out.size() - 12) != ".safetensors")
        throw Error(out + ": the native format is a .safetensors file");
    const Model model = Model::open(in, OpenOptions{config, false});
    model.save(out);
    std::cout << "wrote " << out << " (" << model.source().format << ", " << model.spec().blocks.size() << " layers)\n";
    for (const auto& warning : model.source().warnings) std::cout << "warning: " << warning << "\n";
}

struct TrainArgs {
    std::string model, config;
    TrainOptions options;
};

void runTrain(const TrainArgs& a) {
    Model model = Model::open(a.model, OpenOptions{a.config, false});
    const bool terminal = ::isatty(STDOUT_FILENO);
    const int64_t every = std::max<int64_t>(1, a.options.evalEvery > 0 ? a.options.evalEvery : a.options.steps / 20);
    const auto progress = [&](const TrainProgress& p) {
        const double eta = p.stepsPerSecond > 0 ? double(p.steps - p.step) / p.stepsPerSecond : 0;
        char line[160];
        std::snprintf(line, sizeof line, "step %lld/%lld  loss %.4f  acc %s  %.1f steps/s  ETA %d:%02d", (long long)p.step,
                      (long long)p.steps, p.loss, std::isnan(p.accuracy) ? "–" : std::to_string(p.accuracy).substr(0, 5).c_str(),
                      p.stepsPerSecond, int(eta) / 60, int(eta) % 60);
        if (terminal) std::cout << "\r" << line << "   " << std::flush;
        else if (p.step % every == 0 || p.step == p.steps) std::cout << line << "\n";
    };
    const TrainSummary s = train(model, a.options, progress);
    if (terminal) std::cout << "\n";
    std::cout << "trained " << s.steps << " steps: loss " << s.loss << ", accuracy " << s.accuracy << " (best " << s.bestAccuracy
              << ")" << (s.reachedTarget ? ", target reached" : "") << "; run folder " << s.runDir << "\n";
}

struct AnalyzeArgs {
    std::string model, config, input = "task:mqar", mode = "corrected", device = "cpu";
    std::string json, npz, csv;
    int64_t batch = 8, seqLen = 0, maxLag = 0;
    uint64_t seed = 0;
    bool init = false, influence = false, impulseMap = false, float64 = false;
    std::vector<int64_t> impulse;
    std::vector<double> bins, phaseBins;
    double epsilon = 0.01;
    std::string layers, heads;
};

// "0,3-5,9" → {0, 3, 4, 5, 9}; an error names the flag.
std::vector<int64_t> indexList(const std::string& text, const std::string& flag) {
    std::vector<int64_t> out;
    std::stringstream items(text);
    for (std::string item; std::getline(items, item, ',');) {
        const auto dash = item.find('-', 1);
        try {
            size_t used = 0;
            const int64_t first = std::stoll(item.substr(0, dash), &used);
            if (used != item.substr(0, dash).size()) throw std::invalid_argument(item);
            int64_t last = first;
            if (dash != std::string::npos) {
                last = std::stoll(item.substr(dash + 1), &used);
                if (used != item.size() - dash - 1) throw std::invalid_argument(item);
            }
            if (first < 0 || last < first || last - first > 100000) throw std::invalid_argument(item);
            for (int64_t i = first; i <= last; ++i) out.push_back(i);
        } catch (const std::logic_error&) {
            throw Error(flag + ": \"" + item + "\" is not an index or a range a-b (e.g. 0,3-5)");
        }
    }
    return out;
}

// A progress bar on a terminal, plain lines otherwise; on stderr so that --json - stays clean.
ProgressFn progressPrinter(const std::string& label) {
    const bool terminal = isatty(STDERR_FILENO);
    return [terminal, label](double fraction, const std::string& stage) {
        const int percent = int(std::lround(fraction * 100));
        if (terminal) {
            const int filled = percent / 5;
            std::cerr << "\r" << label << " [" << std::string(size_t(filled), '#') << std::string(size_t(20 - filled), ' ')
                      << "] " << std::setw(3) << percent << "% " << stage << "        " << (fraction >= 1 ? "\n" : "")
                      << std::flush;
        } else {
            std::cerr << label << ": " << percent << "% " << stage << "\n";
        }
    };
}

void printSummary(const AnalysisResult& r, const AnalysisResult* init) {
    std::cout << "model " << r.model << ", input " << r.input << " (B=" << r.batch << ", T=" << r.seqLen << "), mode "
              << r.mode << ", " << std::fixed << std::setprecision(1) << r.elapsedMs << " ms\n";
    if (!r.inputNote.empty()) std::cout << "text " << r.inputNote << "\n";
    if (!r.mixerlessLayers.empty()) {
        std::cout << "without a sequence mixer (no spectrum): layer";
        for (int64_t l : r.mixerlessLayers) std::cout << " " << l;
        std::cout << "\n";
    }
    std::cout << "|λ| bins (% of eigenvalues, batch mean):";
    for (size_t i = 0; i + 1 < r.binEdges.size(); ++i) std::cout << "  " << binLabel(r.binEdges, i, r.mode);
    std::cout << "\n";
    const auto row = [&](const AnalysisResult& res, size_t l, int64_t h, const char* which) {
        const auto& layer = res.layers[l];
        const size_t nbins = res.binEdges.size() - 1;
        std::cout << "  " << which << " layer " << layer.index << " head " << headNumber(layer, h) << " (" << layer.mixer << "):";
        for (size_t i = 0; i < nbins; ++i)
            std::cout << " " << std::fixed << std::setprecision(1) << std::setw(5) << layer.binsMean[size_t(h) * nbins + i];
        const auto& m = layer.metrics[size_t(h)];
        std::cout << "   ρ=" << std::setprecision(3) << m.spectralRadius << " horizon="
                  << (m.horizon < 0 ? std::string(">" + std::to_string(res.maxLag)) : std::to_string(m.horizon));
        if (!std::isnan(m.alignment)) std::cout << " alignment=" << std::setprecision(2) << m.alignment;
        std::cout << "\n";
    };
    for (size_t l = 0; l < r.layers.size(); ++l)
        for (int64_t h = 0; h < r.layers[l].heads; ++h) {
            if (init) row(*init, l, h, "init   ");
            row(r, l, h, init ? "current" : "");
        }
}

void runAnalyze(const AnalyzeArgs& a) {
    const Model model = Model::open(a.model, OpenOptions{a.config, false});
    InputSpec input = parseInputSpec(a.input);
    input.batch = a.batch;
    input.seqLen = a.seqLen;
    input.seed = a.seed;
    AnalysisOptions options;
    options.mode = a.mode;
    options.device = a.device;
    options.float64 = a.float64;
    options.maxLag = a.maxLag;
    options.epsilon = a.epsilon;
    options.impulseSources = a.impulse;
    options.impulseMap = a.impulseMap;
    options.influence = a.influence;
    options.layers = indexList(a.layers, "--layers");
    options.heads = indexList(a.heads, "--heads");
    if (!a.bins.empty()) options.binEdges = a.bins;
    options.phaseEdges = a.phaseBins;
    options.progress = progressPrinter("analyze");
    const AnalysisResult result = analyze(model, input, options);
    AnalysisResult initResult;
    if (a.init) {
        options.progress = progressPrinter("analyze init");
        initResult = analyze(model.freshlyInitialized(), input, options);
    }
    const AnalysisResult* init = a.init ? &initResult : nullptr;
    if (a.json == "-") {
        std::cout << analysisJson(result, init).dump(2) << "\n";
    } else {
        printSummary(result, init);
        if (!a.json.empty()) writeAnalysisJson(a.json, result, init);
    }
    if (!a.npz.empty()) writeAnalysisNpz(a.npz, result, init);
    if (!a.csv.empty()) writeAnalysisCsv(a.csv, result, init);
}

}  // namespace

int main(int argc, char** argv) {
    eigenscope::tuneAllocator();
    CLI::App app{"eigenscope: spectral analysis of sequence models (DSF eigenvalues)", "eigenscope-cli"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "eigenscope " EIGENSCOPE_VERSION);

    app.add_subcommand("presets", "List the built-in model presets")->callback(printPresets);
    app.add_subcommand("mixers", "List the sequence mixers and their options")->callback(printMixers);
    app.add_subcommand("formats", "List the model-file formats MODEL arguments accept")->callback(printFormats);

    auto* info = app.add_subcommand("info", "Print a model's architecture and parameter counts");
    std::string model, infoConfig;
    bool showSpec = false;
    const std::string modelHelp =
        "preset:NAME, a model spec .json, a native .safetensors, a Hugging Face Mamba folder or weights file, or a "
        "torch.save/safetensors state dict of the reference code (with --config)";
    info->add_option("MODEL", model, modelHelp)->required();
    info->add_option("--config", infoConfig, "the reference code's YAML config for a state dict");
    info->add_flag("--spec", showSpec, "also print the full model spec as JSON (with its training settings, if any)");
    info->callback([&] { printInfo(model, infoConfig, showSpec); });

    auto* convert = app.add_subcommand("convert", "Write any readable model as a native .safetensors file");
    std::string convertIn, convertOut, convertConfig;
    convert->add_option("IN", convertIn, modelHelp)->required();
    convert->add_option("OUT", convertOut, "the native file to write (.safetensors)")->required();
    convert->add_option("--config", convertConfig, "the reference code's YAML config for a state dict");
    convert->callback([&] { convertModel(convertIn, convertOut, convertConfig); });

    TrainArgs trainArgs;
    auto* trainCmd = app.add_subcommand("train", "Train a model on a task, with checkpoints and spectrum snapshots");
    auto& t = trainArgs.options;
    trainCmd->add_option("--model", trainArgs.model, modelHelp)->required();
    trainCmd->add_option("--config", trainArgs.config, "the reference code's YAML config for a state dict");
    trainCmd->add_option("--task", t.task, "task:mqar|selective_copy|induction[:key=value,...]")->capture_default_str();
    trainCmd->add_option("--steps", t.steps, "optimizer steps")->capture_default_str();
    trainCmd->add_option("--lr", t.lr, "peak learning rate (linear warmup, cosine decay); default: the preset's")
        ->capture_default_str();
    trainCmd->add_option("--batch", t.batch, "batch size")->capture_default_str();
    trainCmd->add_option("--seed", t.seed, "seed of data order, dropout and evaluation batches")->capture_default_str();
    trainCmd->add_option("--weight-decay", t.weightDecay, "AdamW weight decay; default: the preset's")->capture_default_str();
    trainCmd->add_option("--warmup", t.warmup, "warmup steps (default: the preset's, else 10% of --steps)");
    trainCmd->add_option("--ssm-lr", t.ssmLr,
                         "rate of the preset's SSM variables (Adam, no weight decay; default: the preset's, 0: none)");
    trainCmd->add_option("--clip", t.clip, "gradient norm clip, 0 for none")->capture_default_str();
    trainCmd->add_option("--eval-every", t.evalEvery, "evaluate every N steps")->capture_default_str();
    trainCmd->add_option("--snapshot-every", t.snapshotEvery, "spectrum snapshot every N steps (0: none)")->capture_default_str();
    trainCmd->add_option("--snapshot-mode", t.snapshotMode, "analysis mode of the snapshots (recorded in run.json)")
        ->check(CLI::IsMember({"corrected", "paper"}))
        ->capture_default_str();
    trainCmd->add_option("--checkpoint-every", t.checkpointEvery, "checkpoint every N steps (0: at each evaluation)")
        ->capture_default_str();
    trainCmd->add_option("--target-acc", t.targetAccuracy, "stop at this evaluation accuracy (0: never)")->capture_default_str();
    trainCmd->add_option("--device", t.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
    trainCmd->add_option("--out", t.out, "the run folder")->required();
    trainCmd->add_flag("--resume", t.resume, "continue the run in --out from its last checkpoint");
    trainCmd->callback([&] {
        // A preset's training settings (the reference configuration's, for the paper presets) unless flags say otherwise.
        if (const auto d = trainingDefaults(trainArgs.model)) {
            if (trainCmd->get_option("--lr")->count() == 0) t.lr = d->lr;
            if (trainCmd->get_option("--weight-decay")->count() == 0) t.weightDecay = d->weightDecay;
            if (trainCmd->get_option("--warmup")->count() == 0) t.warmup = d->warmup;
            if (trainCmd->get_option("--ssm-lr")->count() == 0) t.ssmLr = d->ssmLr;
            t.ssmVars = d->ssmVars;
            std::cout << "training settings: lr " << t.lr << ", weight decay " << t.weightDecay << ", warmup "
                      << (t.warmup < 0 ? "10% of the steps" : std::to_string(t.warmup) + " steps");
            if (t.ssmLr > 0) std::cout << ", SSM variables at " << t.ssmLr << " without weight decay";
            std::cout << " (the " << (trainArgs.model.rfind("preset:", 0) == 0 ? "preset" : "spec file") << "'s, from "
                      << d->source << "; flags override)\n";
        }
        runTrain(trainArgs);
    });

    AnalyzeArgs analyzeArgs;
    auto* analyzeCmd = app.add_subcommand("analyze", "Eigenvalue analysis of a model on an input batch");
    analyzeCmd->add_option("MODEL", analyzeArgs.model, modelHelp)->required();
    analyzeCmd->add_option("--config", analyzeArgs.config, "the reference code's YAML config for a checkpoint");
    analyzeCmd->add_option("--input", analyzeArgs.input,
                           "randn | impulse | tokens:FILE.npy | embed:FILE.npy | text:TEXT | text-file:FILE | "
                           "task:mqar[:key=value,...] (text uses the model's tokenizer.json, else its UTF-8 bytes)")
        ->capture_default_str();
    analyzeCmd->add_option("--batch", analyzeArgs.batch, "batch size of generated inputs")->capture_default_str();
    analyzeCmd->add_option("--seq-len", analyzeArgs.seqLen, "length of generated inputs (default: the model's)");
    analyzeCmd->add_option("--seed", analyzeArgs.seed, "seed of generated inputs")->capture_default_str();
    analyzeCmd->add_option("--mode", analyzeArgs.mode, "corrected, or paper (the reference code's quirks)")
        ->check(CLI::IsMember({"corrected", "paper"}))
        ->capture_default_str();
    analyzeCmd->add_option("--device", analyzeArgs.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
    analyzeCmd->add_flag("--float64", analyzeArgs.float64, "compute in double precision");
    analyzeCmd->add_flag("--init", analyzeArgs.init, "also analyse the same architecture freshly initialized");
    analyzeCmd->add_option("--bins", analyzeArgs.bins, "|λ| bin edges (default 0 0.1 0.5 0.9 1 10 100 inf)")
        ->delimiter(',');
    analyzeCmd->add_option("--phase-bins", analyzeArgs.phaseBins, "phase bin edges in degrees, e.g. 0,1,10,45,90,180")
        ->delimiter(',');
    analyzeCmd->add_option("--epsilon", analyzeArgs.epsilon, "memory horizon threshold on R(k)")->capture_default_str();
    analyzeCmd->add_option("--max-lag", analyzeArgs.maxLag, "K_max of decay and impulse curves (default T-1)");
    analyzeCmd->add_option("--impulse", analyzeArgs.impulse, "source steps s of ‖Φ(s+k, s)‖, e.g. 0,10")->delimiter(',');
    analyzeCmd->add_flag("--impulse-map", analyzeArgs.impulseMap, "the T×T map ‖Φ(t, s)‖ per head (sample 0)");
    analyzeCmd->add_option("--layers", analyzeArgs.layers, "analyse only these layers, e.g. 0,10-12 (default all)");
    analyzeCmd->add_option("--heads", analyzeArgs.heads, "keep only these heads of each layer, e.g. 0-3 (default all)");
    analyzeCmd->add_flag("--influence", analyzeArgs.influence, "whole-model ‖∂y_t/∂u_s‖ by autograd (sample 0)");
    analyzeCmd->add_option("--json", analyzeArgs.json, "write the JSON summary to FILE, or - for standard output");
    analyzeCmd->add_option("--npz", analyzeArgs.npz, "write the arrays to FILE.npz (numpy.load)");
    analyzeCmd->add_option("--csv", analyzeArgs.csv, "write CSV tables into DIR");
    analyzeCmd->callback([&] { runAnalyze(analyzeArgs); });

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

// Forward and forward-with-trace time of every CPU-sized preset (B = 8, T = seq_len), median of repeats, and the
// whole analysis the application runs on a slider move (MQAR input, impulse from s = 0).
// Usage: forward_bench [repeats] [--default-allocator]. Prints a Markdown table for the machine it runs on;
// --default-allocator skips tuneAllocator() to measure what it buys.
#include "eigenscope/analysis.h"
#include "eigenscope/model.h"
#include "eigenscope/presets.h"
#include "eigenscope/runtime.h"
#include "model/sequence_model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

double medianMilliseconds(int repeats, const std::function<void()>& work) {
    work();  // warm-up
    std::vector<double> times;
    for (int i = 0; i < repeats; ++i) {
        const auto start = std::chrono::steady_clock::now();
        work();
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    using namespace eigenscope;
    const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
    const bool defaultAllocator = argc > 2 && std::string(argv[2]) == "--default-allocator";
    if (!defaultAllocator) tuneAllocator();
    torch::NoGradGuard noGrad;
    std::printf("| preset | B×T | forward ms | forward + trace ms | trace overhead | analysis ms |\n"
                "|---|---|---|---|---|---|\n");
    AnalysisOptions options;
    options.impulseSources = {0};
    for (const auto& preset : listPresets()) {
        if (preset.name.rfind("paper-", 0) == 0) continue;  // the full-size presets are for the GPU check
        const ModelSpec spec = presetSpec(preset.name);
        auto model = buildModel(spec);
        const auto tokens = torch::randint(spec.vocabSize, {8, spec.seqLen}, torch::kLong);
        const double plain = medianMilliseconds(repeats, [&] { model->forward(tokens); });
        const double traced = medianMilliseconds(repeats, [&] {
            std::vector<dsf::TransitionTrace> traces;
            model->forwardWithTraces(tokens, traces);
        });
        const Model handle = Model::fromSpec(spec);
        const double analysis = medianMilliseconds(repeats, [&] { analyze(handle, parseInputSpec("task:mqar"), options); });
        std::printf("| %s | 8×%lld | %.2f | %.2f | %.2f× | %.2f |\n", preset.name.c_str(), (long long)spec.seqLen, plain,
                    traced, traced / plain, analysis);
    }
    return 0;
}

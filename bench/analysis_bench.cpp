// Spectrum extraction on the paper's MQAR presets (2 layers, d = 128, T = 512, B = 64): eigenscope's analysis
// timed in both modes, the GEMM rate and the q·k arithmetic floor measured in the same run, and optionally a
// dump of each layer's output and the weights so bench/reference/paper_analysis.py can run the reference
// analysis on exactly the same numbers.
//
//   analysis_bench [--repeats N] [--batch B] [--device cpu|cuda] [--dump DIR]     the table (Markdown)
//   analysis_bench --long-softmax T                                              peak memory of a softmax analysis
#include "eigenscope/analysis.h"
#include "eigenscope/presets.h"
#include "eigenscope/runtime.h"
#include "io/npy.h"
#include "model/model_handle.h"
#include "spectra/statistics.h"
#include "tasks/mqar.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace {

using namespace eigenscope;

bool onCuda = false;

// Waits for the device, so that a timer read after it covers the queued GPU work.
void synchronize() {
    if (onCuda) torch::cuda::synchronize();
}

double medianSeconds(int repeats, const std::function<void()>& work) {
    std::vector<double> times;
    for (int i = 0; i < repeats; ++i) {
        synchronize();
        const auto start = std::chrono::steady_clock::now();
        work();
        synchronize();
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

// FLOP/s of a batched float32 GEMM shaped like the q·k products: (B, T, 128) × (B, 128, T).
double gemmRate(int64_t batch, int64_t T, int repeats, const torch::Device& device) {
    const auto q = torch::randn({batch, T, 128}, device), k = torch::randn({batch, 128, T}, device);
    const double seconds = medianSeconds(repeats, [&] { torch::matmul(q, k); });
    return 2.0 * double(batch) * double(T) * double(T) * 128.0 / seconds;
}

int64_t peakResidentKiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
    return -1;
}

template <typename T>
std::vector<T> flat(const torch::Tensor& t) {
    const auto c = t.contiguous();
    return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

void dumpForReference(const std::string& dir, const std::string& preset, const Model& model, const InputSpec& input,
                      const AnalysisResult& paper) {
    torch::NoGradGuard noGrad;
    auto& module = model.impl->module;
    std::vector<io::NpyArray> arrays;
    for (const auto& item : module->named_parameters()) {
        const auto value = item.value().to(torch::kFloat64);
        arrays.push_back(io::npyArray(item.key(), flat<double>(value), value.sizes().vec()));
    }
    auto tokens = tasks::sampleMqar(tasks::mqarConfig(input.params, input.seqLen, model.spec().vocabSize), input.batch,
                                    input.seed).inputs;
    auto x = module->encode(tokens);
    for (size_t l = 0; l < module->blocks().size(); ++l) {
        x = module->blocks()[l]->forward(x);
        const auto out = x.to(torch::kFloat64);
        arrays.push_back(io::npyArray("layer" + std::to_string(l) + "_output", flat<double>(out), out.sizes().vec()));
        arrays.push_back(io::npyArray("layer" + std::to_string(l) + "_bins_mean", paper.layers[l].binsMean,
                                      {paper.layers[l].heads, 7}));
    }
    io::writeNpz(dir + "/" + preset + ".npz", arrays);
}

int longSoftmax(int64_t T) {
    const Model model = Model::open("preset:paper-mqar-softmax");
    InputSpec input;  // randn embeddings: no position table limits the length
    input.batch = 1;
    input.seqLen = T;
    const int64_t before = peakResidentKiB();
    AnalysisOptions options;
    const auto start = std::chrono::steady_clock::now();
    const auto result = analyze(model, input, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("softmax analysis, B=1, T=%lld: %.2f s, peak resident %.0f MiB (%.0f MiB before the analysis)\n",
                (long long)T, seconds, double(peakResidentKiB()) / 1024.0, double(before) / 1024.0);
    return result.layers.size() == 2 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    tuneAllocator();
    int repeats = 3;
    int64_t batch = 64;
    std::string dump, deviceName = "cpu";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--repeats" && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
        else if (arg == "--batch" && i + 1 < argc) batch = std::atoll(argv[++i]);
        else if (arg == "--dump" && i + 1 < argc) dump = argv[++i];
        else if (arg == "--device" && i + 1 < argc) deviceName = argv[++i];
        else if (arg == "--long-softmax" && i + 1 < argc) return longSoftmax(std::atoll(argv[++i]));
        else {
            std::fprintf(stderr, "usage: analysis_bench [--repeats N] [--batch B] [--device cpu|cuda] [--dump DIR] | "
                                 "--long-softmax T\n");
            return 2;
        }
    }
    if (deviceName != "cpu" && deviceName != "cuda") {
        std::fprintf(stderr, "analysis_bench: --device must be cpu or cuda\n");
        return 2;
    }
    if (deviceName == "cuda" && !torch::cuda::is_available()) {
        std::fprintf(stderr, "analysis_bench: this LibTorch has no CUDA support or sees no CUDA device\n");
        return 2;
    }
    onCuda = deviceName == "cuda";
    const torch::Device device(onCuda ? torch::kCUDA : torch::kCPU);
    const int64_t T = 512;
    const double rate = gemmRate(batch, T, repeats, device);
    std::printf("GEMM rate (batched %lld × (512×128)·(128×512), float32): %.1f GFLOP/s\n\n", (long long)batch, rate / 1e9);
    std::printf("Device %s, B = %lld, T = %lld, median of %d warm runs.\n\n", deviceName.c_str(), (long long)batch,
                (long long)T, repeats);
    std::printf("| preset | analysis, corrected ms | analysis, paper ms | extraction only ms | q·k floor ms | "
                "corrected / floor |\n|---|---|---|---|---|---|\n");
    for (const std::string name : {"softmax", "linear", "norm", "mamba2", "s4", "lru"}) {
        const std::string preset = "paper-mqar-" + name;
        const Model model = Model::open("preset:" + preset);
        InputSpec input = parseInputSpec("task:mqar:kv_pairs=64");
        input.batch = batch;
        input.seqLen = T;
        AnalysisOptions corrected, paper;
        corrected.device = paper.device = deviceName;
        paper.mode = "paper";
        AnalysisResult paperResult;
        analyze(model, input, corrected);  // warm-up (S4's eigenvalue cache included, as in a session)
        const double tCorrected = medianSeconds(repeats, [&] { analyze(model, input, corrected); });
        const double tPaper = medianSeconds(repeats, [&] { paperResult = analyze(model, input, paper); });
        // Extraction alone, the work bench/reference/paper_analysis.py times: the paper-mode eigenvalues and
        // their statistics from given layer outputs.
        std::vector<torch::Tensor> outputs;
        {
            torch::NoGradGuard noGrad;
            auto& module = model.impl->module;
            module->to(device);
            auto x = module->encode(tasks::sampleMqar(tasks::mqarConfig(input.params, T, model.spec().vocabSize), batch,
                                                      input.seed).inputs.to(device));
            for (auto& block : module->blocks()) outputs.push_back(x = block->forward(x));
        }
        const double tExtract = medianSeconds(repeats, [&] {
            torch::NoGradGuard noGrad;
            for (size_t l = 0; l < outputs.size(); ++l)
                spectra::summarizeTrace(name, model.impl->module->blocks()[l]->mixer().paperTrace(outputs[l]), paper,
                                        T - 1, {});
        });
        model.impl->module->to(torch::kCPU);
        const bool attention = name == "softmax" || name == "linear" || name == "norm";
        // q·k over the full T × T square per layer and head (what the reference computes), at the GEMM rate.
        const double floor = attention ? 2.0 * 2.0 * double(batch) * double(T) * double(T) * 128.0 / rate : 0.0;
        if (attention)
            std::printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f× |\n", preset.c_str(), 1e3 * tCorrected, 1e3 * tPaper,
                        1e3 * tExtract, 1e3 * floor, tCorrected / floor);
        else
            std::printf("| %s | %.1f | %.1f | %.1f | – | – |\n", preset.c_str(), 1e3 * tCorrected, 1e3 * tPaper,
                        1e3 * tExtract);
        std::fflush(stdout);
        if (!dump.empty()) dumpForReference(dump, preset, model, input, paperResult);
    }
    return 0;
}

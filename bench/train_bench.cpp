// Training-step time of the CPU presets on one fixed MQAR batch (T = 128, 8 pairs, vocab 256), the step the
// trainer takes: forward, cross entropy over the labelled positions, backward, gradient clipping, AdamW.
// Usage: train_bench [--steps N] [--batch B] [--threads N] [--presets a,b,...] [--device cpu|cuda] [--paper-scale]
//                    [--dump DIR]
// --paper-scale: the six full-size paper presets on the paper's MQAR (T = 512, 64 pairs, vocabulary 8192, B = 64).
// --dump DIR writes per preset DIR/NAME.safetensors (the initial weights, native file) and DIR/NAME.npz
// (tokens, labels, eval-mode logits) for bench/reference/train_reference.py, which times the same models in
// PyTorch and first checks that its logits equal these.
#include "eigenscope/model.h"
#include "eigenscope/presets.h"
#include "eigenscope/runtime.h"
#include "io/npy.h"
#include "model/model_handle.h"
#include "tasks/mqar.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

template <typename T>
std::vector<T> values(const torch::Tensor& t) {
    const auto c = t.contiguous().cpu();
    return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

}  // namespace

int main(int argc, char** argv) {
    using namespace eigenscope;
    int steps = 20;
    int64_t batch = 32;
    tasks::MqarConfig task{256, 128, 8};
    std::string dump, deviceName = "cpu";
    std::vector<std::string> presets = {"cpu-paper-mqar-softmax", "cpu-paper-mqar-linear", "cpu-paper-mqar-norm",
                                        "cpu-paper-mqar-mamba2",  "cpu-paper-mqar-s4",     "cpu-paper-mqar-lru", "s6"};
    for (int i = 1; i < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--paper-scale") {
            presets = {"paper-mqar-softmax", "paper-mqar-linear", "paper-mqar-norm",
                       "paper-mqar-mamba2",  "paper-mqar-s4",     "paper-mqar-lru"};
            task = {8192, 512, 64};
            batch = 64;
            --i;
            continue;
        }
        const std::string value = i + 1 < argc ? argv[i + 1] : "";
        if (flag == "--steps") steps = std::max(3, std::atoi(value.c_str()));
        else if (flag == "--batch") batch = std::max<int64_t>(1, std::atoll(value.c_str()));
        else if (flag == "--threads") torch::set_num_threads(std::max(1, std::atoi(value.c_str())));
        else if (flag == "--device" && (value == "cpu" || value == "cuda")) deviceName = value;
        else if (flag == "--presets") presets = split(value);
        else if (flag == "--dump") dump = value;
        else {
            std::fprintf(stderr, "usage: train_bench [--steps N] [--batch B] [--threads N] [--presets a,b] "
                                 "[--device cpu|cuda] [--paper-scale] [--dump DIR]\n");
            return 2;
        }
    }
    if (deviceName == "cuda" && !torch::cuda::is_available()) {
        std::fprintf(stderr, "train_bench: this LibTorch has no CUDA support or sees no CUDA device\n");
        return 2;
    }
    const torch::Device device(deviceName == "cuda" ? torch::kCUDA : torch::kCPU);
    const auto now = [&] {
        if (device.is_cuda()) torch::cuda::synchronize();
        return Clock::now();
    };
    tuneAllocator();
    std::printf("Device %s, MQAR T = %lld, %lld pairs, vocabulary %lld, B = %lld, float32, median of %d steps.\n\n",
                deviceName.c_str(), (long long)task.seqLen, (long long)task.kvPairs, (long long)task.vocab,
                (long long)batch, steps);
    std::printf("| preset | step ms | forward ms | backward ms | clip + AdamW ms | steps/s |\n|---|---|---|---|---|---|\n");
    for (const auto& name : presets) {
        Model model = Model::fromSpec(presetSpec(name));
        auto& module = model.impl->module;
        const auto data = tasks::sampleMqar(task, batch, 7);
        if (!dump.empty()) {
            model.save(dump + "/" + name + ".safetensors");
            torch::NoGradGuard noGrad;
            module->eval();
            const auto logits = module->forward(data.inputs).to(torch::kFloat64);
            const auto shape = [](const torch::Tensor& t) { return t.sizes().vec(); };
            io::writeNpz(dump + "/" + name + ".npz",
                         {io::npyArray("tokens", values<int64_t>(data.inputs), shape(data.inputs)),
                          io::npyArray("labels", values<int64_t>(data.labels), shape(data.labels)),
                          io::npyArray("logits", values<double>(logits), shape(logits))});
        }
        module->to(device);
        const auto inputs = data.inputs.to(device), labels = data.labels.to(device);
        module->train();
        torch::optim::AdamW optimizer(module->parameters(), torch::optim::AdamWOptions(1e-3).weight_decay(0.1));
        std::vector<double> total, forward, backward, update;
        for (int step = 0; step < steps + 2; ++step) {  // the first two are warm-up
            const auto t0 = now();
            const auto logits = module->forward(inputs);
            const auto loss = torch::nn::functional::cross_entropy(
                logits.reshape({-1, logits.size(-1)}), labels.reshape({-1}),
                torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
            const auto t1 = now();
            optimizer.zero_grad();
            loss.backward();
            const auto t2 = now();
            torch::nn::utils::clip_grad_norm_(module->parameters(), 1.0);
            optimizer.step();
            const auto t3 = now();
            if (step < 2) continue;
            forward.push_back(ms(t0, t1));
            backward.push_back(ms(t1, t2));
            update.push_back(ms(t2, t3));
            total.push_back(ms(t0, t3));
        }
        const double step = median(total);
        std::printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n", name.c_str(), step, median(forward),
                    median(backward), median(update), 1000.0 / step);
        std::fflush(stdout);
    }
    return 0;
}

// The sequence model of SPEC §2: encoder → blocks (norm, mixer, channel mixer, in one of four layouts) →
// final norm → head. Module names follow the layout's reference code so checkpoints load by name.
#pragma once

#include "dsf/realization.h"
#include "eigenscope/model_spec.h"
#include "mixers/mixer.h"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace eigenscope {

// A normalization over the channel (last) dimension: LayerNorm, RMSNorm or BatchNorm (stats over batch and time).
class ChannelNormImpl : public torch::nn::Module {
public:
    ChannelNormImpl(const std::string& kind, int64_t d, double eps);
    torch::Tensor forward(const torch::Tensor& x);

private:
    std::string kind_;
    double eps_;
    torch::Tensor weight, bias, running_mean, running_var;
};
TORCH_MODULE(ChannelNorm);

// The channel mixers: MLP (encoder → GELU → decoder; mlp_tanh with GPT-2's tanh GELU), GLU (linear → a ⊙ σ(b)),
// SwiGLU (fla GatedMLP), GeGLU (Griffin's MLP block: down(GELU_tanh(gate x)·up x), with biases) and ReLU²
// (Nemotron-H: down(relu(up x)²), no biases).
class ChannelMixerImpl : public torch::nn::Module {
public:
    ChannelMixerImpl(const std::string& kind, int64_t d, int64_t hidden);
    torch::Tensor forward(const torch::Tensor& x, double dropout);

private:
    std::string kind_;
    torch::nn::Linear encoder{nullptr}, decoder{nullptr}, linear{nullptr};
    torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};  // swiglu, geglu, relu2
};
TORCH_MODULE(ChannelMixer);

class BlockImpl : public torch::nn::Module {
public:
    BlockImpl(const ModelSpec& spec, const BlockSpec& block);
    torch::Tensor forward(const torch::Tensor& x, dsf::TransitionTrace* trace = nullptr);

    // False for a block whose mixer type is kNoMixer: the block is its channel mixer alone.
    bool hasMixer() const { return mixer_ != nullptr; }
    MixerImpl& mixer() { return *mixer_; }
    // The input the mixer sees for a block input x (after the pre-norm, where the layout has one).
    torch::Tensor mixerInput(const torch::Tensor& x);
    std::string describe() const;

private:
    torch::Tensor applyMixer(const torch::Tensor& x, dsf::TransitionTrace* trace);
    torch::Tensor channelMix(const torch::Tensor& x);
    torch::Tensor dropout(const torch::Tensor& x) { return torch::dropout(x, dropout_, is_training()); }

    std::string style_, channelMixer_, ssmActivation_;
    bool pre_, gate_;
    double dropout_;
    std::shared_ptr<MixerImpl> mixer_;
    ChannelNorm norm{nullptr}, norm2{nullptr};
    ChannelMixer channel{nullptr};
    torch::nn::Linear Wz{nullptr}, out1{nullptr}, out2{nullptr};
};
TORCH_MODULE(Block);

class SequenceModelImpl : public torch::nn::Module {
public:
    // weightsFollow: the vocabulary matrices are left unallocated (placeholders of their shape), since the caller
    // loads them next.
    explicit SequenceModelImpl(const ModelSpec& spec, bool weightsFollow = false);

    // tokens: (B, T) integer ids, or (B, T, input_dim) floats for a linear encoder.
    torch::Tensor forward(const torch::Tensor& input);
    // The same, recording each block's transition trace (one per block, in order; empty for a block without a mixer).
    torch::Tensor forwardWithTraces(const torch::Tensor& input, std::vector<dsf::TransitionTrace>& traces);
    // Encoder output (B, T, d) for an input.
    torch::Tensor encode(const torch::Tensor& input);
    // From encoder output through the blocks, final norm and head.
    torch::Tensor forwardFromEmbeddings(const torch::Tensor& x, std::vector<dsf::TransitionTrace>* traces = nullptr);

    const ModelSpec& spec() const { return spec_; }
    std::vector<Block>& blocks() { return blocks_; }
    // The vocabulary-sized matrices (token embedding, LM head) by parameter name. A checkpoint's half-precision
    // values of these stay in that precision and are widened slice by slice on use: exact, and a pretrained model's
    // largest tensors get no float32 copy.
    std::vector<std::string> vocabularyMatrices() const;

private:
    torch::Tensor head(const torch::Tensor& x);
    // The dtype the blocks compute in.
    torch::ScalarType workingType();

    ModelSpec spec_;
    std::shared_ptr<torch::nn::Module> encoderModule;
    torch::nn::Embedding wordEmbeddings{nullptr}, positionEmbeddings{nullptr};
    torch::nn::Linear encoderLinear{nullptr}, decoder{nullptr};
    torch::nn::ModuleList blockList;
    std::vector<Block> blocks_;
    ChannelNorm finalNorm{nullptr};
};
TORCH_MODULE(SequenceModel);

// Validates the spec, seeds torch's generator with spec.seed and builds the model (float32, CPU, eval mode).
SequenceModel buildModel(const ModelSpec& spec, bool weightsFollow = false);

// Half-precision tensors (the vocabulary matrices loaded as stored) keep their dtype.
bool keepsStoredPrecision(const torch::Tensor& t);

}  // namespace eigenscope

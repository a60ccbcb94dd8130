#include "model/sequence_model.h"

#include "eigenscope/error.h"
#include "mixers/registry.h"

#include <algorithm>
#include <cmath>

namespace eigenscope {

namespace F = torch::nn::functional;

ChannelNormImpl::ChannelNormImpl(const std::string& kind, int64_t d, double eps) : kind_(kind), eps_(eps) {
    weight = register_parameter("weight", torch::ones({d}));
    if (kind_ != "rms") bias = register_parameter("bias", torch::zeros({d}));
    if (kind_ == "batch") {
        running_mean = register_buffer("running_mean", torch::zeros({d}));
        running_var = register_buffer("running_var", torch::ones({d}));
    }
}

torch::Tensor ChannelNormImpl::forward(const torch::Tensor& x) {
    const int64_t d = x.size(-1);
    if (kind_ == "layer") return F::layer_norm(x, F::LayerNormFuncOptions({d}).weight(weight).bias(bias).eps(eps_));
    if (kind_ == "rms") return x * torch::rsqrt(x.pow(2).mean(-1, true) + eps_) * weight;
    // BatchNorm over every position (flax BatchNorm under vmap over the batch: statistics over batch and time).
    const auto flat = x.reshape({-1, d});
    return F::batch_norm(flat, running_mean, running_var,
                         F::BatchNormFuncOptions().weight(weight).bias(bias).training(is_training()).momentum(0.01).eps(eps_))
        .view(x.sizes());
}

ChannelMixerImpl::ChannelMixerImpl(const std::string& kind, int64_t d, int64_t hidden) : kind_(kind) {
    if (kind_ == "mlp" || kind_ == "mlp_tanh") {
        encoder = register_module("encoder", torch::nn::Linear(d, hidden));
        decoder = register_module("decoder", torch::nn::Linear(hidden, d));
    } else if (kind_ == "swiglu" || kind_ == "geglu" || kind_ == "relu2") {
        using torch::nn::Linear, torch::nn::LinearOptions;
        const bool bias = kind_ == "geglu";
        if (kind_ != "relu2") gate_proj = register_module("gate_proj", Linear(LinearOptions(d, hidden).bias(bias)));
        up_proj = register_module("up_proj", Linear(LinearOptions(d, hidden).bias(bias)));
        down_proj = register_module("down_proj", Linear(LinearOptions(hidden, d).bias(bias)));
    } else {
        linear = register_module("linear", torch::nn::Linear(d, 2 * d));
    }
}

torch::Tensor ChannelMixerImpl::forward(const torch::Tensor& x, double dropout) {
    if (kind_ == "mlp" || kind_ == "mlp_tanh") {
        const auto h = encoder->forward(x);
        const auto hidden = torch::dropout(kind_ == "mlp" ? torch::gelu(h) : torch::gelu(h, "tanh"), dropout, is_training());
        return torch::dropout(decoder->forward(hidden), dropout, is_training());
    }
    if (kind_ == "swiglu" || kind_ == "geglu" || kind_ == "relu2") {
        const auto up = up_proj->forward(x);
        const auto hidden = kind_ == "relu2"    ? torch::relu(up).square()
                            : kind_ == "swiglu" ? torch::silu(gate_proj->forward(x)) * up
                                                : torch::gelu(gate_proj->forward(x), "tanh") * up;
        return torch::dropout(down_proj->forward(hidden), dropout, is_training());
    }
    const auto t = linear->forward(x);
    const int64_t d = x.size(-1);
    return t.narrow(-1, 0, d) * torch::sigmoid(t.narrow(-1, d, d));
}

namespace {

const char* mixerName(const std::string& style) {
    if (style == "paper_transformer") return "attention";
    if (style == "paper_mamba") return "mamba";
    if (style == "paper_ssm") return "seq";
    return "mixer";
}

torch::Tensor geluTanh(const torch::Tensor& x) { return torch::gelu(x, "tanh"); }

// The spec's, or flax's 1e-6 for the JAX models' LayerNorm and torch's 1e-5 otherwise.
double normEps(const ModelSpec& spec) {
    if (spec.normEps > 0) return spec.normEps;
    return spec.style == "paper_ssm" && spec.norm == "layer" ? 1e-6 : 1e-5;
}

}  // namespace

BlockImpl::BlockImpl(const ModelSpec& spec, const BlockSpec& block)
    : style_(spec.style),
      channelMixer_(block.channelMixer),
      ssmActivation_(spec.ssmActivation),
      pre_(spec.normPosition == "pre"),
      gate_(block.outputGate),
      dropout_(spec.dropout) {
    const int64_t d = spec.dModel;
    if (block.mixer.type != kNoMixer) mixer_ = register_module(mixerName(style_), makeMixer(spec, block.mixer));
    if (gate_) {
        Wz = register_module("Wz", torch::nn::Linear(d, d));
        // Gate init of models/transformer.py: bias 1, weight xavier-uniform with gain 0.1.
        torch::NoGradGuard noGrad;
        Wz->bias.fill_(1.0);
        torch::nn::init::xavier_uniform_(Wz->weight, 0.1);
    }
    const int64_t hidden = block.channelMixerDim > 0 ? block.channelMixerDim : 4 * d;
    if (channelMixer_ != "none") {
        const char* name = style_ == "paper_transformer" ? "mixer" : style_ == "paper_mamba" ? "glu" : "channel";
        channel = register_module(name, ChannelMixer(channelMixer_, d, hidden));
    }
    if (style_ == "paper_ssm") {
        if (ssmActivation_ == "full_glu") out1 = register_module("out1", torch::nn::Linear(d, d));
        if (ssmActivation_ != "gelu") out2 = register_module("out2", torch::nn::Linear(d, d));
    }
    if (spec.norm != "none") {
        const double eps = normEps(spec);
        norm = register_module(style_ == "paper_ssm" ? "normalize" : "norm", ChannelNorm(spec.norm, d, eps));
        if (style_ == "standard" && mixer_ && channelMixer_ != "none")
            norm2 = register_module("norm2", ChannelNorm(spec.norm, d, eps));
    }
}

std::string BlockImpl::describe() const {
    if (!mixer_) return "no sequence mixer: " + channelMixer_;
    std::string text = mixer_->describe();
    if (channelMixer_ != "none") text += " + " + channelMixer_;
    if (style_ == "paper_ssm") text += " + " + ssmActivation_;
    if (style_ == "paper_mamba") text += " + GELU";
    if (gate_) text += " + output gate";
    return text;
}

torch::Tensor BlockImpl::applyMixer(const torch::Tensor& x, dsf::TransitionTrace* trace) {
    return trace ? mixer_->forwardWithTrace(x, *trace) : mixer_->forward(x);
}

torch::Tensor BlockImpl::channelMix(const torch::Tensor& x) { return channel->forward(x, dropout_); }

torch::Tensor BlockImpl::mixerInput(const torch::Tensor& x) {
    const bool normsFirst = style_ == "paper_transformer" || pre_;
    return (norm && normsFirst) ? norm->forward(x) : x;
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, dsf::TransitionTrace* trace) {
    const auto N = [](ChannelNorm n, const torch::Tensor& v) { return n ? n->forward(v) : v; };
    if (style_ == "paper_transformer") {
        // models/transformer.py TransformerBlock: one LayerNorm at both positions; mixer "none" drops the residual.
        const auto a = x + dropout(applyMixer(N(norm, x), trace));
        const auto y = N(norm, a);
        auto out = channel ? a + channelMix(y) : y;
        return gate_ ? out * torch::silu(Wz->forward(x)) : out;
    }
    if (style_ == "paper_mamba") {
        // models/mamba.py MambaBlock.
        auto h = applyMixer(pre_ ? N(norm, x) : x, trace);
        h = dropout(torch::gelu(h));
        if (channel) h = channelMix(h);
        h = dropout(h) + x;
        return pre_ ? h : N(norm, h);
    }
    if (style_ == "paper_ssm") {
        // The JAX SequenceLayer (models/s4.py, models/lru.py) with the tanh GELU of flax.
        auto h = applyMixer(pre_ ? N(norm, x) : x, trace);
        if (ssmActivation_ == "full_glu") {
            h = dropout(geluTanh(h));
            h = dropout(out1->forward(h) * torch::sigmoid(out2->forward(h)));
        } else if (ssmActivation_ == "half_glu1") {
            h = dropout(geluTanh(h));
            h = dropout(h * torch::sigmoid(out2->forward(h)));
        } else if (ssmActivation_ == "half_glu2") {
            const auto g = dropout(geluTanh(h));
            h = dropout(h * torch::sigmoid(out2->forward(g)));
        } else {
            h = dropout(geluTanh(h));
        }
        h = x + h;
        return pre_ ? h : N(norm, h);
    }
    // standard: residual blocks, pre- or post-norm, optional output gate (x + y)·SiLU(W_z x); without a mixer, the
    // channel mixer is the block's one residual branch.
    if (!mixer_) return pre_ ? x + dropout(channelMix(N(norm, x))) : N(norm, x + dropout(channelMix(x)));
    auto a = pre_ ? x + dropout(applyMixer(N(norm, x), trace)) : N(norm, x + dropout(applyMixer(x, trace)));
    if (gate_) a = a * torch::silu(Wz->forward(x));
    if (!channel) return a;
    return pre_ ? a + dropout(channelMix(N(norm2, a))) : N(norm2, a + dropout(channelMix(a)));
}

namespace {

// A float32 tensor of `shape` that holds no memory: the placeholder of a parameter whose values are loaded next.
torch::Tensor unallocated(at::IntArrayRef shape) { return torch::zeros({1}).expand(shape); }

}  // namespace

bool keepsStoredPrecision(const torch::Tensor& t) {
    return t.scalar_type() == torch::kBFloat16 || t.scalar_type() == torch::kHalf;
}

SequenceModelImpl::SequenceModelImpl(const ModelSpec& spec, bool weightsFollow) : spec_(spec) {
    const int64_t d = spec.dModel;
    if (spec.encoder == "tokens") {
        encoderModule = register_module("encoder", std::make_shared<torch::nn::Module>());
        auto options = torch::nn::EmbeddingOptions(spec.vocabSize, d);
        if (weightsFollow) options._weight(unallocated({spec.vocabSize, d}));
        wordEmbeddings = encoderModule->register_module("word_embeddings", torch::nn::Embedding(options));
        if (spec.maxPositions > 0)
            positionEmbeddings =
                encoderModule->register_module("position_embeddings", torch::nn::Embedding(spec.maxPositions, d));
    } else {
        encoderLinear = register_module(
            "encoder", torch::nn::Linear(spec.encoder == "onehot" ? spec.vocabSize : spec.inputDim, d));
    }
    blockList = register_module(spec.style == "paper_mamba" ? "blocks" : "layers", torch::nn::ModuleList());
    for (const BlockSpec& b : spec.blocks) {
        blocks_.push_back(Block(spec, b));
        blockList->push_back(blocks_.back());
    }
    if (spec.finalNorm && spec.norm != "none")
        finalNorm = register_module("norm", ChannelNorm(spec.norm, d, normEps(spec)));
    const int64_t width = outputWidth(spec);
    const bool deferHead = weightsFollow && spec.head == "lm";
    decoder = register_module(
        "decoder", torch::nn::Linear(torch::nn::LinearOptions(d, deferHead ? 0 : width).bias(spec.headBias)));
    if (deferHead) {
        torch::NoGradGuard noGrad;
        decoder->weight.set_data(unallocated({width, d}));
        if (spec.headBias) decoder->bias.set_data(torch::zeros({width}));
    }
}

std::vector<std::string> SequenceModelImpl::vocabularyMatrices() const {
    std::vector<std::string> names;
    if (spec_.encoder == "tokens") names.push_back("encoder.word_embeddings.weight");
    if (spec_.head == "lm") names.push_back("decoder.weight");
    return names;
}

torch::ScalarType SequenceModelImpl::workingType() {
    for (const auto& p : blockList->parameters())
        if (!keepsStoredPrecision(p)) return p.scalar_type();
    return torch::kFloat;
}

torch::Tensor SequenceModelImpl::encode(const torch::Tensor& input) {
    if (spec_.encoder == "linear") {
        if (!input.is_floating_point() || input.dim() != 3 || input.size(2) != spec_.inputDim)
            throw Error("model input: the linear encoder takes floats of shape (B, T, " +
                        std::to_string(spec_.inputDim) + ")");
        return encoderLinear->forward(input.to(encoderLinear->weight.dtype()));
    }
    if (input.is_floating_point() || input.dim() != 2)
        throw Error("model input: expected integer token ids of shape (B, T), got " +
                    std::string(input.is_floating_point() ? "floats" : "integers") + " of rank " +
                    std::to_string(input.dim()));
    if (input.numel() > 0) {
        const int64_t lo = input.min().item<int64_t>(), hi = input.max().item<int64_t>();
        if (lo < 0 || hi >= spec_.vocabSize)
            throw Error("model input: token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary [0, " +
                        std::to_string(spec_.vocabSize) + ")");
    }
    const int64_t T = input.size(1);
    if (spec_.encoder == "onehot") {
        // A Dense layer on one-hot vectors (the JAX models): a column of the kernel plus the bias.
        return F::embedding(input, encoderLinear->weight.t()) + encoderLinear->bias;
    }
    auto x = wordEmbeddings->forward(input);
    if (keepsStoredPrecision(x)) x = x.to(workingType());
    if (spec_.embedScale != 1.0) x = x * spec_.embedScale;
    if (positionEmbeddings) {
        if (T > spec_.maxPositions)
            throw Error("model input: T=" + std::to_string(T) + " exceeds the " + std::to_string(spec_.maxPositions) +
                        " learned positions of this model");
        x = x + positionEmbeddings->weight.narrow(0, 0, T);
    }
    return x;
}

torch::Tensor SequenceModelImpl::head(const torch::Tensor& x) {
    auto h = finalNorm ? finalNorm->forward(x) : x;
    if (spec_.head == "classifier") {
        if (spec_.pooling == "mean") h = h.mean(1);
        else if (spec_.pooling == "last") h = h.select(1, h.size(1) - 1);
        else h = std::get<0>(h.max(1));
    }
    torch::Tensor logits;
    if (decoder->weight.scalar_type() == h.scalar_type()) {
        logits = decoder->forward(h);
    } else {
        auto shape = h.sizes().vec();
        shape.back() = decoder->weight.size(0);
        logits = torch::empty(shape, h.options());
        int64_t row = 0;
        for (const auto& rows : decoder->weight.split(int64_t(1) << 14)) {
            logits.narrow(-1, row, rows.size(0)).copy_(F::linear(h, rows.to(h.scalar_type())));
            row += rows.size(0);
        }
        if (decoder->bias.defined()) logits += decoder->bias.to(h.scalar_type());
    }
    return spec_.logitSoftCap > 0 ? spec_.logitSoftCap * torch::tanh(logits / spec_.logitSoftCap) : logits;
}

torch::Tensor SequenceModelImpl::forwardFromEmbeddings(const torch::Tensor& x,
                                                       std::vector<dsf::TransitionTrace>* traces) {
    // The reference Transformer applies dropout after the encoder; its Mamba and JAX models do not.
    auto h = spec_.style == "paper_mamba" || spec_.style == "paper_ssm" ? x
                                                                         : torch::dropout(x, spec_.dropout, is_training());
    if (traces) traces->assign(blocks_.size(), {});
    for (size_t i = 0; i < blocks_.size(); ++i) h = blocks_[i]->forward(h, traces ? &(*traces)[i] : nullptr);
    return head(h);
}

torch::Tensor SequenceModelImpl::forward(const torch::Tensor& input) { return forwardFromEmbeddings(encode(input)); }

torch::Tensor SequenceModelImpl::forwardWithTraces(const torch::Tensor& input,
                                                   std::vector<dsf::TransitionTrace>& traces) {
    return forwardFromEmbeddings(encode(input), &traces);
}

SequenceModel buildModel(const ModelSpec& spec, bool weightsFollow) {
    validateSpec(spec);
    torch::manual_seed(spec.seed);
    SequenceModel model(spec, weightsFollow);
    model->eval();
    return model;
}

}  // namespace eigenscope

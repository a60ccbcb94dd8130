// The JSON-serializable description of a sequence model (SPEC §2): encoder, blocks with their mixers, head.
#pragma once

#include "eigenscope/options.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace eigenscope {

// The mixer type of a block without a sequence mixer (standard layout: x + channel(norm(x)), as Nemotron-H's MLP
// layers): it has no spectrum, and the analysis passes it by.
inline constexpr const char* kNoMixer = "none";

struct MixerSpec {
    std::string type;                                     // a registry key, e.g. "mamba2", or kNoMixer
    nlohmann::json options = nlohmann::json::object();    // the mixer's hyperparameters (see listMixers())
};

struct BlockSpec {
    MixerSpec mixer;
    std::string channelMixer = "none";  // none | mlp | mlp_tanh | glu | swiglu | geglu | relu2 (see blockFieldSchema())
    int64_t channelMixerDim = 0;        // hidden width of the MLP (0: 4·d_model)
    bool outputGate = false;            // out = (x + y)·SiLU(W_z x)
};

// Block layouts. `standard` is a plain residual block; the `paper_*` layouts reproduce the reference code of
// arXiv 2510.09379 exactly (module names included) so its checkpoints load by name:
//   paper_transformer  models/transformer.py TransformerBlock (one LayerNorm shared by both positions,
//                      the residual dropped when the channel mixer is "none")
//   paper_mamba        models/mamba.py MambaBlock (GELU after the mixer, optional GLU, pre- or post-norm)
//   paper_ssm          the JAX SequenceLayer of models/s4.py and models/lru.py (GLU activations)
struct ModelSpec {
    std::string name;
    std::string style = "standard";      // standard | paper_transformer | paper_mamba | paper_ssm
    int64_t dModel = 64;
    std::string encoder = "tokens";      // tokens (embedding table) | onehot (Linear on one-hot) | linear
    int64_t vocabSize = 256;             // tokens and onehot
    int64_t inputDim = 1;                // linear encoder input width
    int64_t maxPositions = 0;            // learned position embeddings (tokens encoder); 0: none
    int64_t seqLen = 128;                // default input length; S4's kernel length l_max
    std::string norm = "layer";          // layer | rms | batch | none
    std::string normPosition = "pre";    // pre | post
    double normEps = 0.0;                // ε of the blocks' and final norms; 0: the style's (1e-5, flax 1e-6)
    bool finalNorm = true;
    std::string ssmActivation = "full_glu";  // paper_ssm: full_glu | half_glu1 | half_glu2 | gelu
    std::string head = "lm";             // lm (per position) | classifier (pooled)
    std::string pooling = "mean";        // classifier: mean | last | max
    int64_t outputDim = 0;               // 0: vocabSize
    bool headBias = false;
    double dropout = 0.0;
    double embedScale = 1.0;             // factor on the token embeddings (Gemma: √d_model rounded to bfloat16)
    double logitSoftCap = 0.0;           // logits = c·tanh(logits / c); 0: none
    uint64_t seed = 0;
    std::vector<BlockSpec> blocks;
};

// The model's and each block's fields as option schemas (names as in the JSON spec): what validateSpec checks
// and what the GUI offers, as listMixers() does for mixer options.
const std::vector<OptionSpec>& modelFieldSchema();
const std::vector<OptionSpec>& blockFieldSchema();

// Checks every field; throws eigenscope::Error naming the field (e.g. "blocks[1].mixer.num_heads").
void validateSpec(const ModelSpec& spec);

nlohmann::json specToJson(const ModelSpec& spec);
// `origin` names the source (a file path or "preset:NAME") in error messages.
ModelSpec specFromJson(const nlohmann::json& json, const std::string& origin);
ModelSpec specFromJsonText(const std::string& text, const std::string& origin);

// The output width of the model (vocabulary for an LM head unless outputDim is set).
int64_t outputWidth(const ModelSpec& spec);

}  // namespace eigenscope

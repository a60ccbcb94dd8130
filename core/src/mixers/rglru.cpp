#include "mixers/rglru.h"

#include "eigenscope/error.h"
#include "mixers/common.h"

#include <cmath>

namespace eigenscope::mixers {

namespace {

constexpr double kC = 8.0;  // Griffin: a_t = a^{c r_t}

}  // namespace

BlockDiagonalLinearImpl::BlockDiagonalLinearImpl(int64_t width, int64_t heads) : heads_(heads), block_(width / heads) {
    // recurrentgemma: w ~ N(0, 1/block_width), b = 0.
    w = register_parameter("w", torch::randn({heads_, block_, block_}) / std::sqrt(double(block_)));
    b = register_parameter("b", torch::zeros({heads_, block_}));
}

torch::Tensor BlockDiagonalLinearImpl::forward(const torch::Tensor& x) {
    auto shape = x.sizes().vec();
    const auto blocks = x.reshape({-1, heads_, block_});
    const auto out = torch::einsum("nhi,hij->nhj", {blocks, w}) + b;
    return out.reshape(shape);
}

std::vector<OptionSpec> RgLruImpl::options() {
    return {intOption("lru_width", 0, 0, 1 << 16, "recurrence width (0: d_model)"),
            intOption("num_heads", 1, 1, 4096, "blocks of the block-diagonal gate projections"),
            intOption("conv1d_temporal_width", 4, 1, 64, "causal conv before the recurrence"),
            floatOption("min_rad", 0.9, 0.0, 1.0, "ring init: smallest base a = σ(−a_param)"),
            floatOption("max_rad", 0.999, 0.0, 1.0, "ring init: largest base a")};
}

void RgLruImpl::check(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    const int64_t width = optInt(o, "lru_width") > 0 ? optInt(o, "lru_width") : spec.dModel;
    if (width % optInt(o, "num_heads") != 0)
        throw Error(where + ".num_heads: " + std::to_string(optInt(o, "num_heads")) + " does not divide lru_width=" +
                    std::to_string(width));
    if (optFloat(o, "min_rad") > optFloat(o, "max_rad")) throw Error(where + ".min_rad: larger than max_rad");
    if (optFloat(o, "max_rad") >= 1.0) throw Error(where + ".max_rad: must be below 1");
}

RgLruImpl::RgLruImpl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel),
      width_(optInt(o, "lru_width") > 0 ? optInt(o, "lru_width") : spec.dModel),
      heads_(optInt(o, "num_heads")),
      convWidth_(optInt(o, "conv1d_temporal_width")) {
    linear_y = register_module("linear_y", torch::nn::Linear(dModel_, width_));
    linear_x = register_module("linear_x", torch::nn::Linear(dModel_, width_));
    linear_out = register_module("linear_out", torch::nn::Linear(width_, dModel_));
    conv_1d = register_module("conv_1d", std::make_shared<torch::nn::Module>());
    // Conv1D(w_init_variance_scale = 0.01): w ~ N(0, 0.01/temporal_width); w[K−1] multiplies the current token.
    convW = conv_1d->register_parameter("w", torch::randn({convWidth_, width_}) * std::sqrt(0.01 / double(convWidth_)));
    convB = conv_1d->register_parameter("b", torch::zeros({width_}));
    rg_lru = register_module("rg_lru", std::make_shared<torch::nn::Module>());
    // rnn_param_init: a² ~ U(min_rad², max_rad²), a_param = softplus⁻¹(−log a).
    const double lo = std::pow(optFloat(o, "min_rad"), 2), hi = std::pow(optFloat(o, "max_rad"), 2);
    const auto aSquared = torch::empty({width_}, torch::kFloat64).uniform_(lo, hi);
    a_param = rg_lru->register_parameter("a_param", inverseSoftplus(-0.5 * aSquared.log()).to(torch::kFloat32));
    input_gate = rg_lru->register_module("input_gate", BlockDiagonalLinear(width_, heads_));
    a_gate = rg_lru->register_module("a_gate", BlockDiagonalLinear(width_, heads_));
}

std::string RgLruImpl::describe() const {
    return "rglru (width " + std::to_string(width_) + ", gate blocks " + std::to_string(heads_) + ", conv " +
           std::to_string(convWidth_) + ")";
}

RgLruImpl::Streams RgLruImpl::project(const torch::Tensor& u) {
    Streams s;
    s.y = torch::gelu(linear_y->forward(u), "tanh");
    const int64_t T = u.size(1);
    const auto weight = convW.t().unsqueeze(1);  // (W, 1, K): torch's layout of the same causal kernel
    s.x = torch::conv1d(linear_x->forward(u).transpose(1, 2), weight, convB, 1, convWidth_ - 1, 1, width_)
              .narrow(2, 0, T)
              .transpose(1, 2);
    const auto r = torch::sigmoid(a_gate->forward(s.x));
    const auto i = torch::sigmoid(input_gate->forward(s.x));
    s.logA = -kC * r * torch::softplus(a_param);
    // √(1 − a²), replaced by 1 at a segment start (t = 0) as recurrentgemma resets it.
    const auto segmentStart = (torch::arange(T, u.options().dtype(torch::kLong)) == 0).view({1, T, 1});
    const auto multiplier = torch::where(segmentStart, torch::ones_like(s.logA), torch::sqrt(1.0 - (2.0 * s.logA).exp()));
    s.inScale = multiplier * i;
    return s;
}

torch::Tensor RgLruImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    const auto s = project(u);
    if (trace) {
        // From t = 1: recurrentgemma's rnn_scan zeroes the transition at a segment start (a · ¬reset), so Λ_0
        // holds no memory; it only meets the zero initial state.
        const int64_t T = u.size(1);
        trace->eig = s.logA.narrow(1, 1, T - 1).exp().unsqueeze(-1).to(complexTypeOf(u.scalar_type()));  // (B, T−1, W, 1)
        trace->multiplicity = {1};
        trace->timeInvariant = false;
        trace->firstStep = 1;
    }
    return linear_out->forward(channelScan(s.logA, s.inScale * s.x) * s.y);
}

dsf::Realization RgLruImpl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    const auto ctype = complexTypeOf(u.scalar_type());
    dsf::Realization r;  // one head per channel, a scalar state each
    r.lambda = s.logA.exp().unsqueeze(-1).to(ctype);
    r.input = s.x.unsqueeze(-1).to(ctype);
    r.B = s.inScale.unsqueeze(-1).unsqueeze(-1).to(ctype);
    r.C = torch::ones({1, 1, 1, 1, 1}, u.options().dtype(ctype));
    r.D = torch::zeros({1, 1, 1, 1, 1}, u.options().dtype(ctype));
    const auto y = s.y;
    r.readout = [this, y](const torch::Tensor& h) { return linear_out->forward(h.squeeze(-1) * y); };
    return r;
}

torch::Tensor RgLruImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    const auto s = project(u);
    return channelTransferNorms(s.logA, s.inScale, torch::ones_like(s.logA), sources);
}

}  // namespace eigenscope::mixers

#include "mixers/mamba2.h"

#include "eigenscope/error.h"
#include "mixers/attention_base.h"
#include "mixers/common.h"

#include <cmath>

namespace eigenscope::mixers {

namespace {

int64_t headdimOf(int64_t dModel, const nlohmann::json& o) {
    // The paper sets num_heads (headdim = d_model / num_heads); mamba_ssm sets headdim.
    return optInt(o, "num_heads") > 0 ? dModel / optInt(o, "num_heads") : optInt(o, "headdim");
}

// Nemotron-H sets the inner width as heads × head width, not as a multiple of d_model.
int64_t innerOf(int64_t dModel, const nlohmann::json& o) {
    return optInt(o, "d_inner") > 0 ? optInt(o, "d_inner") : optInt(o, "expand") * dModel;
}

}  // namespace

std::vector<OptionSpec> ssdSizeOptions() {
    return {intOption("d_state", 128, 1, 4096, "state size N"),
            intOption("expand", 2, 1, 8, "d_inner = expand·d_model"),
            intOption("d_inner", 0, 0, 1 << 20, "the inner width itself (0: expand·d_model)"),
            intOption("headdim", 64, 1, 4096, "head width P (used when num_heads is 0)"),
            intOption("num_heads", 0, 0, 4096, "heads as the paper sets them: P = d_model/num_heads (0: use headdim)"),
            intOption("d_conv", 4, 0, 64, "causal conv kernel on [x|B|C], 0 for none"),
            floatOption("dt_min", 1e-3, 1e-6, 10.0, "dt init range lower end (log-uniform)"),
            floatOption("dt_max", 1e-1, 1e-6, 10.0, "dt init range upper end"),
            floatOption("dt_init_floor", 1e-4, 0.0, 1.0, "dt init floor")};
}

void checkSsdSizes(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    const int64_t dInner = innerOf(spec.dModel, o);
    if (optInt(o, "num_heads") > 0 && spec.dModel % optInt(o, "num_heads") != 0)
        throw Error(where + ".num_heads: " + std::to_string(optInt(o, "num_heads")) + " does not divide d_model=" +
                    std::to_string(spec.dModel));
    const int64_t headdim = headdimOf(spec.dModel, o);
    if (dInner % headdim != 0)
        throw Error(where + ".headdim: " + std::to_string(headdim) + " does not divide d_inner=" +
                    std::to_string(dInner));
    if (optFloat(o, "dt_min") > optFloat(o, "dt_max")) throw Error(where + ".dt_min: larger than dt_max");
}

int64_t ssdHeads(const ModelSpec& spec, const nlohmann::json& o) {
    return innerOf(spec.dModel, o) / headdimOf(spec.dModel, o);
}

SsdBaseImpl::SsdBaseImpl(const ModelSpec& spec, const nlohmann::json& o, bool gated, bool scalarDt, int64_t groups)
    : dModel_(spec.dModel),
      dInner_(innerOf(spec.dModel, o)),
      nheads_(ssdHeads(spec, o)),
      headdim_(headdimOf(spec.dModel, o)),
      dState_(optInt(o, "d_state")),
      convKernel_(optInt(o, "d_conv")),
      groups_(groups),
      gated_(gated),
      normEps_(gated ? optFloat(o, "norm_eps") : 0.0) {
    const int64_t dtWidth = scalarDt ? 1 : nheads_;
    in_proj = register_module(
        "in_proj", torch::nn::Linear(torch::nn::LinearOptions(dModel_, (gated ? 2 : 1) * dInner_ + 2 * groups_ * dState_ + dtWidth)
                                         .bias(false)));
    const auto dt = sampleLogUniformDt(nheads_, optFloat(o, "dt_min"), optFloat(o, "dt_max"),
                                       optFloat(o, "dt_init_floor"));
    dt_bias = register_parameter("dt_bias", inverseSoftplus(dt).to(torch::kFloat32));
    D = register_parameter("D", torch::ones({nheads_}));
    if (convKernel_ > 0) conv1d = register_module("conv1d", makeCausalConv(dInner_ + 2 * groups_ * dState_, convKernel_));
    if (gated) {
        norm = register_module("norm", std::make_shared<torch::nn::Module>());
        normWeight = norm->register_parameter("weight", torch::ones({dInner_}));
    }
    out_proj = register_module("out_proj",
                               torch::nn::Linear(torch::nn::LinearOptions(dInner_, dModel_).bias(false)));
}

SsdBaseImpl::Streams SsdBaseImpl::project(const torch::Tensor& u) {
    const auto projected = in_proj->forward(u);
    int64_t offset = 0;
    Streams s;
    if (gated_) {
        s.z = projected.narrow(2, 0, dInner_);
        offset = dInner_;
    }
    const int64_t bc = groups_ * dState_;
    auto xBC = projected.narrow(2, offset, dInner_ + 2 * bc);
    s.dtRaw = projected.narrow(2, offset + dInner_ + 2 * bc, projected.size(2) - offset - dInner_ - 2 * bc);
    if (convKernel_ > 0) xBC = torch::silu(causalConv(conv1d, xBC));
    s.x = splitHeads(xBC.narrow(2, 0, dInner_), nheads_);
    s.B = xBC.narrow(2, dInner_, bc);
    s.C = xBC.narrow(2, dInner_ + bc, bc);
    return s;
}

torch::Tensor SsdBaseImpl::perHead(const torch::Tensor& grouped) const {
    const int64_t batch = grouped.size(0), T = grouped.size(1);
    return grouped.view({batch, T, groups_, 1, dState_})
        .expand({batch, T, groups_, nheads_ / groups_, dState_})
        .reshape({batch, T, nheads_, dState_})
        .transpose(1, 2);
}

torch::Tensor SsdBaseImpl::readout(const torch::Tensor& y, const torch::Tensor& z) {
    auto merged = mergeHeads(y);
    if (gated_) {
        // RMSNormGated(norm_before_gate=False, group_size=d_inner/G): rmsnorm(y · SiLU(z)) per group · weight.
        const auto gatedY = merged * torch::silu(z);
        const int64_t width = dInner_ / groups_;
        auto shape = gatedY.sizes().vec();
        shape.back() = groups_;
        shape.push_back(width);
        merged = rmsNorm(gatedY.reshape(shape), normWeight.view({groups_, width}), normEps_).reshape(gatedY.sizes());
    }
    return out_proj->forward(merged);
}

dsf::Realization SsdBaseImpl::realizeScan(const Streams& s, const torch::Tensor& lambda,
                                          const torch::Tensor& inputScale, const torch::Tensor& Bin) {
    const auto ctype = complexTypeOf(s.x.scalar_type());
    const int64_t n = dState_ * headdim_;
    dsf::Realization r;
    r.lambda = lambda.unsqueeze(-1).expand({lambda.size(0), lambda.size(1), nheads_, n}).to(ctype);
    r.input = s.x.permute({0, 2, 1, 3}).to(ctype);
    r.B = kronInputMatrix(Bin * inputScale.unsqueeze(-1), headdim_).to(ctype);
    r.C = kronOutputMatrix(perHead(s.C), headdim_).to(ctype);
    r.D = (D.to(s.x.dtype()).view({1, 1, nheads_, 1, 1}) * torch::eye(headdim_, s.x.options())).to(ctype);
    const auto z = s.z;
    r.readout = [this, z](const torch::Tensor& y) { return readout(y.permute({0, 2, 1, 3}), z); };
    return r;
}

torch::Tensor SsdBaseImpl::scanTransferNorms(const Streams& s, const torch::Tensor& logDecay, const torch::Tensor& Bin,
                                             const torch::Tensor& scale, const std::vector<int64_t>& sources) {
    const int64_t T = s.x.size(2);
    const auto index = sourceIndex(sources, T, s.x.device());
    const auto before = beforeSourceMask(index, T);                                      // (S, T)
    const auto cum = logDecay.cumsum(-1);                                                // (B, H, T)
    const auto gaps = (cum.unsqueeze(2) - cum.index_select(2, index).unsqueeze(-1)).masked_fill(before, -INFINITY);
    const auto CB = torch::matmul(Bin.index_select(2, index), perHead(s.C).transpose(2, 3));  // (B, H, S, T)
    auto w = gaps.exp() * CB * scale.index_select(2, index).unsqueeze(-1);                   // (B, H, S, T)
    const auto onSource = torch::arange(T, index.options()).unsqueeze(0) == index.unsqueeze(1);
    w = w + onSource.to(w.dtype()) * D.to(w.dtype()).view({1, nheads_, 1, 1});
    return w.abs() * std::sqrt(double(headdim_));
}

torch::Tensor SsdBaseImpl::rawDtWithoutConv(const torch::Tensor& x) {
    const int64_t rows = in_proj->weight.size(0);
    const int64_t width = rows - (gated_ ? 2 : 1) * dInner_ - 2 * groups_ * dState_;
    return torch::nn::functional::linear(x, in_proj->weight.narrow(0, rows - width, width));
}

std::string SsdBaseImpl::shape() const {
    std::string text = "heads " + std::to_string(nheads_) + ", headdim " + std::to_string(headdim_) + ", d_state " +
                       std::to_string(dState_);
    if (groups_ > 1) text += ", " + std::to_string(groups_) + " groups";
    if (convKernel_ > 0) text += ", conv " + std::to_string(convKernel_);
    if (gated_) text += ", gated RMSNorm";
    return text;
}

std::vector<OptionSpec> Mamba2Impl::options() {
    auto o = ssdSizeOptions();
    o.push_back(floatOption("A_init_min", 1.0, 1e-6, 1e6, "A ~ U(A_init_min, A_init_max), A_log = log A"));
    o.push_back(floatOption("A_init_max", 16.0, 1e-6, 1e6, "upper end of the A init range"));
    o.push_back(boolOption("gated_norm", true, "mamba_ssm's z gate and gated RMSNorm (the paper's SSD has none)"));
    o.push_back(intOption("ngroups", 1, 1, 1024, "groups of B and C (and of the gated RMSNorm); divides the heads"));
    o.push_back(floatOption("norm_eps", 1e-5, 1e-12, 0.1, "ε of the gated RMSNorm"));
    return o;
}

void Mamba2Impl::check(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    checkSsdSizes(spec, o, where);
    const int64_t heads = ssdHeads(spec, o);
    if (heads % optInt(o, "ngroups") != 0)
        throw Error(where + ".ngroups: " + std::to_string(optInt(o, "ngroups")) + " does not divide the " +
                    std::to_string(heads) + " heads");
    if (optFloat(o, "A_init_min") > optFloat(o, "A_init_max"))
        throw Error(where + ".A_init_min: larger than A_init_max");
}

Mamba2Impl::Mamba2Impl(const ModelSpec& spec, const nlohmann::json& o)
    : SsdBaseImpl(spec, o, optBool(o, "gated_norm"), false, optInt(o, "ngroups")) {
    // mamba_ssm Mamba2: A ~ U(A_init_range), A_log = log A.
    const auto A = torch::empty({nheads_}, torch::kFloat64).uniform_(optFloat(o, "A_init_min"), optFloat(o, "A_init_max"));
    A_log = register_parameter("A_log", A.log().to(torch::kFloat32));
}

torch::Tensor Mamba2Impl::dt(const Streams& s) const { return torch::softplus(s.dtRaw + dt_bias); }

torch::Tensor Mamba2Impl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    const auto s = project(u);
    const auto delta = dt(s).transpose(1, 2);                // (B, H, T)
    const auto logDecay = delta * (-A_log.exp()).view({1, nheads_, 1});
    if (trace) {
        trace->eig = logDecay.exp().transpose(1, 2).unsqueeze(-1).to(complexTypeOf(u.scalar_type()));
        trace->multiplicity = {headdim_ * dState_};
        trace->timeInvariant = false;
        trace->firstStep = 0;
    }
    auto y = chunkedDecayAttention(perHead(s.C), perHead(s.B), s.x * delta.unsqueeze(-1), logDecay);
    y = y + s.x * D.view({1, nheads_, 1, 1});
    return readout(y, s.z);
}

dsf::TransitionTrace Mamba2Impl::paperTrace(const torch::Tensor& x) {
    // analysis/eval_eig.py get_eig_mamba2: Δ from in_proj of the block output (dt is never convolved).
    dsf::TransitionTrace trace;
    const auto delta = torch::softplus(rawDtWithoutConv(x) + dt_bias);
    trace.eig = (delta * (-A_log.exp())).exp().unsqueeze(-1).to(complexTypeOf(x.scalar_type()));
    trace.multiplicity = {headdim_ * dState_};
    return trace;
}

torch::Tensor Mamba2Impl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    const auto s = project(u);
    const auto delta = dt(s).transpose(1, 2);  // (B, H, T)
    return scanTransferNorms(s, delta * (-A_log.exp()).view({1, nheads_, 1}), perHead(s.B), delta, sources);
}

dsf::Realization Mamba2Impl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    const auto delta = dt(s);                                  // (B, T, H)
    const auto lambda = (delta * (-A_log.exp())).exp();        // (B, T, H)
    return realizeScan(s, lambda, delta.transpose(1, 2), perHead(s.B));
}

}  // namespace eigenscope::mixers

#include "dsf/realization.h"

namespace eigenscope::dsf {

namespace {

torch::Tensor at(const torch::Tensor& x, int64_t t) { return x.size(1) == 1 ? x.select(1, 0) : x.select(1, t); }

}  // namespace

torch::Tensor runRecurrence(const Realization& r) {
    const int64_t T = r.input.size(1);
    const int64_t batch = r.input.size(0);
    const int64_t heads = r.input.size(2);
    const int64_t n = r.B.size(-2);
    auto h = torch::zeros({batch, heads, n, 1}, r.input.options());
    std::vector<torch::Tensor> outputs;
    outputs.reserve(size_t(T));
    for (int64_t t = 0; t < T; ++t) {
        const auto u = at(r.input, t).unsqueeze(-1);                           // (B, H, m, 1)
        const auto lambda = at(r.lambda, t);
        const auto carried = r.diagonal ? lambda.unsqueeze(-1) * h : torch::matmul(lambda, h);
        h = carried + torch::matmul(at(r.B, t), u);
        outputs.push_back((torch::matmul(at(r.C, t), h) + torch::matmul(at(r.D, t), u)).squeeze(-1));
    }
    return torch::stack(outputs, 1);
}

torch::Tensor transferNorms(const Realization& r, const std::vector<int64_t>& sources) {
    const int64_t T = r.input.size(1), batch = r.input.size(0), heads = r.input.size(2);
    const int64_t n = r.B.size(-2), m = r.B.size(-1);
    auto out = torch::zeros({batch, heads, int64_t(sources.size()), T}, torch::dtype(torch::kFloat64));
    for (size_t i = 0; i < sources.size(); ++i) {
        const int64_t s = sources[i];
        auto X = at(r.B, s).expand({batch, heads, n, m});  // the state response to a unit input at s
        for (int64_t t = s; t < T; ++t) {
            if (t > s) X = r.diagonal ? at(r.lambda, t).unsqueeze(-1) * X : torch::matmul(at(r.lambda, t), X);
            auto phi = torch::matmul(at(r.C, t), X);
            if (t == s) phi = phi + at(r.D, t);
            out.select(2, int64_t(i)).select(2, t).copy_(torch::real(phi).pow(2).sum({-1, -2}).sqrt());
        }
    }
    return out;
}

torch::Tensor denseLambda(const Realization& r) {
    if (!r.diagonal) return r.lambda;
    return torch::diag_embed(r.lambda);
}

}  // namespace eigenscope::dsf

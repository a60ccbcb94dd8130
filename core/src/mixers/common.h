// Building blocks shared by the mixers: causal depthwise convolution, head reshapes, scans, inits.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>

namespace eigenscope::mixers {

// Depthwise Conv1d(C, C, K, groups=C, padding=K-1) with only the first T outputs kept: the causal short
// convolution of the reference code (paper-models.md §1). x: (B, T, C) → (B, T, C).
torch::nn::Conv1d makeCausalConv(int64_t channels, int64_t kernel, bool bias = true);
torch::Tensor causalConv(torch::nn::Conv1d& conv, const torch::Tensor& x);

// (B, T, H·D) → (B, H, T, D), head index major, and back.
torch::Tensor splitHeads(const torch::Tensor& x, int64_t heads);
torch::Tensor mergeHeads(const torch::Tensor& x);

// y_t = Σ_{j≤t} exp(Σ_{i=j+1..t} a_i) (q_t·k_j) v_j, per (batch, head), computed in chunks: quadratic
// inside a chunk, a carried k vᵀ state between chunks. q, k: (B, H, T, dk); v: (B, H, T, dv);
// logDecay a: (B, H, T) with a ≤ 0, or undefined for no decay. Returns (B, H, T, dv).
torch::Tensor chunkedDecayAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                    const torch::Tensor& logDecay, int64_t chunk = 128);

// Per-channel linear recurrence h_t = exp(a_t) h_{t-1} + x_t with a ≤ 0: logDecay, x: (B, T, C) → (B, T, C).
torch::Tensor channelScan(const torch::Tensor& logDecay, const torch::Tensor& x);

// ‖Φ(t, s)‖ of per-channel scalar systems Φ(t, s) = out_t exp(Σ_{j=s+1..t} a_j) in_s: (B, C, S, T).
// logDecay, inScale, outScale: (B, T, C).
torch::Tensor channelTransferNorms(const torch::Tensor& logDecay, const torch::Tensor& inScale,
                                   const torch::Tensor& outScale, const std::vector<int64_t>& sources);

// Causal convolution y_t = Σ_{j≤t} K_{t-j} x_j per channel via FFT. x: (B, T, C); kernel: (C, T). Real or complex.
torch::Tensor fftCausalConv(const torch::Tensor& x, const torch::Tensor& kernel);

// Throws std::out_of_range unless every source step lies in [0, T).
void checkSources(const std::vector<int64_t>& sources, int64_t T);

// Source steps as an index tensor, and the mask (S, T) of the steps t < s that a source does not reach.
torch::Tensor sourceIndex(const std::vector<int64_t>& sources, int64_t T, const torch::Device& device);
torch::Tensor beforeSourceMask(const torch::Tensor& sourceIndex, int64_t T);

// Norms of a time-invariant Φ(t, s) = lagNorms[:, t − s]: lagNorms (H, T) → (B, H, S, T).
torch::Tensor lagTransferNorms(const torch::Tensor& lagNorms, int64_t batch, const std::vector<int64_t>& sources);

// RMSNorm over the last dimension: x·rsqrt(mean(x²) + eps)·weight.
torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps = 1e-5);

// Inverse of softplus: the dt_bias init of mamba_ssm (dt + log(-expm1(-dt))).
torch::Tensor inverseSoftplus(const torch::Tensor& y);

// dt ~ exp(U(log dt_min, log dt_max)) clamped below by floor (mamba_ssm Mamba/Mamba2 dt init).
torch::Tensor sampleLogUniformDt(int64_t n, double dtMin, double dtMax, double floor);

// Complex tensor from a real one with a trailing dimension of 2 (real, imag), and the reverse.
torch::Tensor asComplex(const torch::Tensor& pairs);

// The complex dtype that matches a real dtype (float → complex64, double → complex128).
torch::ScalarType complexTypeOf(torch::ScalarType real);

// Reads a resolved option.
inline int64_t optInt(const nlohmann::json& o, const char* key) { return o.at(key).get<int64_t>(); }
inline double optFloat(const nlohmann::json& o, const char* key) { return o.at(key).get<double>(); }
inline bool optBool(const nlohmann::json& o, const char* key) { return o.at(key).get<bool>(); }
inline std::string optString(const nlohmann::json& o, const char* key) { return o.at(key).get<std::string>(); }

}  // namespace eigenscope::mixers

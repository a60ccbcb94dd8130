// A Hugging Face tokenizer.json read and applied as the `tokenizers` library does for the BPE tokenizers that
// checkpoints ship: byte-level BPE (GPT-2, GPT-NeoX, Llama-3, Qwen) and SentencePiece-style BPE with byte fallback
// and the "▁" metaspace (Llama-2, Mistral). Added tokens are split out first; then per segment the normalizer
// (NFC/NFKC/NFD/NFKD through ICU, Prepend, Replace, Sequence), the pre-tokenizer (ByteLevel with the GPT-2 pattern,
// Split on a regex through PCRE2, Metaspace, Digits, Sequence), BPE by merge rank (ignore_merges, byte_fallback,
// unk and fuse_unk) and the single-sequence template of the post-processor. Anything else is refused by name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace eigenscope::text {

class Tokenizer {
public:
    // Reads a tokenizer.json; an Error names the file and what it cannot read.
    static std::shared_ptr<const Tokenizer> open(const std::string& path);
    ~Tokenizer();

    struct Encoding {
        std::vector<int64_t> ids;
        std::vector<std::string> pieces;  // the vocabulary's strings ("Ġthe", "▁the", "<0xF0>")
    };
    Encoding encode(const std::string& utf8) const;

    // A token as the text it stands for (byte-level symbols mapped back to bytes, "▁" to a space, <0xNN> to its
    // byte); bytes that are not whole UTF-8 characters are written as <0xNN>.
    std::string display(int64_t id) const;
    std::string describe() const;  // e.g. "byte-level BPE, 50,257 tokens"
    int64_t size() const;

    struct Impl;

private:
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace eigenscope::text
